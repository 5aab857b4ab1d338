// Moebooru listing HTML; layout facts from docs/research (crawl anchors, section 2.1).
#include "dcgan/crawl/moebooru_html.h"

#include <gumbo.h>

#include <cctype>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "dcgan/core/json.h"
#include "dcgan/crawl/booru_json.h"
#include "dcgan/crawl/url.h"

namespace dcgan::crawl {
namespace {

constexpr const char kRegisterCall[] = "Post.register(";
constexpr const char kRegisterResponseCall[] = "Post.register_resp(";
constexpr const char kEmptyText[] = "Nobody here but us chickens";
constexpr const char kPostList[] = "post-list-posts";

struct GumboDeleter {
  void operator()(GumboOutput* out) const { gumbo_destroy_output(&kGumboDefaultOptions, out); }
};

const char* attribute(const GumboNode* node, const char* name) {
  if (node->type != GUMBO_NODE_ELEMENT) return nullptr;
  const GumboAttribute* attr = gumbo_get_attribute(&node->v.element.attributes, name);
  return attr != nullptr ? attr->value : nullptr;
}

bool has_class(const GumboNode* node, const std::string& name) {
  const char* classes = attribute(node, "class");
  if (classes == nullptr) return false;
  std::istringstream tokens(classes);
  std::string token;
  while (tokens >> token) {
    if (token == name) return true;
  }
  return false;
}

bool is_tag(const GumboNode* node, GumboTag tag) {
  return node->type == GUMBO_NODE_ELEMENT && node->v.element.tag == tag;
}

// Every node below `root`, in document order, without recursion (malformed pages can nest
// deeply).
std::vector<const GumboNode*> all_nodes(const GumboNode* root) {
  std::vector<const GumboNode*> out, stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    out.push_back(node);
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) continue;
    const GumboVector& children =
        node->type == GUMBO_NODE_ELEMENT ? node->v.element.children : node->v.document.children;
    for (unsigned i = children.length; i-- > 0;) {
      stack.push_back(static_cast<const GumboNode*>(children.data[i]));
    }
  }
  return out;
}

const GumboNode* ancestor(const GumboNode* node, GumboTag tag) {
  for (const GumboNode* p = node->parent; p != nullptr; p = p->parent) {
    if (is_tag(p, tag)) return p;
  }
  return nullptr;
}

int64_t digits_after(const std::string& text, const std::string& prefix) {
  auto at = text.find(prefix);
  if (at == std::string::npos) return 0;
  size_t i = at + prefix.size(), j = i;
  while (j < text.size() && j - i < 18 && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
  return j > i ? std::stoll(text.substr(i, j - i)) : 0;
}

// The balanced {...} starting at `open` (a '{'), honouring JSON strings; npos if unbalanced.
size_t matching_brace(const std::string& text, size_t open) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = open; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string::npos;
}

// The JSON objects passed to `call` ("Post.register(") in one script's text, in order.
std::vector<Json> call_arguments(const std::string& script, const std::string& call,
                                 int& unusable) {
  std::vector<Json> objects;
  for (size_t at = script.find(call); at != std::string::npos; at = script.find(call, at + 1)) {
    size_t open = script.find_first_not_of(" \t\r\n", at + call.size());
    if (open == std::string::npos || script[open] != '{') continue;
    size_t close = matching_brace(script, open);
    if (close == std::string::npos) continue;
    Json object = Json::parse(script.substr(open, close - open + 1), nullptr, false);
    if (object.is_object()) {
      objects.push_back(std::move(object));
    } else {
      ++unusable;
    }
  }
  return objects;
}

// Post.register({post}) per post, or (newer Moebooru) Post.register_resp({"posts": [...]}).
void read_register_calls(const std::string& script, const std::string& page_url,
                         std::vector<Post>& posts, int& unusable) {
  for (const Json& object : call_arguments(script, kRegisterCall, unusable)) {
    posts.push_back(moebooru_post_from_json(object, page_url));
  }
  for (const Json& response : call_arguments(script, kRegisterResponseCall, unusable)) {
    auto list = response.find("posts");
    if (list == response.end() || !list->is_array()) continue;
    for (const Json& object : *list) {
      if (object.is_object()) posts.push_back(moebooru_post_from_json(object, page_url));
    }
  }
}

// "Rating: Safe Score: 0 Tags: a b c User: name" -> rating "s", tags "a b c".
void read_alt_text(const std::string& alt, Post& post) {
  auto rating_at = alt.find("Rating: ");
  if (rating_at != std::string::npos) {
    auto end = alt.find(' ', rating_at + 8);
    post.rating = normalise_rating(
        alt.substr(rating_at + 8, end == std::string::npos ? end : end - rating_at - 8));
  }
  auto tags_at = alt.find("Tags: ");
  if (tags_at != std::string::npos) {
    auto end = alt.find(" User: ", tags_at);
    post.tags = alt.substr(tags_at + 6, end == std::string::npos ? end : end - tags_at - 6);
  }
}

