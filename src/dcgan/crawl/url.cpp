// URL helpers; see url.h. A CURLU handle does the parsing and the relative resolution.
#include "dcgan/crawl/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace dcgan::crawl {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

std::string get_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(u, part, &text, flags) != CURLUE_OK || text == nullptr) return "";
  std::string out(text);
  curl_free(text);
  return out;
}

bool is_http_scheme(CURLU* u) {
  std::string scheme = get_part(u, CURLUPART_SCHEME);
  return scheme == "http" || scheme == "https";
}

}  // namespace

std::string resolve_url(const std::string& base, const std::string& link) {
  // Whitespace around attribute values is legal HTML and not part of the URL.
  const auto begin = link.find_first_not_of(" \t\r\n\f");
  if (begin == std::string::npos) return "";
  const auto end = link.find_last_not_of(" \t\r\n\f");
  const std::string trimmed = link.substr(begin, end - begin + 1);
  UrlHandle u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) return "";
  // Setting a URL on a handle that holds one resolves it as a reference against it.
  if (curl_url_set(u.get(), CURLUPART_URL, trimmed.c_str(), CURLU_URLENCODE) != CURLUE_OK) {
    return "";
  }
  if (!is_http_scheme(u.get())) return "";
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  std::string resolved = get_part(u.get(), CURLUPART_URL);
  // A percent-encoded host is decoded without the checks a parse applies (it let a DEL byte
  // through): keep only what parses again as it will be fetched.
  return url_origin(resolved).empty() ? "" : resolved;
}

std::string url_origin(const std::string& url) {
  UrlHandle u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "";
  if (!is_http_scheme(u.get())) return "";
  return get_part(u.get(), CURLUPART_SCHEME) + "://" + get_part(u.get(), CURLUPART_HOST) + ":" +
         get_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

bool same_host(const std::string& from, const std::string& to) {
  UrlHandle a(curl_url()), b(curl_url());
  if (!a || !b || curl_url_set(a.get(), CURLUPART_URL, from.c_str(), 0) != CURLUE_OK ||
      curl_url_set(b.get(), CURLUPART_URL, to.c_str(), 0) != CURLUE_OK) {
    return false;
  }
  const std::string host_a = get_part(a.get(), CURLUPART_HOST);
  const std::string host_b = get_part(b.get(), CURLUPART_HOST);
  if (host_a.empty() || host_a.size() != host_b.size() ||
      !std::equal(host_a.begin(), host_a.end(), host_b.begin(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
      })) {
    return false;
  }
  const bool explicit_port = !get_part(b.get(), CURLUPART_PORT).empty();
  return !explicit_port || get_part(a.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT) ==
                               get_part(b.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::string escape_query_value(const std::string& value) {
  char* escaped = curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size()));
  if (escaped == nullptr) return "";
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

std::string url_basename(const std::string& url) {
  UrlHandle u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "";
  std::string path = get_part(u.get(), CURLUPART_PATH, CURLU_URLDECODE);
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace dcgan::crawl
