// Moebooru /post.json and Danbooru /posts.json pages (parse_moebooru_json, parse_danbooru_json):
// any bytes a server sends as an API page. Each returns posts with an identity and only
// http(s) URLs, or throws DataError.
#include <string>

#include "dcgan/core/error.h"
#include "dcgan/crawl/booru_json.h"
#include "dcgan/crawl/url.h"
#include "fuzz_support.h"

namespace {

void check_page(const dcgan::crawl::ListingPage& page) {
  for (const dcgan::crawl::Post& post : page.posts) {
    DCGAN_FUZZ_CHECK(!post.key().empty(), "a post without an id or md5");
    for (const std::string* url :
         {&post.preview_url, &post.sample_url, &post.jpeg_url, &post.file_url}) {
      DCGAN_FUZZ_CHECK(url->empty() || !dcgan::crawl::url_origin(*url).empty(), *url);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dcgan::fuzz::init();
  const std::string body(dcgan::fuzz::as_view(data, size));
  try {
    check_page(dcgan::crawl::parse_moebooru_json(body, "https://yande.re/post.json?page=1"));
  } catch (const dcgan::DataError&) {
  }
  try {
    check_page(dcgan::crawl::parse_danbooru_json(body, "https://danbooru.donmai.us/posts.json"));
  } catch (const dcgan::DataError&) {
  }
  return 0;
}