bool is_placeholder(const std::string& url) {
  std::string name = url_basename(url);
  return name == "deleted-preview.png" || name == "download-preview.png";
}

// A post from one img.preview and what surrounds it in its <li>.
Post post_from_preview(const GumboNode* img, const std::string& page_url) {
  Post post;
  const char* src = attribute(img, "src");
  post.preview_url = src != nullptr ? resolve_url(page_url, src) : "";
  if (is_placeholder(post.preview_url)) post.preview_url.clear();
  std::string stem = url_basename(post.preview_url);
  stem = stem.substr(0, stem.find('.'));
  if (!normalise_md5(stem, post.md5)) post.md5.clear();
  const char* alt = attribute(img, "alt");
  read_alt_text(alt != nullptr ? alt : "", post);
  if (const GumboNode* link = ancestor(img, GUMBO_TAG_A)) {
    const char* href = attribute(link, "href");
    if (href != nullptr) post.id = digits_after(href, "/post/show/");
  }
  const GumboNode* item = ancestor(img, GUMBO_TAG_LI);
  if (item == nullptr) return post;
  const char* item_id = attribute(item, "id");
  if (post.id == 0 && item_id != nullptr && item_id[0] == 'p') post.id = digits_after(item_id, "p");
  for (const GumboNode* node : all_nodes(item)) {
    if (is_tag(node, GUMBO_TAG_A) && has_class(node, "directlink")) {
      const char* href = attribute(node, "href");
      // The direct link is jpeg_url when the site keeps JPEG versions, else file_url: which
      // one is unknown here, so it is used for jpeg and never checked against the md5.
      if (href != nullptr) post.jpeg_url = resolve_url(page_url, href);
    }
  }
  if (post.preview_url.empty()) post.jpeg_url.clear();  // a deleted post's stale link
  return post;
}

void fill_missing(Post& to, const Post& from) {
  for (auto field : {&Post::md5, &Post::tags, &Post::rating, &Post::preview_url, &Post::sample_url,
                     &Post::jpeg_url, &Post::file_url}) {
    if ((to.*field).empty()) to.*field = from.*field;
  }
}

bool usable(const Post& post) {
  return !post.key().empty() && (!post.preview_url.empty() || !post.jpeg_url.empty() ||
                                 !post.sample_url.empty() || !post.file_url.empty());
}

}  // namespace

ListingPage parse_moebooru_html(const std::string& body, const std::string& page_url) {
  std::unique_ptr<GumboOutput, GumboDeleter> doc(
      gumbo_parse_with_options(&kGumboDefaultOptions, body.data(), body.size()));
  ListingPage page;
  std::vector<Post> registered, previews;
  bool paginator = false, next_link = false, post_list = false;
  for (const GumboNode* node : all_nodes(doc->root)) {
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA) {
      std::string text = node->v.text.text;
      if (node->parent != nullptr && is_tag(node->parent, GUMBO_TAG_SCRIPT)) {
        read_register_calls(text, page_url, registered, page.unusable_entries);
      } else if (text.find(kEmptyText) != std::string::npos) {
        page.empty_marker = true;
      }
      continue;
    }
    if (attribute(node, "id") != nullptr && std::string(attribute(node, "id")) == kPostList) {
      post_list = true;
    }
    if (is_tag(node, GUMBO_TAG_IMG) && has_class(node, "preview")) {
      previews.push_back(post_from_preview(node, page_url));
    } else if (has_class(node, "pagination") ||
               (attribute(node, "id") != nullptr &&
                std::string(attribute(node, "id")) == "paginator")) {
      paginator = true;
    } else if ((is_tag(node, GUMBO_TAG_A) || is_tag(node, GUMBO_TAG_LINK)) &&
               attribute(node, "href") != nullptr &&
               (has_class(node, "next_page") || (attribute(node, "rel") != nullptr &&
                                                 std::string(attribute(node, "rel")) == "next"))) {
      next_link = true;
    }
  }
  if (paginator || next_link) page.has_next = next_link;
  // An empty ul#post-list-posts says "no posts" as clearly as the chickens do.
  if (post_list && registered.empty() && previews.empty()) page.empty_marker = true;

  // Post.register data wins (it has every field); the thumbnail fills what it lacks.
  std::map<std::string, size_t> by_key;
  for (Post& post : registered) {
    if (!usable(post)) {
      ++page.unusable_entries;
      continue;
    }
    by_key.emplace(post.key(), page.posts.size());
    if (!post.md5.empty()) by_key.emplace("md5:" + post.md5, page.posts.size());
    page.posts.push_back(std::move(post));
  }
  for (Post& post : previews) {
    auto it = by_key.find(post.key());
    if (it == by_key.end() && !post.md5.empty()) it = by_key.find("md5:" + post.md5);
    if (it != by_key.end()) {
      fill_missing(page.posts[it->second], post);
    } else if (usable(post)) {
      by_key.emplace(post.key(), page.posts.size());
      page.posts.push_back(std::move(post));
    } else {
      ++page.unusable_entries;
    }
  }
  return page;
}

}  // namespace dcgan::crawl
