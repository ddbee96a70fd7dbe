#pragma once
// test_name.hpp — current_test_name(): the running GoogleTest test's full
// name, "Suite.Test" ("Prefix/Suite.Test/3" for parameterised tests), or ""
// outside a test. Traces and other artefacts of a test are named after it.

#include <string>

namespace grove::testing {

std::string current_test_name();

}  // namespace grove::testing
