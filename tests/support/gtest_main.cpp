// main() of every test executable: GoogleTest's, except that a run where some test skipped
// and none failed exits with kSkippedExitCode, which ctest shows as "Skipped" (the
// SKIP_RETURN_CODE of dcgan_add_test). GoogleTest itself exits 0 then, and ctest would print
// "Passed" for a binary whose tests did not run.
#include <gtest/gtest.h>

#include <iostream>

namespace {
constexpr int kSkippedExitCode = 77;
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int result = RUN_ALL_TESTS();
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  if (result == 0 && unit.skipped_test_count() > 0) {
    std::cout << unit.skipped_test_count() << " of " << unit.test_to_run_count()
              << " test(s) skipped: exit " << kSkippedExitCode << " (ctest: Skipped)\n";
    return kSkippedExitCode;
  }
  return result;
}
