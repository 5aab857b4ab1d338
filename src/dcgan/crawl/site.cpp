// Listing URLs and parser dispatch; see site.h.
#include "dcgan/crawl/site.h"

#include "dcgan/crawl/booru_json.h"
#include "dcgan/crawl/moebooru_html.h"
#include "dcgan/crawl/url.h"

namespace dcgan::crawl {
namespace {

bool is_danbooru(const CrawlConfig& config) { return !is_moebooru_family(config.site); }

}  // namespace

std::string listing_url(const CrawlConfig& config, int64_t page, int64_t lowest_id_seen) {
  const std::string base = config.resolved_base_url();
  const std::string tags = escape_query_value(config.tags);
  if (config.mode == ListingMode::kHtml) {
    return base + "/post?page=" + std::to_string(page) + "&tags=" + tags;
  }
  if (is_danbooru(config)) {
    const int limit = config.per_page > 0 ? config.per_page : 200;
    const std::string page_param = page > kDanbooruMaxNumberedPage && lowest_id_seen > 0
                                       ? "b" + std::to_string(lowest_id_seen)
                                       : std::to_string(page);
    return base + "/posts.json?page=" + page_param + "&limit=" + std::to_string(limit) +
           "&tags=" + tags;
  }
  const int limit = config.per_page > 0 ? config.per_page : 100;
  return base + "/post.json?page=" + std::to_string(page) + "&limit=" + std::to_string(limit) +
         "&tags=" + tags;
}

ListingPage parse_listing(const CrawlConfig& config, const std::string& body,
                          const std::string& page_url) {
  if (config.mode == ListingMode::kHtml) return parse_moebooru_html(body, page_url);
  return is_danbooru(config) ? parse_danbooru_json(body, page_url)
                             : parse_moebooru_json(body, page_url);
}

}  // namespace dcgan::crawl
