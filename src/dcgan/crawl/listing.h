// What one listing page yields, whatever its format: the posts on it and whether the site
// says there is a next page. Produced by the parsers in moebooru_html.h and booru_json.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dcgan/crawl/post.h"

namespace dcgan::crawl {

struct ListingPage {
  std::vector<Post> posts;
  // The page said it is empty ("Nobody here but us chickens!", `[]`), as opposed to a page
  // in which nothing was recognised (logged as a warning; both end the listing).
  bool empty_marker = false;
  // false: the paginator shows no next page; nullopt: the page has no paginator at all.
  std::optional<bool> has_next;
  int unusable_entries = 0;  // posts without any id/md5/URL (deleted, restricted)
};

}  // namespace dcgan::crawl
