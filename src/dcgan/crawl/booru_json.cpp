// Moebooru and Danbooru JSON posts; field names from the Moebooru api_attributes and the
// Danbooru post model (docs/research: crawl anchors, sections 2.2 and 2.3).
#include "dcgan/crawl/booru_json.h"

#include <cmath>
#include <functional>

#include "dcgan/core/error.h"
#include "dcgan/crawl/url.h"

namespace dcgan::crawl {
namespace {

std::string get_string(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return "";
}

int64_t get_int(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    // Only a value an int64 holds converts (the cast of anything else is undefined).
    const double value = it->get<double>();
    return std::isfinite(value) && std::fabs(value) < 9.2e18 ? static_cast<int64_t>(value) : 0;
  }
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

std::string get_url(const Json& object, const char* key, const std::string& page_url) {
  std::string link = get_string(object, key);
  return link.empty() ? "" : resolve_url(page_url, link);
}

void set_md5(Post& post, const std::string& text) {
  if (!normalise_md5(text, post.md5)) post.md5.clear();
}

bool usable(const Post& post) {
  return !post.key().empty() && (!post.preview_url.empty() || !post.sample_url.empty() ||
                                 !post.jpeg_url.empty() || !post.file_url.empty());
}

Json parse_body(const std::string& body, const std::string& page_url) {
  std::string why;
  Json doc = parse_server_json(body, &why);
  if (doc.is_discarded()) throw DataError("listing " + page_url + " " + why);
  return doc;
}

ListingPage posts_from_array(const Json& array, const std::string& page_url,
                             const std::function<Post(const Json&, const std::string&)>& convert) {
  ListingPage page;
  for (const auto& item : array) {
    if (!item.is_object()) {
      ++page.unusable_entries;
      continue;
    }
    Post post = convert(item, page_url);
    if (usable(post)) {
      page.posts.push_back(std::move(post));
    } else {
      ++page.unusable_entries;
    }
  }
  page.empty_marker = array.empty();
  return page;
}

// Where each board keeps the fields a Post needs; the rest of the two formats is alike.
struct FieldNames {
  const char *tags, *width, *height, *preview, *sample, *jpeg, *file;
};
constexpr FieldNames kMoebooruFields{"tags",       "width",    "height",  "preview_url",
                                     "sample_url", "jpeg_url", "file_url"};
constexpr FieldNames kDanbooruFields{"tag_string",       "image_width",    "image_height",
                                     "preview_file_url", "large_file_url", "",
                                     "file_url"};

Post post_from_json(const Json& object, const std::string& page_url, const FieldNames& names) {
  Post post;
  post.id = get_int(object, "id");
  set_md5(post, get_string(object, "md5"));
  post.tags = get_string(object, names.tags);
  post.rating = normalise_rating(get_string(object, "rating"));
  post.file_ext = get_string(object, "file_ext");
  post.file_size = get_int(object, "file_size");
  post.width = static_cast<int>(get_int(object, names.width));
  post.height = static_cast<int>(get_int(object, names.height));
  post.preview_url = get_url(object, names.preview, page_url);
  post.sample_url = get_url(object, names.sample, page_url);
  post.jpeg_url = get_url(object, names.jpeg, page_url);
  post.file_url = get_url(object, names.file, page_url);
  return post;
}

Post danbooru_post_from_json(const Json& object, const std::string& page_url) {
  Post post = post_from_json(object, page_url, kDanbooruFields);
  // Restricted and banned posts carry no file_url; nothing of theirs is downloadable.
  if (post.file_url.empty()) post.preview_url = post.sample_url = "";
  return post;
}

}  // namespace

Json parse_server_json(std::string_view text, std::string* why) {
  // One pass over the text: brackets outside strings.
  int depth = 0;
  int64_t containers = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth || ++containers > kMaxJsonContainers) {
        if (why != nullptr) {
          *why = depth > kMaxJsonDepth
                     ? "nests arrays and objects deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels (not a listing)"
                     : "holds more than " + std::to_string(kMaxJsonContainers) +
                           " arrays and objects (not a listing)";
        }
        return Json(Json::value_t::discarded);
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() && why != nullptr) *why = "is not valid JSON (is --mode/--site right?)";
  return doc;
}

Post moebooru_post_from_json(const Json& object, const std::string& page_url) {
  Post post = post_from_json(object, page_url, kMoebooruFields);
  // Deleted posts keep a placeholder thumbnail (deleted-preview.png) but no files.
  if (get_string(object, "status") == "deleted") {
    post.preview_url = post.sample_url = post.jpeg_url = post.file_url = "";
  }
  return post;
}

ListingPage parse_moebooru_json(const std::string& body, const std::string& page_url) {
  Json doc = parse_body(body, page_url);
  if (doc.is_object() && doc.contains("posts") && doc["posts"].is_array()) {
    Json posts = std::move(doc["posts"]);
    doc = std::move(posts);
  }
  if (!doc.is_array()) {
    throw DataError("listing " + page_url + " is JSON but not a list of posts");
  }
  return posts_from_array(doc, page_url, moebooru_post_from_json);
}

ListingPage parse_danbooru_json(const std::string& body, const std::string& page_url) {
  Json doc = parse_body(body, page_url);
  if (!doc.is_array()) {
    std::string message = doc.is_object() ? get_string(doc, "message") : "";
    throw DataError("listing " + page_url + " is JSON but not a list of posts" +
                    (message.empty() ? "" : ": " + message));
  }
  return posts_from_array(doc, page_url, danbooru_post_from_json);
}

}  // namespace dcgan::crawl
