// --precision fp32|bf16|auto: what it decides on this CPU and why. ctest also runs this binary
// with DNNL_MAX_CPU_ISA=AVX2, which hides native BF16 on every machine, so the refusal of bf16
// and auto's fall-back to fp32 are tested everywhere, and the acceptance wherever the CPU has
// native BF16.
#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/kernels/precision.h"

using namespace dcgan::kernels;

namespace {

void no_pass() {}

TEST(PrecisionChoice, Fp32AndBadValues) {
  EXPECT_EQ(choose_precision("fp32", false, true, "k", no_pass).precision, Precision::kFp32);
  EXPECT_THROW(choose_precision("fp16", false, true, "k", no_pass), dcgan::ConfigError);
  EXPECT_THROW(choose_precision("bf16", false, false, "k", no_pass), dcgan::ConfigError);
}

TEST(PrecisionChoice, CudaMeansAutocastForBf16AndFp32ForAuto) {
  EXPECT_EQ(choose_precision("bf16", true, false, "k", no_pass).precision, Precision::kBf16);
  EXPECT_EQ(choose_precision("auto", true, true, "k", no_pass).precision, Precision::kFp32);
}

TEST(PrecisionChoice, Bf16AndAutoFollowTheCpusNativeBf16) {
  const std::string key = "test";
  int passes = 0;
  auto pass = [&passes] { ++passes; };
  if (native_bf16()) {
    EXPECT_EQ(choose_precision("bf16", false, true, key, pass).precision, Precision::kBf16);
    const PrecisionChoice first = choose_precision("auto", false, true, key, pass);
    EXPECT_EQ(passes, 6) << "auto times three rounds of each precision, the first a warm-up";
    const PrecisionChoice again = choose_precision("auto", false, true, key, pass);
    EXPECT_EQ(again.precision, first.precision) << "the recorded decision is replayed";
    EXPECT_EQ(passes, 6) << "without timing again";
    EXPECT_NE(again.reason.find("recorded"), std::string::npos) << again.reason;
  } else {
    try {
      choose_precision("bf16", false, true, key, pass);
      ADD_FAILURE() << "--precision bf16 accepted without native BF16";
    } catch (const dcgan::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("no native BF16"), std::string::npos) << e.what();
    }
    const PrecisionChoice choice = choose_precision("auto", false, true, key, pass);
    EXPECT_EQ(choice.precision, Precision::kFp32);
    EXPECT_NE(choice.reason.find("no native BF16"), std::string::npos) << choice.reason;
    EXPECT_EQ(passes, 0) << "nothing to time";
  }
  EXPECT_EQ(precision(), Precision::kFp32) << "choosing leaves the process precision alone";
}

}  // namespace
