// Downloads on disk: magic bytes decide the type and extension, md5 is checked, the final
// name appears only on commit, and an abandoned .part disappears. Real JPEG/PNG bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/crawl/archive.h"
#include "dcgan/crawl/file_committer.h"
#include "dcgan/crawl/image_magic.h"
#include "dcgan/crawl/md5.h"
#include "dcgan/crawl/part_file.h"
#include "fixture_site.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::crawl;
using dcgan::testing::TempDir;

namespace {

TEST(Md5, KnownVectors) {
  Md5 md5;
  EXPECT_EQ(md5.hex_digest(), "d41d8cd98f00b204e9800998ecf8427e");
  md5.reset();
  md5.update("ab", 2);
  md5.update("c", 1);
  EXPECT_EQ(md5.hex_digest(), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(ImageMagic, RecognisesTheFourFormatsOnly) {
  fixture::FixtureSite site;
  const int64_t id = site.ids().front();
  EXPECT_EQ(image_extension(site.file_bytes(id, "preview")), "jpg");
  EXPECT_EQ(image_extension(site.file_bytes(id, "original")), "png");
  EXPECT_EQ(image_extension(std::string("GIF89a\x01\x00\x01\x00\x80\x00\x00", 13)), "gif");
  EXPECT_EQ(image_extension(std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16)), "webp");
  EXPECT_EQ(image_extension("<!DOCTYPE html><html>"), "");
  EXPECT_EQ(image_extension("\xFF\xD8\xFF"), "");  // too short to tell
}

TEST(PartFile, CommitterMakesVerifiedFilesFinalAndMarksThemDone) {
  TempDir tmp;
  fixture::FixtureSite site;
  const std::string png = site.file_bytes(site.ids().front(), "original");
  Archive archive(tmp / "crawl.sqlite");
  std::vector<std::string> committed;
  std::ofstream(tmp / "konachan-5.jpg") << "an older copy of the same post";
  {
    FileCommitter committer(tmp.path(), archive,
                            [&](const DownloadRow& row, const std::string& error) {
                              committed.push_back(row.path + (error.empty() ? "" : " " + error));
                            });
    PartFile part(tmp.path(), "konachan-5");
    part.begin();
    EXPECT_EQ(part.write(png.data(), 5), "");
    EXPECT_EQ(part.write(png.data() + 5, png.size() - 5), "");
    EXPECT_TRUE(fs::exists(tmp / "konachan-5.part"));
    EXPECT_EQ(part.verify(site.md5_of(png)), "");
    DownloadRow row;
    row.site = "konachan";
    row.post_key = "5";
    row.kind = "original";
    row.path = part.release();
    row.bytes = part.bytes();
    row.md5 = part.md5();
    EXPECT_EQ(row.path, "konachan-5.png");
    committer.submit(part.part_path(), row);
    committer.flush();
  }
  EXPECT_EQ(committed, std::vector<std::string>{"konachan-5.png"});
  EXPECT_FALSE(fs::exists(tmp / "konachan-5.part"));
  EXPECT_FALSE(fs::exists(tmp / "konachan-5.jpg"));  // one file per post
  EXPECT_EQ(dcgan::read_file(tmp / "konachan-5.png"), png);
  EXPECT_EQ(md5_of_file(tmp / "konachan-5.png"), site.md5_of(png));
  EXPECT_EQ(archive.download("konachan", "5")->status, "done");
  EXPECT_EQ(archive.download("konachan", "5")->md5, site.md5_of(png));
}

TEST(PartFile, RefusesHtmlAndWrongMd5AndCleansUp) {
  TempDir tmp;
  {
    PartFile part(tmp.path(), "konachan-6");
    part.begin();
    std::string html = "<!DOCTYPE html><html><body>Error</body></html>";
    EXPECT_NE(part.write(html.data(), html.size()).find("not an image"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(tmp / "konachan-6.part"));
  fixture::FixtureSite site;
  const std::string jpg = site.file_bytes(site.ids().front(), "preview");
  {
    PartFile part(tmp.path(), "konachan-7");
    part.begin();
    part.write(jpg.data(), jpg.size());
    EXPECT_NE(part.verify("0123456789abcdef0123456789abcdef").find("md5 mismatch"),
              std::string::npos);
  }
  EXPECT_TRUE(fs::is_empty(tmp.path()));  // nothing handed over: nothing left
}

TEST(PartFile, RefusesImagesCutShort) {
  // A Content-Length shorter than the file makes the transfer end "successfully" early.
  TempDir tmp;
  fixture::FixtureSite site;
  const std::string jpg = site.file_bytes(site.ids().front(), "preview");
  const std::string png = site.file_bytes(site.ids().front(), "original");
  std::string webp =
      "RIFF" + std::string("\x40\x00\x00\x00", 4) + "WEBPVP8 " + std::string(40, 'w');
  for (const auto& [bytes, missing] : std::vector<std::pair<std::string, std::string>>{
           {jpg.substr(0, jpg.size() - 100), "JPEG without its end-of-image marker"},
           {png.substr(0, png.size() - 6), "PNG without its IEND chunk"},
           {webp, "its header says 72"}}) {
    PartFile part(tmp.path(), "konachan-8");
    part.begin();
    ASSERT_EQ(part.write(bytes.data(), bytes.size()), "");
    const std::string problem = part.verify("");
    EXPECT_NE(problem.find("incomplete image"), std::string::npos) << problem;
    EXPECT_NE(problem.find(missing), std::string::npos) << problem;
  }
  for (const std::string& whole : {jpg, png, webp + std::string(20, 'w'), jpg + "trailing"}) {
    PartFile part(tmp.path(), "konachan-9");
    part.begin();
    // In small pieces: the tail kept across writes is what is checked.
    for (size_t i = 0; i < whole.size(); i += 7) {
      ASSERT_EQ(part.write(whole.data() + i, std::min<size_t>(7, whole.size() - i)), "");
    }
    EXPECT_EQ(part.verify(""), "");
  }
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST(PartFile, RemovesStalePartsOfKnownSitesOnly) {
  TempDir tmp;
  for (const char* name : {"konachan-1.part", "danbooru-2.part", "mine.part", "konachan-3.jpg"}) {
    std::ofstream(tmp / name) << "x";
  }
  EXPECT_EQ(remove_stale_parts(tmp.path(), {"konachan-", "danbooru-"}), 2);
  EXPECT_TRUE(fs::exists(tmp / "mine.part"));
  EXPECT_TRUE(fs::exists(tmp / "konachan-3.jpg"));
}

}  // namespace
