#pragma once
// usage_error_of(fn) runs fn and returns the message of the grove::UsageError
// it throws, or a marker saying what happened instead, so that a test can
// check what the message names: EXPECT_NE(msg.find("Pool::add"), npos) << msg.

#include <grove/errors.hpp>

#include <exception>
#include <functional>
#include <string>

namespace grove::test {

inline std::string usage_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const grove::UsageError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<other exception: ") + e.what() + ">";
  } catch (...) {
    return "<non-std exception>";
  }
  return "<no exception>";
}

}  // namespace grove::test
