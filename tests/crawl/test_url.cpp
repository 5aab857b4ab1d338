// URL resolution as the listing pages need it: relative, protocol-relative and absolute
// links, dot segments, non-http schemes refused; origins for the rate limit.
#include <gtest/gtest.h>

#include "dcgan/crawl/url.h"

using namespace dcgan::crawl;

namespace {

const std::string kPage = "https://konachan.net/post?page=2&tags=";

TEST(Url, ResolvesTheThreeLinkForms) {
  EXPECT_EQ(resolve_url(kPage, "https://cdn.example.org/data/preview/aa/bb/x.jpg"),
            "https://cdn.example.org/data/preview/aa/bb/x.jpg");
  EXPECT_EQ(resolve_url(kPage, "//konachan.net/data/preview/aa/bb/x.jpg"),
            "https://konachan.net/data/preview/aa/bb/x.jpg");
  EXPECT_EQ(resolve_url(kPage, "/data/preview/x.jpg"), "https://konachan.net/data/preview/x.jpg");
  EXPECT_EQ(resolve_url("http://127.0.0.1:8080/a/b/page", "c.jpg"),
            "http://127.0.0.1:8080/a/b/c.jpg");
}

TEST(Url, RemovesDotSegmentsAndKeepsEscapes) {
  EXPECT_EQ(resolve_url(kPage, "../../x.jpg"), "https://konachan.net/x.jpg");
  EXPECT_EQ(resolve_url(kPage, "/a/../../b/./c.jpg"), "https://konachan.net/b/c.jpg");
  EXPECT_EQ(resolve_url(kPage, "/image/ab/Konachan.com%20-%201%20tag.png"),
            "https://konachan.net/image/ab/Konachan.com%20-%201%20tag.png");
  EXPECT_EQ(resolve_url(kPage, "  /x.jpg\n"), "https://konachan.net/x.jpg");
}

TEST(Url, RefusesOtherSchemes) {
  EXPECT_EQ(resolve_url(kPage, "file:///etc/passwd"), "");
  EXPECT_EQ(resolve_url(kPage, "javascript:alert(1)"), "");
  EXPECT_EQ(resolve_url(kPage, ""), "");
  EXPECT_EQ(url_origin("ftp://host/x"), "");
}

TEST(Url, AResolvedUrlAlwaysParsesAgain) {
  // "%7f" in a protocol-relative link's host came out as a raw DEL byte that no fetch accepts.
  const std::string resolved = resolve_url(kPage, "//12%7fab.example/x.jpg");
  EXPECT_TRUE(resolved.empty() || !url_origin(resolved).empty()) << resolved;
  EXPECT_EQ(resolved.find('\x7f'), std::string::npos);
  EXPECT_EQ(resolve_url(kPage, "//h%41st.example/x.jpg"), "https://hAst.example/x.jpg");
}

TEST(Url, OriginNamesSchemeHostAndPort) {
  EXPECT_EQ(url_origin("https://konachan.net/post?page=1"), "https://konachan.net:443");
  EXPECT_EQ(url_origin("http://127.0.0.1:9000/x.jpg"), "http://127.0.0.1:9000");
}

TEST(Url, SameHostAllowsOnlyItsPortOrTheSchemesDefault) {
  EXPECT_TRUE(same_host("http://h.example:8080/a", "http://h.example:8080/b"));
  EXPECT_TRUE(same_host("http://h.example/a", "https://H.EXAMPLE/b"));  // an upgrade
  EXPECT_TRUE(same_host("http://h.example:8080/a", "https://h.example/b"));
  EXPECT_FALSE(same_host("http://h.example/a", "http://cdn.h.example/b"));
  EXPECT_FALSE(same_host("http://127.0.0.1:8080/a", "http://localhost:8080/b"));
  EXPECT_FALSE(same_host("http://h.example/a", "http://h.example:22/b"));
  EXPECT_FALSE(same_host("http://h.example/a", "not a url"));
}

TEST(Url, BasenameIsDecoded) {
  EXPECT_EQ(url_basename("https://h/sample/ab/Konachan.com%20-%201%20sample.jpg"),
            "Konachan.com - 1 sample.jpg");
  EXPECT_EQ(url_basename("https://h/"), "");
}

TEST(Url, EscapesQueryValues) {
  EXPECT_EQ(escape_query_value("rating:s solo"), "rating%3As%20solo");
  EXPECT_EQ(escape_query_value(""), "");
}

}  // namespace
