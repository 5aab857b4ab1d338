// Posts from the JSON the boards publish: Moebooru's /post.json (an array, or api_version 2's
// {"posts": [...]}) and the same objects embedded in HTML as Post.register({...}); Danbooru's
// /posts.json. Tolerant of missing, null or mistyped fields; URLs resolved against the page.
#pragma once

#include <string>
#include <string_view>

#include "dcgan/core/json.h"
#include "dcgan/crawl/listing.h"

namespace dcgan::crawl {

// Bounds on the JSON a listing may hold, checked on the text before it is parsed: the parser is
// iterative, but copying or comparing a parsed value recurses once per level (100,000 levels
// overflow the stack), and every array or object is an allocation of its own. Real pages nest
// 4 levels and hold a few thousand.
inline constexpr int kMaxJsonDepth = 64;
inline constexpr int64_t kMaxJsonContainers = 200'000;

// Parses JSON a server sent. Returns a discarded value (is_discarded()) when it is not valid
// JSON or exceeds the bounds above; `why` (when given) then says which.
Json parse_server_json(std::string_view text, std::string* why = nullptr);

// One Moebooru post object. Fields it lacks stay empty.
Post moebooru_post_from_json(const Json& object, const std::string& page_url);

// Whole API pages. Throw DataError naming `page_url` when the body is not the expected JSON.
ListingPage parse_moebooru_json(const std::string& body, const std::string& page_url);
ListingPage parse_danbooru_json(const std::string& body, const std::string& page_url);

}  // namespace dcgan::crawl
