// URL handling of links a server wrote (resolve_url, url_origin, url_basename) and query
// escaping. Input: the page URL, a newline, the link. A resolved URL is "" or an http(s) URL
// without a fragment or any byte that could end a request line (space, CR, LF, controls).
#include <string>

#include "dcgan/crawl/url.h"
#include "fuzz_support.h"

namespace {

bool is_request_line_safe(const std::string& url) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7F) return false;  // bytes >= 0x80 may name an IDN host
  }
  return true;
}

bool is_escaped(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') continue;
    if (c != '%' || i + 2 >= text.size() ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      return false;
    }
    i += 2;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dcgan::crawl;
  const std::string input(dcgan::fuzz::as_view(data, size));
  const size_t newline = input.find('\n');
  const std::string base =
      newline == std::string::npos ? "https://konachan.net/post?page=1" : input.substr(0, newline);
  const std::string link = newline == std::string::npos ? input : input.substr(newline + 1);

  const std::string resolved = resolve_url(base, link);
  if (!resolved.empty()) {
    DCGAN_FUZZ_CHECK(is_request_line_safe(resolved), resolved);
    DCGAN_FUZZ_CHECK(resolved.find('#') == std::string::npos, resolved);
    DCGAN_FUZZ_CHECK(!url_origin(resolved).empty(), resolved);
    // Resolving it again, as a page URL against itself, still gives an http(s) URL (not
    // necessarily the same bytes: libcurl normalises some hosts only on the second parse).
    DCGAN_FUZZ_CHECK(!url_origin(resolve_url(resolved, resolved)).empty(), resolved);
    const std::string name = url_basename(resolved);
    DCGAN_FUZZ_CHECK(name.find('/') == std::string::npos, name);
  }
  const std::string origin = url_origin(link);
  DCGAN_FUZZ_CHECK(origin.empty() || origin.rfind("http", 0) == 0, origin);
  url_basename(link);
  const std::string escaped = escape_query_value(link);
  DCGAN_FUZZ_CHECK(is_escaped(escaped), escaped);
  return 0;
}
