// JSON helpers: round trip, JSON Lines append/read, tolerance of a torn last line only.
#include "dcgan/core/json.h"

#include <gtest/gtest.h>

#include <fstream>

#include "dcgan/core/error.h"
#include "support/test_support.h"

using dcgan::Json;
using dcgan::testing::TempDir;

TEST(Json, FileRoundTrip) {
  TempDir tmp;
  Json value = {{"a", 1}, {"b", {1.5, "x"}}};
  dcgan::write_json_file(tmp / "v.json", value);
  EXPECT_EQ(dcgan::read_json_file(tmp / "v.json"), value);
}

TEST(Json, InvalidFileIsDataErrorNamingIt) {
  TempDir tmp;
  std::ofstream(tmp / "bad.json") << "{not json";
  try {
    dcgan::read_json_file(tmp / "bad.json");
    FAIL();
  } catch (const dcgan::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos);
  }
}

TEST(Json, JsonlAppendsAndReadsBack) {
  TempDir tmp;
  {
    dcgan::JsonlWriter writer(tmp / "m.jsonl");
    for (int i = 0; i < 5; ++i) writer.append({{"step", i}});
  }
  {
    dcgan::JsonlWriter writer(tmp / "m.jsonl");  // reopening appends
    writer.append({{"step", 5}});
  }
  auto records = dcgan::read_jsonl_file(tmp / "m.jsonl");
  ASSERT_EQ(records.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(records[i]["step"], i);
}

TEST(Json, TornLastLineIgnoredButCorruptMiddleRejected) {
  TempDir tmp;
  std::ofstream(tmp / "torn.jsonl") << "{\"step\":1}\n{\"step\":2}\n{\"ste";
  EXPECT_EQ(dcgan::read_jsonl_file(tmp / "torn.jsonl").size(), 2u);
  std::ofstream(tmp / "corrupt.jsonl") << "{\"step\":1}\n{oops\n{\"step\":3}\n";
  EXPECT_THROW(dcgan::read_jsonl_file(tmp / "corrupt.jsonl"), dcgan::DataError);
}
