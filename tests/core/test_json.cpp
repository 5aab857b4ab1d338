// JSON helpers: round trip, JSON Lines append/read, tolerance of a torn last line only, and
// appending after a torn last line (a crash or a full disk mid-append) keeps the file readable.
#include "dcgan/core/json.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "dcgan/core/atomic_file.h"
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

namespace {

// Writes `text` as the whole file, with no newline added.
void write_raw(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Opens a writer on `path` (as a restarted run would), appends {"step": 9}, and reads back.
std::vector<Json> append_and_read(const std::string& path) {
  {
    dcgan::JsonlWriter writer(path);
    writer.append({{"step", 9}});
  }
  return dcgan::read_jsonl_file(path);
}

// The "step" of each record (-1 where there is none).
std::vector<int> steps_of(const std::vector<Json>& records) {
  std::vector<int> steps;
  for (const Json& r : records) steps.push_back(r.value("step", -1));
  return steps;
}

}  // namespace

TEST(Json, AppendAfterATornLastLineDropsTheTornBytes) {
  TempDir tmp;
  write_raw(tmp / "m.jsonl", "{\"step\":1}\n{\"step\":2}\n{\"ste");
  EXPECT_EQ(steps_of(append_and_read(tmp / "m.jsonl")), (std::vector<int>{1, 2, 9}));
  EXPECT_EQ(dcgan::read_file(tmp / "m.jsonl"), "{\"step\":1}\n{\"step\":2}\n{\"step\":9}\n");
}

TEST(Json, AppendToAFileThatIsOnlyATornLine) {
  TempDir tmp;
  write_raw(tmp / "m.jsonl", "{\"step\":1,\"loss\":0.2");
  EXPECT_EQ(steps_of(append_and_read(tmp / "m.jsonl")), std::vector<int>{9});
}

TEST(Json, AppendKeepsAWholeLastRecordThatOnlyLacksItsNewline) {
  // The reader accepts such a line as a record, so the writer must not drop it: it is ended
  // with the missing newline and the new record goes on the next line.
  TempDir tmp;
  write_raw(tmp / "m.jsonl", "{\"step\":1}\n{\"step\":2}");
  ASSERT_EQ(dcgan::read_jsonl_file(tmp / "m.jsonl").size(), 2u);
  EXPECT_EQ(steps_of(append_and_read(tmp / "m.jsonl")), (std::vector<int>{1, 2, 9}));
}

TEST(Json, AppendAfterATornLineLongerThanAReadBlock) {
  // The start of the torn line is found by reading backwards block by block.
  TempDir tmp;
  const std::string whole = "{\"step\":1}\n";
  const std::string torn = "{\"note\":\"" + std::string(200000, 'x');
  write_raw(tmp / "a.jsonl", whole + torn);
  EXPECT_EQ(steps_of(append_and_read(tmp / "a.jsonl")), (std::vector<int>{1, 9}));
  write_raw(tmp / "b.jsonl", torn);
  EXPECT_EQ(steps_of(append_and_read(tmp / "b.jsonl")), std::vector<int>{9});
  // A long whole record without its newline is kept.
  const std::string long_record = "{\"note\":\"" + std::string(200000, 'y') + "\"}";
  write_raw(tmp / "c.jsonl", whole + long_record);
  const auto records = append_and_read(tmp / "c.jsonl");
  ASSERT_EQ(steps_of(records), (std::vector<int>{1, -1, 9}));
  EXPECT_EQ(records[1]["note"].get<std::string>().size(), 200000u);
}

TEST(Json, AppendToAnEmptyOrNewFile) {
  TempDir tmp;
  write_raw(tmp / "empty.jsonl", "");
  EXPECT_EQ(steps_of(append_and_read(tmp / "empty.jsonl")), std::vector<int>{9});
  EXPECT_EQ(steps_of(append_and_read(tmp / "new.jsonl")), std::vector<int>{9});
}

TEST(Json, AppendAfterABadLastLineThatHasItsNewlineDropsIt) {
  // The reader forgives a bad last line whether or not a newline ends it (e.g. a torn line that
  // an older writer glued a record onto); the writer must not leave it in the middle of the file.
  TempDir tmp;
  write_raw(tmp / "m.jsonl", "{\"step\":1}\n{\"step\":2,\"lo{\"step\":3}\n");
  ASSERT_EQ(steps_of(dcgan::read_jsonl_file(tmp / "m.jsonl")), std::vector<int>{1});
  EXPECT_EQ(steps_of(append_and_read(tmp / "m.jsonl")), (std::vector<int>{1, 9}));
  write_raw(tmp / "blank.jsonl", "{\"step\":1}\n  \n");
  EXPECT_EQ(steps_of(append_and_read(tmp / "blank.jsonl")), (std::vector<int>{1, 9}));
  write_raw(tmp / "only.jsonl", "oops\n");
  EXPECT_EQ(steps_of(append_and_read(tmp / "only.jsonl")), std::vector<int>{9});
}

TEST(Json, ANumberNoDoubleHoldsIsInvalidJsonLikeAnyOther) {
  // nlohmann reports it as out_of_range, not parse_error: it must still be a DataError naming
  // the file (and, on the last line, a forgiven torn line).
  TempDir tmp;
  write_raw(tmp / "v.json", "{\"loss\":1e999}");
  EXPECT_THROW(dcgan::read_json_file(tmp / "v.json"), dcgan::DataError);
  write_raw(tmp / "m.jsonl", "{\"step\":1}\n{\"step\":2,\"loss\":-4e400}\n{\"step\":3}\n");
  EXPECT_THROW(dcgan::read_jsonl_file(tmp / "m.jsonl"), dcgan::DataError);
  write_raw(tmp / "last.jsonl", "{\"step\":1}\n{\"step\":2,\"loss\":1e999}");
  EXPECT_EQ(steps_of(dcgan::read_jsonl_file(tmp / "last.jsonl")), std::vector<int>{1});
  EXPECT_EQ(steps_of(append_and_read(tmp / "last.jsonl")), (std::vector<int>{1, 9}));
}

TEST(Json, FilesNestedDeeperThanTheToolWritesAreInvalid) {
  // Parsing is iterative, but copying, comparing or printing a value recurses once per level:
  // a damaged file nested a million deep crashed whatever read it after a successful parse.
  TempDir tmp;
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  write_raw(tmp / "v.json", "{\"a\":" + deep + "}");
  EXPECT_THROW(dcgan::read_json_file(tmp / "v.json"), dcgan::DataError);
  write_raw(tmp / "m.jsonl", "{\"step\":1}\n{\"step\":2,\"x\":" + deep + "}\n{\"step\":3}\n");
  EXPECT_THROW(dcgan::read_jsonl_file(tmp / "m.jsonl"), dcgan::DataError);
  // As the last line it is forgiven like a torn one, so the writer drops it before appending.
  write_raw(tmp / "last.jsonl", "{\"step\":1}\n{\"step\":2,\"x\":" + deep + "}\n");
  EXPECT_EQ(steps_of(dcgan::read_jsonl_file(tmp / "last.jsonl")), std::vector<int>{1});
  EXPECT_EQ(steps_of(append_and_read(tmp / "last.jsonl")), (std::vector<int>{1, 9}));
  const std::string nested_256 = std::string(255, '[') + std::string(255, ']');
  write_raw(tmp / "ok.json", "{\"a\":" + nested_256 + "}");
  EXPECT_NO_THROW(dcgan::read_json_file(tmp / "ok.json"));
}
