// Site adapters: the listing URL of page N for a site and mode, and the parser for the
// answer. Moebooru (konachan, yande.re, any install): /post (HTML) or /post.json; Danbooru
// (danbooru, safebooru.donmai.us): /posts.json. No transfers here.
#pragma once

#include <cstdint>
#include <string>

#include "dcgan/crawl/crawl_config.h"
#include "dcgan/crawl/listing.h"

namespace dcgan::crawl {

// Danbooru refuses numbered pages past 1000; later pages are asked for as "before the
// lowest id seen so far" (page=b<id>).
constexpr int64_t kDanbooruMaxNumberedPage = 1000;

// `lowest_id_seen` is only used for Danbooru pages past kDanbooruMaxNumberedPage.
std::string listing_url(const CrawlConfig& config, int64_t page, int64_t lowest_id_seen = 0);

// Throws DataError naming the URL when an API page is not the expected JSON.
ListingPage parse_listing(const CrawlConfig& config, const std::string& body,
                          const std::string& page_url);

}  // namespace dcgan::crawl
