// Moebooru listing HTML (parse_moebooru_html): any bytes a server sends as a listing page.
// Every post it yields has an identity and only http(s) URLs, whatever the markup or the
// Post.register JSON inside it said.
#include <string>

#include "dcgan/core/error.h"
#include "dcgan/crawl/moebooru_html.h"
#include "dcgan/crawl/url.h"
#include "fuzz_support.h"

namespace {

void check_url(const std::string& url) {
  DCGAN_FUZZ_CHECK(url.empty() || !dcgan::crawl::url_origin(url).empty(), url);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dcgan::fuzz::init();
  const std::string body(dcgan::fuzz::as_view(data, size));
  try {
    const dcgan::crawl::ListingPage page =
        dcgan::crawl::parse_moebooru_html(body, "https://konachan.net/post?page=2&tags=");
    for (const dcgan::crawl::Post& post : page.posts) {
      DCGAN_FUZZ_CHECK(!post.key().empty(), "a post without an id or md5");
      for (const std::string* url :
           {&post.preview_url, &post.sample_url, &post.jpeg_url, &post.file_url}) {
        check_url(*url);
      }
    }
  } catch (const dcgan::Error&) {
  }
  return 0;
}
