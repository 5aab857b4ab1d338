// The crop manifest reader on what a re-run of `dcgan crop` may find: records as the cropper
// writes them, faces of an unfinished source, and records it never writes (a hand edit, another
// tool), which are refused with a DataError naming the file and record, never a JSON library
// exception or a read of a field that is not there.
#include <gtest/gtest.h>

#include <fstream>

#include "dcgan/core/error.h"
#include "dcgan/vision/crop_manifest.h"
#include "support/test_support.h"

using namespace dcgan::vision;
using dcgan::testing::TempDir;

namespace {

const std::string kFace =
    R"({"kind":"face","source":"a.jpg","index":0,"box":[1,2,30,30],"region":[0,0,40,40],)"
    R"("output":"a-0.jpg","dhash":"00ff00ff00ff00ff"})";
const std::string kDone =
    R"({"kind":"source","source":"a.jpg","status":"done","width":64,"height":64,"faces":1,)"
    R"("written":1})";

CropManifestState read_lines(const TempDir& tmp, const std::string& lines) {
  std::ofstream(tmp / "manifest.jsonl") << lines;
  return read_crop_manifest(tmp / "manifest.jsonl");
}

TEST(CropManifest, ReadsFinishedSourcesAndTheirKeptHashes) {
  TempDir tmp;
  const std::string unfinished =
      R"({"kind":"face","source":"b.jpg","index":0,"box":[0,0,9,9],"region":[0,0,9,9],)"
      R"("output":"b-0.jpg","dhash":"0123456789abcdef"})";
  const std::string rejected =
      R"({"kind":"face","source":"a.jpg","index":1,"box":[0,0,3,3],"region":[0,0,3,3],)"
      R"("output":null,"reason":"min_face","detail":"3 px"})";
  CropManifestState state =
      read_lines(tmp, kFace + "\n" + rejected + "\n" + kDone + "\n" + unfinished + "\n");
  EXPECT_EQ(state.finished_sources, std::set<std::string>{"a.jpg"});
  ASSERT_EQ(state.kept_hashes.size(), 1u);
  EXPECT_EQ(state.kept_hashes[0].first, 0x00ff00ff00ff00ffu);
  EXPECT_EQ(state.kept_hashes[0].second, "a-0.jpg");
}

TEST(CropManifest, AFaceWithoutOutputOrHashIsNotKept) {
  TempDir tmp;
  const std::string no_output =
      R"({"kind":"face","source":"a.jpg","index":0,"dhash":"00ff00ff00ff00ff"})";
  const std::string no_hash = R"({"kind":"face","source":"a.jpg","index":1,"output":"a-1.jpg"})";
  CropManifestState state = read_lines(tmp, no_output + "\n" + no_hash + "\n" + kDone + "\n");
  EXPECT_EQ(state.finished_sources, std::set<std::string>{"a.jpg"});
  EXPECT_TRUE(state.kept_hashes.empty());
}

TEST(CropManifest, RecordsItNeverWritesAreDataErrorsNamingTheRecord) {
  const std::vector<std::string> foreign = {
      "5",
      R"(["kind","face"])",
      R"({"kind":5,"source":"a.jpg"})",
      R"({"kind":"source","source":["a.jpg"],"status":"done"})",
      R"({"kind":"source","source":"a.jpg","status":1})",
      R"({"kind":"face","source":"a.jpg","output":"a-0.jpg","dhash":12})",
      R"({"kind":"face","source":"a.jpg","output":7,"dhash":"00ff00ff00ff00ff"})",
      R"({"kind":"face","source":"a.jpg","output":"a-0.jpg","dhash":"not hex"})",
  };
  for (const std::string& line : foreign) {
    TempDir tmp;
    try {
      read_lines(tmp, kFace + "\n" + line + "\n" + kDone + "\n");
      ADD_FAILURE() << "accepted: " << line;
    } catch (const dcgan::DataError& e) {
      EXPECT_NE(std::string(e.what()).find("manifest.jsonl record 2"), std::string::npos)
          << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a DataError for " << line << ": " << e.what();
    }
  }
}

}  // namespace
