// include_diet_test.cpp — including a primitive's header (or hub.hpp) alone
// pulls in neither Boost.Asio nor Boost.Context (docs/design/hub.md, "What a
// primitive's header includes"). The proof is the build: CMake generates one
// TU per listed header (tests/fibers/CMakeLists.txt, GROVE_DIET_HEADERS) that
// includes it alone and then include_diet_check.hpp, which #errors when an
// Asio or Boost.Context header was seen. Each TU registers its header, so
// this test sees that every listed header was compiled into it, once.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace grove_diet {

std::vector<std::string>& noted() {
  static std::vector<std::string> headers;
  return headers;
}

int note(const char* header) {
  noted().emplace_back(header);
  return 0;
}

int control_version();  // include_diet_control.cpp

}  // namespace grove_diet

namespace {

TEST(IncludeDiet, EveryListedHeaderWasCheckedAlone) {
  const std::vector<std::string>& noted = grove_diet::noted();
  const std::set<std::string> unique(noted.begin(), noted.end());
  EXPECT_EQ(noted.size(), static_cast<std::size_t>(GROVE_DIET_HEADER_COUNT));
  EXPECT_EQ(unique.size(), noted.size());
  for (const char* h : {"grove/hub.hpp", "grove/event.hpp", "grove/fiber.hpp", "grove/queue.hpp", "grove/mailbox.hpp",
                        "grove/channel.hpp", "grove/lock.hpp", "grove/timeout.hpp"})
    EXPECT_TRUE(unique.contains(h)) << h << " is not among the headers checked alone";
}

TEST(IncludeDiet, TheCheckSeesAsioWhereItIsIncluded) {
  // include_diet_control.cpp compiled only because grove/yield.hpp, whose
  // job is Asio, defines the macros include_diet_check.hpp looks for.
  EXPECT_GE(grove_diet::control_version(), 101800);  // Boost 1.74's Asio
}

}  // namespace
