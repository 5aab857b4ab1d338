// Moebooru listing HTML; layout facts from docs/research (crawl anchors, section 2.1).
#include "dcgan/crawl/moebooru_html.h"

#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "dcgan/core/error.h"
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

// Bounds on a listing page's element tree. gumbo has none, and its work at every tag grows with
// the depth of open elements (its scope checks walk them): 100 kB of unclosed <div> took 18 s.
// Formatting elements left open (<b id=1><b id=2>...) are re-created in each later block, so
// their count multiplies the tree. Real listings nest about 15 deep and hold a few thousand
// nodes; browsers stop nesting at 512.
constexpr size_t kMaxMarkupDepth = 512;
constexpr int64_t kMaxMarkupNodes = 200'000;

std::string lower_name(const std::string& body, size_t& i) {
  std::string name;
  while (i < body.size() && std::isalnum(static_cast<unsigned char>(body[i]))) {
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(body[i++])));
  }
  return name;
}

bool is_one_of(const std::string& name, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (name == n) return true;
  }
  return false;
}

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Reads a tag's attributes from `i` as the HTML tokenizer does (quotes delimit only a value
// after '='). Returns the index of the '>' that ends the tag, or npos when none does; adds the
// attributes to `attributes`.
size_t scan_attributes(const std::string& body, size_t i, int64_t& attributes) {
  enum class State { kBetween, kName, kBeforeValue, kUnquotedValue } state = State::kBetween;
  for (; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '>' && state != State::kBeforeValue) return i;
    switch (state) {
      case State::kBetween:
        if (!is_html_space(c) && c != '/') {
          ++attributes;
          state = State::kName;
        }
        break;
      case State::kName:
        if (c == '=') {
          state = State::kBeforeValue;
        } else if (is_html_space(c) || c == '/') {
          state = State::kBetween;
        }
        break;
      case State::kBeforeValue:
        if (c == '"' || c == '\'') {
          i = body.find(c, i + 1);
          if (i == std::string::npos) return i;
          state = State::kBetween;
        } else if (c == '>') {
          return i;
        } else if (!is_html_space(c)) {
          state = State::kUnquotedValue;
        }
        break;
      case State::kUnquotedValue:
        if (is_html_space(c)) state = State::kBetween;
        break;
    }
  }
  return std::string::npos;
}

// Where the raw text of a <script>, <style>, ... that starts at `i` ends: the '<' of its end
// tag, or the end of the body.
size_t raw_text_end(const std::string& body, size_t i, const std::string& name) {
  for (i = body.find("</", i); i != std::string::npos; i = body.find("</", i + 2)) {
    size_t after = i + 2;
    if (lower_name(body, after) == name) return i;
  }
  return body.size();
}

// An estimate, made on the text in one pass, of the depth and size of the tree gumbo would build,
// erring high; throws DataError naming the page when it exceeds the bounds above. A start tag
// opens its element unless it is void (a "/>" does not close an HTML element), an end tag closes
// down to its name (nothing when the name is not open), the text of raw-text elements (script,
// style, ...) is one node, and every node and attribute counts once, plus once per formatting
// element then open (each could be re-created around it).
void check_markup(const std::string& body, const std::string& page_url) {
  std::vector<std::string> open;
  int64_t nodes = 0, open_formatting = 0;
  bool in_text = false;
  auto add_nodes = [&](int64_t n) {
    nodes += n + open_formatting;
    if (nodes > kMaxMarkupNodes) {
      throw DataError("listing " + page_url + " has more than " + std::to_string(kMaxMarkupNodes) +
                      " HTML nodes (not a listing page)");
    }
  };
  for (size_t i = 0; i < body.size();) {
    const bool tag_start = body[i] == '<' && i + 1 < body.size();
    const bool closing = tag_start && body[i + 1] == '/';
    const size_t name_at = i + (closing ? 2 : 1);
    if (tag_start && body.compare(i, 4, "<!--") == 0) {
      // Comments end at "-->" or "--!>", or at once as "<!-->" or "<!--->".
      size_t end = body.compare(i + 4, 1, ">") == 0 ? i + 4
                   : body.compare(i + 4, 2, "->") == 0
                       ? i + 5
                       : std::min(body.find("-->", i + 4), body.find("--!>", i + 4));
      if (end != std::string::npos) end = body.find('>', end);
      i = end == std::string::npos ? body.size() : end + 1;
      add_nodes(1);
      in_text = false;
      continue;
    }
    if (tag_start && (body[i + 1] == '!' || body[i + 1] == '?')) {  // doctype, bogus comment
      const size_t end = body.find('>', i + 2);
      i = end == std::string::npos ? body.size() : end + 1;
      in_text = false;
      continue;
    }
    if (!tag_start || name_at >= body.size() ||
        !std::isalpha(static_cast<unsigned char>(body[name_at]))) {
      if (!in_text) add_nodes(1);
      in_text = true;
      ++i;
      continue;
    }
    in_text = false;
    size_t after_name = name_at;
    const std::string name = lower_name(body, after_name);
    int64_t attributes = 0;
    const size_t end = scan_attributes(body, after_name, attributes);
    i = end == std::string::npos ? body.size() : end + 1;
    const bool formatting = is_one_of(name, {"a", "b", "big", "code", "em", "font", "i", "nobr",
                                             "s", "small", "strike", "strong", "tt", "u"});
    if (closing) {
      for (size_t k = open.size(); k-- > 0;) {
        if (open[k] == name) {
          open.resize(k);
          break;
        }
      }
      if (formatting && open_formatting > 0) --open_formatting;
      continue;
    }
    add_nodes(1 + attributes);
    if (is_one_of(name, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed",
                         "noframes", "plaintext"})) {
      const size_t text_end = raw_text_end(body, i, name);
      if (text_end > i) add_nodes(1);
      i = text_end;  // its end tag is read next
      continue;
    }
    if (is_one_of(name, {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                         "param", "source", "track", "wbr"})) {
      continue;
    }
    open.push_back(name);
    if (open.size() > kMaxMarkupDepth) {
      throw DataError("listing " + page_url + " nests HTML elements deeper than " +
                      std::to_string(kMaxMarkupDepth) + " (not a listing page)");
    }
    if (formatting) ++open_formatting;
  }
}

