// Listing parsers on the page shapes the boards serve (Moebooru markup as print_preview and
// will_paginate write it; Post.register JSON; Moebooru and Danbooru API JSON), plus broken
// and empty pages, and the choice of file per --file.
#include <gtest/gtest.h>

#include "dcgan/core/error.h"
#include "dcgan/crawl/booru_json.h"
#include "dcgan/crawl/moebooru_html.h"
#include "dcgan/crawl/site.h"

using namespace dcgan::crawl;

namespace {

const std::string kPage = "https://konachan.net/post?page=2&tags=";
const std::string kMd5 = "66226821ea227bda9a55c2672a62b06e";

std::string thumb(int64_t id, const std::string& src, const std::string& rating,
                  const std::string& directlink) {
  return "<li style=\"width: 160px;\" id=\"p" + std::to_string(id) +
         "\" class=\"javascript-hide creator-id-181250\"><div class=\"inner\"><a class=\"thumb\" "
         "href=\"/post/show/" +
         std::to_string(id) + "\"><img src=\"" + src + "\" alt=\"Rating: " + rating +
         " Score: 0 Tags: barefoot candy User: Someone\" "
         "class=\"preview\" width=\"150\" height=\"106\"><span class=\"plid\">#pl</span></a>"
         "</div><a class=\"directlink largeimg\" href=\"" +
         directlink + "\"><span class=\"directlink-res\">1414 x 1000</span></a></li>";
}

std::string page(const std::string& items, const std::string& paginator,
                 const std::string& scripts = "") {
  return "<!DOCTYPE html><html><head></head><body><div id=\"content\"><div id=\"post-list\">"
         "<ul id=\"post-list-posts\">" +
         items + "</ul></div><div id=\"paginator\">" + paginator + "</div></div><script>" +
         scripts + "</script></body></html>";
}

const std::string kNext =
    "<div class=\"pagination\"><em class=\"current\">2</em> <a class=\"next_page\" "
    "rel=\"next\" href=\"/post?page=3\">Next</a></div>";
const std::string kLast =
    "<div class=\"pagination\"><em class=\"current\">2</em> <span class=\"next_page "
    "disabled\">Next</span></div>";

TEST(MoebooruHtml, ThumbnailsGiveIdMd5RatingTagsAndResolvedUrls) {
  std::string html =
      page(thumb(334664, "//konachan.net/data/preview/66/22/" + kMd5 + ".jpg", "Safe",
                 "https://konachan.net/jpeg/" + kMd5 + "/Konachan.com%20-%20334664.jpg") +
               thumb(334665, "/data/preview/11/22/11223344556677889900aabbccddeeff.jpg", "Explicit",
                     "/image/x.png"),
           kNext);
  ListingPage listing = parse_moebooru_html(html, kPage);
  ASSERT_EQ(listing.posts.size(), 2u);
  const Post& a = listing.posts[0];
  EXPECT_EQ(a.id, 334664);
  EXPECT_EQ(a.md5, kMd5);
  EXPECT_EQ(a.rating, "s");
  EXPECT_EQ(a.tags, "barefoot candy");
  EXPECT_EQ(a.preview_url, "https://konachan.net/data/preview/66/22/" + kMd5 + ".jpg");
  EXPECT_EQ(a.jpeg_url, "https://konachan.net/jpeg/" + kMd5 + "/Konachan.com%20-%20334664.jpg");
  EXPECT_EQ(a.file_url, "");  // the direct link is never trusted as the md5-checked original
  EXPECT_EQ(listing.posts[1].rating, "e");
  EXPECT_EQ(listing.posts[1].jpeg_url, "https://konachan.net/image/x.png");
  ASSERT_TRUE(listing.has_next.has_value());
  EXPECT_TRUE(*listing.has_next);
  EXPECT_FALSE(listing.empty_marker);
}

TEST(MoebooruHtml, PostRegisterJsonWinsAndFillsEveryField) {
  std::string json = R"({"id":334664,"tags":"barefoot candy","md5":")" + kMd5 +
                     R"(","file_size":2285953,"file_ext":"png","rating":"s","status":"active",)"
                     R"("file_url":"https://konachan.net/image/)" +
                     kMd5 +
                     R"(/K%20-%20334664.png",)"
                     R"("sample_url":"https://konachan.net/sample/)" +
                     kMd5 +
                     R"(/K%20-%20334664%20sample.jpg",)"
                     R"("jpeg_url":"https://konachan.net/jpeg/)" +
                     kMd5 +
                     R"(/K%20-%20334664.jpg",)"
                     R"("preview_url":"https://konachan.net/data/preview/66/22/)" +
                     kMd5 +
                     R"(.jpg",)"
                     R"("width":1414,"height":1000,"note":"a } and a \" inside"})";
  std::string html = page(thumb(334664, "/data/preview/66/22/" + kMd5 + ".jpg", "Safe", "/j.jpg"),
                          kLast, "Post.register(" + json + ");\nPost.register_tags({\"a\":0});");
  ListingPage listing = parse_moebooru_html(html, kPage);
  ASSERT_EQ(listing.posts.size(), 1u);
  const Post& p = listing.posts[0];
  EXPECT_EQ(p.id, 334664);
  EXPECT_EQ(p.file_size, 2285953);
  EXPECT_EQ(p.width, 1414);
  EXPECT_EQ(p.file_url, "https://konachan.net/image/" + kMd5 + "/K%20-%20334664.png");
  EXPECT_EQ(p.sample_url, "https://konachan.net/sample/" + kMd5 + "/K%20-%20334664%20sample.jpg");
  ASSERT_TRUE(listing.has_next.has_value());
  EXPECT_FALSE(*listing.has_next);
}

