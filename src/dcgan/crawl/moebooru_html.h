// Posts from a Moebooru listing page (/post?page=N&tags=T), the page the recipe scraped.
// Uses a real HTML5 parser (gumbo), so malformed markup is recovered the way browsers do.
// Reads the Post.register({...}) JSON embedded in the page when present (full metadata), and
// every img.preview (id from li#pN or /post/show/N, rating and tags from its alt text, the
// full file from a.directlink) otherwise. It does not fetch anything.
#pragma once

#include <string>

#include "dcgan/crawl/listing.h"

namespace dcgan::crawl {

ListingPage parse_moebooru_html(const std::string& body, const std::string& page_url);

}  // namespace dcgan::crawl
