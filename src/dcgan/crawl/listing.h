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
  // The page said it is empty ("Nobody here but us chickens!", an empty ul#post-list-posts,
  // `[]`). A page with neither posts nor this marker is not taken as the end: the crawler
  // counts it as a failed page (a login wall, a challenge, another layout).
  bool empty_marker = false;
  // false: the paginator shows no next page; nullopt: the page has no paginator at all.
  std::optional<bool> has_next;
  int unusable_entries = 0;  // posts without any id/md5/URL (deleted, restricted)
};

}  // namespace dcgan::crawl
