// Cascade lookup order and the error listing every place tried with the download address.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "dcgan/core/error.h"
#include "dcgan/vision/cascade_locator.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::testing::TempDir;

namespace {

// Sets or unsets an environment variable for one test, restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    value ? setenv(name, value, 1) : unsetenv(name);
  }
  ~ScopedEnv() { old_.empty() ? unsetenv(name_) : setenv(name_, old_.c_str(), 1); }

 private:
  const char* name_;
  std::string old_;
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const dcgan::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(CascadeLocator, FlagThenEnvironment) {
  TempDir tmp;
  std::ofstream(tmp / "a.xml") << "x";
  std::ofstream(tmp / "b.xml") << "x";
  ScopedEnv env("DCGAN_CASCADE", (tmp / "b.xml").c_str());
  EXPECT_EQ(locate_cascade(tmp / "a.xml"), tmp / "a.xml");
  EXPECT_EQ(locate_cascade(""), tmp / "b.xml");
  const std::string missing_flag = message_of([&] { locate_cascade(tmp / "nope.xml"); });
  EXPECT_NE(missing_flag.find("--cascade"), std::string::npos) << missing_flag;
  EXPECT_NE(missing_flag.find("nope.xml"), std::string::npos) << missing_flag;
  ScopedEnv bad_env("DCGAN_CASCADE", (tmp / "gone.xml").c_str());
  const std::string missing_env = message_of([&] { locate_cascade(""); });
  EXPECT_NE(missing_env.find("$DCGAN_CASCADE"), std::string::npos) << missing_env;
}

TEST(CascadeLocator, SharedFolderComesFirstAmongTheDefaults) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "models");
  std::ofstream(tmp / "models/lbpcascade_animeface.xml") << "x";
  ScopedEnv no_env("DCGAN_CASCADE", nullptr);
  ScopedEnv shared("DCGAN_SHARED", tmp.path().c_str());
  const auto candidates = default_cascade_candidates();
  ASSERT_GE(candidates.size(), 4u);
  EXPECT_EQ(candidates[0].path, tmp / "models/lbpcascade_animeface.xml");
  EXPECT_EQ(locate_cascade(""), tmp / "models/lbpcascade_animeface.xml");
}

TEST(CascadeLocator, NothingFoundListsEveryPlaceAndTheDownload) {
  const std::vector<CascadeCandidate> candidates = {{"/nonexistent/one.xml", "first"},
                                                    {"/nonexistent/two.xml", "second"}};
  const std::string message = message_of([&] { first_existing_cascade(candidates); });
  EXPECT_NE(message.find("/nonexistent/one.xml"), std::string::npos) << message;
  EXPECT_NE(message.find("/nonexistent/two.xml"), std::string::npos) << message;
  EXPECT_NE(message.find("--cascade"), std::string::npos) << message;
  EXPECT_NE(message.find("DCGAN_CASCADE"), std::string::npos) << message;
  EXPECT_NE(message.find("https://raw.githubusercontent.com/nagadomi/lbpcascade_animeface/"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("9376d30ac38db6bda2a68b88b3b76bbd7e6aa33af47f7f5c76bc88ca75f1ce30"),
            std::string::npos);
}
