// Posts from the JSON the boards publish: Moebooru's /post.json (an array, or api_version 2's
// {"posts": [...]}) and the same objects embedded in HTML as Post.register({...}); Danbooru's
// /posts.json. Tolerant of missing, null or mistyped fields; URLs resolved against the page.
#pragma once

#include <string>

#include "dcgan/core/json.h"
#include "dcgan/crawl/listing.h"

namespace dcgan::crawl {

// One Moebooru post object. Fields it lacks stay empty.
Post moebooru_post_from_json(const Json& object, const std::string& page_url);

// Whole API pages. Throw DataError naming `page_url` when the body is not the expected JSON.
ListingPage parse_moebooru_json(const std::string& body, const std::string& page_url);
ListingPage parse_danbooru_json(const std::string& body, const std::string& page_url);

}  // namespace dcgan::crawl