TEST(MoebooruHtml, RegisterRespCarriesAListOfPosts) {
  std::string script =
      R"(Post.register_resp({"posts":[{"id":1,"rating":"e","preview_url":"/p1.jpg"},)"
      R"({"id":2,"rating":"Safe","file_url":"/o2.png"}],"tags":{"a":0}});)";
  ListingPage listing = parse_moebooru_html(page("", kLast, script), kPage);
  ASSERT_EQ(listing.posts.size(), 2u);
  EXPECT_EQ(listing.posts[0].rating, "e");
  EXPECT_EQ(listing.posts[0].preview_url, "https://konachan.net/p1.jpg");
  EXPECT_EQ(listing.posts[1].rating, "s");
}

TEST(MoebooruHtml, EmptyPageAndPlaceholders) {
  ListingPage empty = parse_moebooru_html(
      "<html><body><div id=\"post-list\"><p>Nobody here but us chickens!</p></div></body></html>",
      kPage);
  EXPECT_TRUE(empty.posts.empty());
  EXPECT_TRUE(empty.empty_marker);
  EXPECT_FALSE(empty.has_next.has_value());

  ListingPage empty_list = parse_moebooru_html(page("", kLast), kPage);
  EXPECT_TRUE(empty_list.posts.empty());
  EXPECT_TRUE(empty_list.empty_marker);

  ListingPage login = parse_moebooru_html(
      "<html><body><form action=/user/login><input name=user></form></body></html>", kPage);
  EXPECT_TRUE(login.posts.empty());
  EXPECT_FALSE(login.empty_marker);  // not a listing at all: the crawler fails the page

  ListingPage deleted =
      parse_moebooru_html(page(thumb(5, "/deleted-preview.png", "Safe", "/x.jpg"), kLast), kPage);
  EXPECT_TRUE(deleted.posts.empty());
  EXPECT_EQ(deleted.unusable_entries, 1);
}