// A node with its nearest <a> and <li> ancestors (nullptr when none).
struct Visit {
  const GumboNode* node;
  const GumboNode* link;
  const GumboNode* item;
};

// Every node below `root`, in document order, with its context, in one pass without recursion
// (malformed pages can nest deeply) and without walking up for each node.
std::vector<Visit> all_nodes(const GumboNode* root) {
  std::vector<Visit> out, stack{{root, nullptr, nullptr}};
  while (!stack.empty()) {
    const Visit visit = stack.back();
    stack.pop_back();
    out.push_back(visit);
    const GumboNode* node = visit.node;
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) continue;
    const GumboNode* link = is_tag(node, GUMBO_TAG_A) ? node : visit.link;
    const GumboNode* item = is_tag(node, GUMBO_TAG_LI) ? node : visit.item;
    const GumboVector& children =
        node->type == GUMBO_NODE_ELEMENT ? node->v.element.children : node->v.document.children;
    for (unsigned i = children.length; i-- > 0;) {
      stack.push_back({static_cast<const GumboNode*>(children.data[i]), link, item});
    }
  }
  return out;
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

// The JSON objects passed to `call` ("Post.register(") in one script's text, in order. Linear
// in the script: the search goes on after each argument, and stops at the first one that never
// closes (it takes the rest of the script), so a script of many unclosed calls is not scanned
// to its end once per call.
std::vector<Json> call_arguments(const std::string& script, const std::string& call,
                                 int& unusable) {
  std::vector<Json> objects;
  for (size_t at = script.find(call); at != std::string::npos;) {
    size_t open = script.find_first_not_of(" \t\r\n", at + call.size());
    if (open == std::string::npos || script[open] != '{') {
      at = script.find(call, at + call.size());
      continue;
    }
    size_t close = matching_brace(script, open);
    if (close == std::string::npos) {
      ++unusable;
      break;
    }
    Json object = parse_server_json(std::string_view(script).substr(open, close - open + 1));
    if (object.is_object()) {
      objects.push_back(std::move(object));
    } else {
      ++unusable;
    }
    at = script.find(call, close + 1);
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

// A post from one img.preview, the link around it and its <li> (with that item's direct link,
// or nullptr).
Post post_from_preview(const Visit& img, const char* directlink, const std::string& page_url) {
  Post post;
  const char* src = attribute(img.node, "src");
  post.preview_url = src != nullptr ? resolve_url(page_url, src) : "";
  if (is_placeholder(post.preview_url)) post.preview_url.clear();
  std::string stem = url_basename(post.preview_url);
  stem = stem.substr(0, stem.find('.'));
  if (!normalise_md5(stem, post.md5)) post.md5.clear();
  const char* alt = attribute(img.node, "alt");
  read_alt_text(alt != nullptr ? alt : "", post);
  if (img.link != nullptr) {
    const char* href = attribute(img.link, "href");
    if (href != nullptr) post.id = digits_after(href, "/post/show/");
  }
  if (img.item == nullptr) return post;
  const char* item_id = attribute(img.item, "id");
  if (post.id == 0 && item_id != nullptr && item_id[0] == 'p') post.id = digits_after(item_id, "p");
  // The direct link is jpeg_url when the site keeps JPEG versions, else file_url: which one is
  // unknown here, so it is used for jpeg and never checked against the md5.
  if (directlink != nullptr) post.jpeg_url = resolve_url(page_url, directlink);
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
  check_markup(body, page_url);
  GumboOptions options = kGumboDefaultOptions;
  // Parse errors are not used, and gumbo copies the stack of open elements into each one:
  // recording them made a deeply nested page cost memory quadratic in its depth.
  options.max_errors = 0;
  std::unique_ptr<GumboOutput, GumboDeleter> doc(
      gumbo_parse_with_options(&options, body.data(), body.size()));
  ListingPage page;
  std::vector<Post> registered, previews;
  std::vector<Visit> preview_images;
  std::map<const GumboNode*, const char*> directlinks;  // <li> -> its last a.directlink's href
  bool paginator = false, next_link = false, post_list = false;
  for (const Visit& visit : all_nodes(doc->root)) {
    const GumboNode* node = visit.node;
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
      preview_images.push_back(visit);
    } else if (is_tag(node, GUMBO_TAG_A) && visit.item != nullptr &&
               has_class(node, "directlink") && attribute(node, "href") != nullptr) {
      directlinks[visit.item] = attribute(node, "href");
    }
    if (has_class(node, "pagination") ||
        (attribute(node, "id") != nullptr && std::string(attribute(node, "id")) == "paginator")) {
      paginator = true;
    } else if ((is_tag(node, GUMBO_TAG_A) || is_tag(node, GUMBO_TAG_LINK)) &&
               attribute(node, "href") != nullptr &&
               (has_class(node, "next_page") || (attribute(node, "rel") != nullptr &&
                                                 std::string(attribute(node, "rel")) == "next"))) {
      next_link = true;
    }
  }
  for (const Visit& img : preview_images) {
    auto link = img.item != nullptr ? directlinks.find(img.item) : directlinks.end();
    previews.push_back(
        post_from_preview(img, link != directlinks.end() ? link->second : nullptr, page_url));
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
