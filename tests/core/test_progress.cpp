// ProgressBar text: count/total, rate, ETA, suffix; duration formatting.
#include "dcgan/core/progress.h"

#include <gtest/gtest.h>

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(dcgan::ProgressBar::format_duration(5), "5s");
  EXPECT_EQ(dcgan::ProgressBar::format_duration(185), "3m05s");
  EXPECT_EQ(dcgan::ProgressBar::format_duration(3720), "1h02m");
  EXPECT_EQ(dcgan::ProgressBar::format_duration(-1), "?");
}

TEST(Progress, RenderShowsCountRateEtaAndSuffix) {
  dcgan::ProgressBar bar("epoch 1/5", 200, "img");
  bar.update(50, "loss_g 0.7");
  std::string text = bar.render("loss_g 0.7");
  EXPECT_NE(text.find("epoch 1/5"), std::string::npos) << text;
  EXPECT_NE(text.find("50/200"), std::string::npos) << text;
  EXPECT_NE(text.find("img/s"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA"), std::string::npos) << text;
  EXPECT_NE(text.find("loss_g 0.7"), std::string::npos) << text;
  bar.finish();
}

TEST(Progress, UnknownTotalHasNoEta) {
  dcgan::ProgressBar bar("pages", 0);
  bar.update(3);
  EXPECT_EQ(bar.render("").find("ETA"), std::string::npos);
  bar.finish();
}