TEST(MoebooruHtml, MalformedMarkupIsRecovered) {
  std::string html =
      "<html><body><ul id=post-list-posts><li id=p7 class=javascript-hide><td><a class=thumb "
      "href=/post/show/7><img class=preview src=/data/preview/a.jpg alt='Rating: Questionable'>"
      "<li id=p8><a href=/post/show/8><img class='x preview' src=//cdn.test/b.jpg>"
      "<div class=pagination><a class=next_page href=/post?page=3";
  ListingPage listing = parse_moebooru_html(html, kPage);
  ASSERT_EQ(listing.posts.size(), 2u);
  EXPECT_EQ(listing.posts[0].id, 7);
  EXPECT_EQ(listing.posts[0].rating, "q");
  EXPECT_EQ(listing.posts[1].preview_url, "https://cdn.test/b.jpg");
  EXPECT_TRUE(parse_moebooru_html("<<<>>> \x01 garbage", kPage).posts.empty());
}

TEST(MoebooruJson, ArrayAndApiVersion2AndDeletedPosts) {
  std::string post =
      R"({"id":12,"md5":"ABCDEF0123456789ABCDEF0123456789","rating":"q",)"
      R"("file_url":"/image/a.png","preview_url":"//cdn.test/p.jpg","file_size":"99"})";
  std::string deleted = R"({"id":13,"status":"deleted","preview_url":"/deleted-preview.png"})";
  for (const std::string& body :
       {"[" + post + "," + deleted + "]", R"({"posts":[)" + post + "," + deleted + "]}"}) {
    ListingPage listing = parse_moebooru_json(body, "http://h:1/post.json?page=1");
    ASSERT_EQ(listing.posts.size(), 1u) << body;
    EXPECT_EQ(listing.posts[0].md5, "abcdef0123456789abcdef0123456789");
    EXPECT_EQ(listing.posts[0].file_url, "http://h:1/image/a.png");
    EXPECT_EQ(listing.posts[0].preview_url, "http://cdn.test/p.jpg");
    EXPECT_EQ(listing.posts[0].file_size, 99);
    EXPECT_EQ(listing.unusable_entries, 1);
  }
  EXPECT_TRUE(parse_moebooru_json("[]", "http://h/post.json").empty_marker);
  EXPECT_THROW(parse_moebooru_json("<html>busy</html>", "http://h/post.json"), dcgan::DataError);
  EXPECT_THROW(parse_moebooru_json(R"({"success":false})", "http://h/post.json"), dcgan::DataError);
}

TEST(MoebooruJson, NumbersNoIntegerHoldsReadAsUnknown) {
  // Converting such a float to an integer is undefined behaviour; a server may send anything.
  const std::string body =
      R"([{"id":1.5e300,"md5":"abcdef0123456789abcdef0123456789","file_size":-2.5e40,)"
      R"("width":1e19,"height":-1e19,"preview_url":"/p.jpg"},)"
      R"({"id":77.9,"file_size":1024.5,"width":640.0,"preview_url":"/q.jpg"}])";
  ListingPage listing = parse_moebooru_json(body, "http://h/post.json");
  ASSERT_EQ(listing.posts.size(), 2u);
  EXPECT_EQ(listing.posts[0].id, 0);
  EXPECT_EQ(listing.posts[0].key(), "abcdef0123456789abcdef0123456789");
  EXPECT_EQ(listing.posts[0].file_size, 0);
  EXPECT_EQ(listing.posts[0].width, 0);
  EXPECT_EQ(listing.posts[0].height, 0);
  EXPECT_EQ(listing.posts[1].id, 77);
  EXPECT_EQ(listing.posts[1].file_size, 1024);
  EXPECT_EQ(listing.posts[1].width, 640);
}

TEST(ServerJson, DeepOrHugeJsonIsRefusedBeforeParsing) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  std::string why;
  EXPECT_FALSE(parse_server_json(nested(kMaxJsonDepth), &why).is_discarded()) << why;
  EXPECT_TRUE(parse_server_json(nested(kMaxJsonDepth + 1), &why).is_discarded());
  EXPECT_NE(why.find("deeper than 64 levels"), std::string::npos) << why;
  // Brackets inside strings are text, escaped quotes included.
  const std::string in_string =
      "[\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"]";
  EXPECT_FALSE(parse_server_json(in_string, &why).is_discarded()) << why;
  std::string many = "[";
  for (int64_t i = 0; i <= kMaxJsonContainers; ++i) many += i ? ",[]" : "[]";
  EXPECT_TRUE(parse_server_json(many + "]", &why).is_discarded());
  EXPECT_NE(why.find("more than 200000 arrays and objects"), std::string::npos) << why;
  // Copying the parsed {"posts": ...} recursed once per level: this overflowed the stack.
  EXPECT_THROW(parse_moebooru_json(R"({"posts":)" + nested(1000000) + "}", "http://h/post.json"),
               dcgan::DataError);
  EXPECT_TRUE(parse_server_json("{oops", &why).is_discarded());
  EXPECT_NE(why.find("not valid JSON"), std::string::npos) << why;
}

