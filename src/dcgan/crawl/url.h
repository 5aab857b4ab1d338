// URL helpers over libcurl's URL API (RFC 3986): resolving a link found in a page against the
// page's URL (relative, protocol-relative or absolute, dot segments removed), taking the
// host apart for per-host rate limits, and escaping query values. No string hacks on URLs.
#pragma once

#include <string>

namespace dcgan::crawl {

// Resolves `link` against `base`. Returns "" when the result is not an http(s) URL or
// cannot be parsed (a link such as "javascript:..." or "file:///etc/passwd").
std::string resolve_url(const std::string& base, const std::string& link);

// "scheme://host:port" of an absolute URL, the key of the per-host rate limit; "" if invalid.
std::string url_origin(const std::string& url);

// True when `to` (absolute) is on the same host as `from`, at the same port or at its scheme's
// default one (so an http -> https upgrade qualifies). A redirect to any other host is refused:
// a listing or file URL names the host the crawl talks to, and a server must not point the
// crawler at another machine (an internal address, a port on the crawling machine).
bool same_host(const std::string& from, const std::string& to);

// Percent-encodes a query value (spaces become %20).
std::string escape_query_value(const std::string& value);

// The last path segment of a URL, percent-decoded ("" when there is none).
std::string url_basename(const std::string& url);

}  // namespace dcgan::crawl