TEST(MoebooruHtml, PagesNestedTooDeepOrTooLargeAreRefusedBeforeParsing) {
  auto repeat = [](const std::string& unit, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += unit;
    return out;
  };
  auto refused = [](const std::string& body) {
    try {
      parse_moebooru_html(body, kPage);
      return std::string();
    } catch (const dcgan::DataError& e) {
      return std::string(e.what());
    }
  };
  // 500 open elements are still a page (malformed, but a browser would show it).
  EXPECT_EQ(refused("<html><body>" + repeat("<div>", 500)), "");
  EXPECT_NE(refused("<html><body>" + repeat("<div>", 600)).find("deeper than 512"),
            std::string::npos);
  // A slash does not close an HTML element, and quotes hide a '>' only in an attribute value.
  EXPECT_NE(refused(repeat("<div/>", 600)).find("deeper than 512"), std::string::npos);
  EXPECT_NE(refused("<p '>" + repeat("<div>", 600) + "'>").find("deeper than 512"),
            std::string::npos);
  // Closed elements do not add up; raw text is not markup.
  EXPECT_EQ(refused(repeat("<div><span>x</span></div>", 1000)), "");
  EXPECT_EQ(refused("<script>" + repeat("<div>", 10000) + "</script>"), "");
  // Formatting elements left open are re-created in every later block: 300 of them and 1000
  // paragraphs make 300,000 elements from 8 kB.
  std::string bomb;
  for (int i = 0; i < 300; ++i) bomb += "<b id=" + std::to_string(i) + ">";
  EXPECT_NE(refused(bomb + repeat("<p>x</p>", 1000)).find("more than 200000 HTML nodes"),
            std::string::npos);
  // So are attributes: each is a node of gumbo's.
  EXPECT_NE(refused("<p " + repeat("a ", 250000) + ">").find("more than 200000 HTML nodes"),
            std::string::npos);
}

TEST(MoebooruHtml, UnclosedPostRegisterTakesTheRestOfTheScript) {
  const std::string post =
      R"({"id":5,"md5":"0123456789abcdef0123456789abcdef","preview_url":"/p.jpg"})";
  std::string script = "Post.register(" + post + ")\n";
  for (int i = 0; i < 1000; ++i) script += "Post.register({";
  ListingPage listing = parse_moebooru_html(page("", kNext, script), kPage);
  ASSERT_EQ(listing.posts.size(), 1u);
  EXPECT_EQ(listing.posts[0].id, 5);
  EXPECT_EQ(listing.unusable_entries, 1);
}

TEST(DanbooruJson, FieldsAndRestrictedPosts) {
  std::string body =
      R"([{"id":7,"md5":"0123456789abcdef0123456789abcdef","rating":"g","tag_string":"a b",)"
      R"("file_ext":"jpg","file_url":"https://cdn.donmai.us/original/01/23/x.jpg",)"
      R"("large_file_url":"https://cdn.donmai.us/sample/01/23/sample-x.jpg",)"
      R"("preview_file_url":"https://cdn.donmai.us/180x180/01/23/x.jpg","image_width":800},)"
      R"({"id":8,"rating":"s","preview_file_url":"https://cdn.donmai.us/180x180/x.jpg"}])";
  ListingPage listing = parse_danbooru_json(body, "https://danbooru.donmai.us/posts.json?page=1");
  ASSERT_EQ(listing.posts.size(), 1u);
  EXPECT_EQ(listing.posts[0].tags, "a b");
  EXPECT_EQ(listing.posts[0].rating, "g");
  EXPECT_EQ(listing.posts[0].width, 800);
  EXPECT_EQ(listing.unusable_entries, 1);
  EXPECT_THROW(
      parse_danbooru_json(R"({"success":false,"message":"You cannot go beyond page 1000"})",
                          "https://d/posts.json"),
      dcgan::DataError);
}

TEST(ChooseFile, FallsBackToLargerFilesAndChecksMd5OnlyOnTheOriginal) {
  Post post;
  post.md5 = kMd5;
  post.preview_url = "p";
  post.file_url = "o";
  EXPECT_EQ(choose_file(post, FileKind::kPreview)->url, "p");
  EXPECT_EQ(choose_file(post, FileKind::kPreview)->expected_md5, "");
  EXPECT_EQ(choose_file(post, FileKind::kSample)->url, "o");
  EXPECT_EQ(choose_file(post, FileKind::kSample)->expected_md5, kMd5);
  post.jpeg_url = "j";
  EXPECT_EQ(choose_file(post, FileKind::kSample)->url, "j");
  EXPECT_EQ(choose_file(post, FileKind::kSample)->expected_md5, "");
  post.preview_url = "";
  EXPECT_FALSE(choose_file(post, FileKind::kPreview).has_value());
}

TEST(ChooseFile, NonImageOriginalsAreSkipped) {
  Post video;
  video.file_ext = "mp4";
  video.preview_url = "p.jpg";
  video.file_url = "v.mp4";
  EXPECT_FALSE(choose_file(video, FileKind::kOriginal).has_value());
  EXPECT_EQ(choose_file(video, FileKind::kPreview)->url, "p.jpg");
}

TEST(Rating, NormalisedToOneLetter) {
  EXPECT_EQ(normalise_rating("Safe"), "s");
  EXPECT_EQ(normalise_rating("q"), "q");
  EXPECT_EQ(normalise_rating("general"), "g");
  EXPECT_EQ(normalise_rating("Explicit"), "e");
  EXPECT_EQ(normalise_rating("x"), "");
  EXPECT_EQ(normalise_rating(""), "");
}

TEST(Site, ListingUrls) {
  CrawlConfig config;
  config.base_url = "http://127.0.0.1:1/";
  config.tags = "rating:s solo";
  EXPECT_EQ(listing_url(config, 3), "http://127.0.0.1:1/post?page=3&tags=rating%3As%20solo");
  config.mode = ListingMode::kApi;
  EXPECT_EQ(listing_url(config, 3),
            "http://127.0.0.1:1/post.json?page=3&limit=100&tags=rating%3As%20solo");
  config.site = SiteKind::kDanbooru;
  config.tags = "";
  EXPECT_EQ(listing_url(config, 2), "http://127.0.0.1:1/posts.json?page=2&limit=200&tags=");
  EXPECT_EQ(listing_url(config, 1001, 5000),
            "http://127.0.0.1:1/posts.json?page=b5000&limit=200&tags=");
}

TEST(Config, ValidationNamesTheFlag) {
  CrawlConfig config;
  config.out_dir = "/tmp/x";
  EXPECT_NO_THROW(config.validate());
  auto message_of = [](const CrawlConfig& c) {
    try {
      c.validate();
    } catch (const dcgan::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CrawlConfig bad = config;
  bad.concurrency = 0;
  EXPECT_NE(message_of(bad).find("--concurrency"), std::string::npos);
  bad = config;
  bad.site = SiteKind::kDanbooru;
  EXPECT_NE(message_of(bad).find("--mode"), std::string::npos);
  bad = config;
  bad.ratings = {"x"};
  EXPECT_NE(message_of(bad).find("--rating"), std::string::npos);
  EXPECT_THROW(PageRange::parse("3-1"), dcgan::ConfigError);
  EXPECT_EQ(PageRange::parse("2-").last, 0);
  EXPECT_EQ(PageRange::parse("4").last, 4);
  EXPECT_THROW(parse_site("gelbooru"), dcgan::ConfigError);
}

}  // namespace
