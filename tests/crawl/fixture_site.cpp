// The loopback image board; see fixture_site.h. Markup follows Moebooru's print_preview and
// will_paginate output (docs/research: crawl anchors, section 2.1).
#include "fixture_site.h"

#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "dcgan/core/json.h"
#include "dcgan/crawl/md5.h"
#include "dcgan/vision/synth_faces.h"

namespace dcgan::crawl::fixture {
namespace {

struct KindSpec {
  const char* kind;
  int size;
  const char* ext;
};
constexpr KindSpec kKinds[] = {{"preview", 24, ".jpg"},
                               {"sample", 40, ".jpg"},
                               {"jpeg", 48, ".jpg"},
                               {"original", 48, ".png"}};

const KindSpec& spec(const std::string& kind) {
  for (const auto& k : kKinds) {
    if (kind == k.kind) return k;
  }
  return kKinds[0];
}

std::string tags_of(int64_t id) { return "fixture solo tag_" + std::to_string(id % 5); }

}  // namespace

FixtureSite::FixtureSite(FixtureOptions options) : options_(std::move(options)) {
  // Workers hold keep-alive connections; more threads than crawl transfers avoids starving.
  server_.new_task_queue = [] { return new httplib::ThreadPool(48); };
  // As web servers do on keep-alive connections (nginx's tcp_nodelay): without it a response
  // body written after its headers waits ~40 ms for the client's delayed ACK.
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_max_count(1000);  // nginx's keepalive_requests default
  server_.Get(".*",
              [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FixtureSite::~FixtureSite() {
  server_.stop();
  thread_.join();
}

void FixtureSite::set_fault(int64_t id, Fault fault) {
  std::lock_guard<std::mutex> lock(mutex_);
  faults_[id] = fault;
}

std::vector<int64_t> FixtureSite::ids_on(int page) const {
  std::vector<int64_t> ids;
  if (page < 1 || page > options_.pages) return ids;
  for (int i = 0; i < options_.posts_per_page; ++i) {
    ids.push_back(options_.first_id + (page - 1) * options_.posts_per_page + i);
  }
  return ids;
}

std::vector<int64_t> FixtureSite::ids() const {
  std::vector<int64_t> all;
  for (int p = 1; p <= options_.pages; ++p) {
    for (int64_t id : ids_on(p)) all.push_back(id);
  }
  return all;
}

void FixtureSite::warm_up() {
  for (int64_t id : ids()) {
    for (const auto& k : kKinds) file_bytes(id, k.kind);
    original_md5(id);
  }
}

std::string FixtureSite::rating_of(int64_t id) {
  static const char* kRatings[] = {"s", "q", "e"};
  return kRatings[id % 3];
}

std::string FixtureSite::file_bytes(int64_t id, const std::string& kind) {
  const std::string key = std::to_string(id) + "/" + kind;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  const KindSpec& k = spec(kind);
  cv::Mat face = vision::draw_synth_face(options_.seed + (&k - kKinds), id, k.size);
  std::vector<uchar> encoded;
  cv::imencode(k.ext, face, encoded);
  std::string bytes(encoded.begin(), encoded.end());
  std::lock_guard<std::mutex> lock(mutex_);
  cache_[key] = bytes;
  return bytes;
}

std::string FixtureSite::md5_of(const std::string& bytes) const {
  Md5 md5;
  md5.update(bytes.data(), bytes.size());
  return md5.hex_digest();
}

std::string FixtureSite::original_md5(int64_t id) {
  const std::string key = std::to_string(id) + "/md5";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  const std::string md5 = md5_of(file_bytes(id, "original"));
  std::lock_guard<std::mutex> lock(mutex_);
  return cache_[key] = md5;
}

std::string FixtureSite::file_path(int64_t id, const std::string& kind) {
  const std::string md5 = original_md5(id);
  const std::string name = "Fixture%20-%20" + std::to_string(id);
  if (kind == "preview") {
    return "/data/preview/" + md5.substr(0, 2) + "/" + md5.substr(2, 2) + "/" + md5 + ".jpg";
  }
  if (kind == "sample") return "/sample/" + md5 + "/" + name + "%20sample.jpg";
  if (kind == "jpeg") return "/jpeg/" + md5 + "/" + name + "%20" + tags_of(id) + ".jpg";
  return "/image/" + md5 + "/" + name + "%20" + tags_of(id) + ".png";
}

std::string FixtureSite::file_link(int64_t id, const std::string& kind, int style) {
  Fault fault;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fault = faults_.count(id) ? faults_[id] : Fault::kNone;
  }
  std::string path = file_path(id, kind), link;
  if (fault == Fault::kTraversalName) {
    link = "../../x-" + std::to_string(id) + "-" + kind + ".jpg";
    path = "/x-" + std::to_string(id) + "-" + kind + ".jpg";
  } else if (fault == Fault::kAbsoluteName) {
    link = path = "/image/%2Fetc%2Fx-" + std::to_string(id) + "-" + kind + ".jpg";
  } else {
    link = style == 0   ? base_url() + path
           : style == 1 ? "//127.0.0.1:" + std::to_string(port_) + path
                        : path;
  }
  const std::string route = httplib::detail::decode_url(path, false);
  std::lock_guard<std::mutex> lock(mutex_);
  routes_[route] = Route{id, kind, path};
  routes_["/redirected" + route] = Route{id, kind, path};
  return link;
}

std::string FixtureSite::url_of(int64_t id, const std::string& kind) {
  const std::string link = file_link(id, kind, 0);
  if (link.rfind("../../", 0) == 0) return base_url() + "/" + link.substr(6);
  return link.rfind("/", 0) == 0 ? base_url() + link : link;
}

std::string FixtureSite::moebooru_json(int64_t id, int style) {
  const std::string original = file_bytes(id, "original");
  Json post = {{"id", id},
               {"tags", tags_of(id)},
               {"created_at", 1500000000 + id},
               {"creator_id", 1},
               {"author", "fixture"},
               {"source", ""},
               {"score", 0},
               {"md5", original_md5(id)},
               {"file_size", original.size()},
               {"file_ext", "png"},
               {"rating", rating_of(id)},
               {"status", "active"},
               {"width", 48},
               {"height", 48},
               {"preview_width", 24},
               {"preview_height", 24}};
  bool wrong_md5, deleted = options_.deleted_ids.count(id) > 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wrong_md5 = faults_.count(id) && faults_[id] == Fault::kWrongMd5;
  }
  if (wrong_md5) post["md5"] = "0123456789abcdef0123456789abcdef";
  if (deleted) {
    post["status"] = "deleted";
    post["preview_url"] = base_url() + "/deleted-preview.png";
    return post.dump();
  }
  post["preview_url"] = file_link(id, "preview", style);
  post["sample_url"] = file_link(id, "sample", style);
  post["jpeg_url"] = file_link(id, "jpeg", style);
  post["file_url"] = file_link(id, "original", style);
  return post.dump();
}

std::string FixtureSite::danbooru_json(int64_t id) {
  Json post = Json::parse(moebooru_json(id, 0));
  Json out = {{"id", id},
              {"md5", post["md5"]},
              {"tag_string", post["tags"]},
              {"rating", post["rating"]},
              {"file_ext", "png"},
              {"file_size", post["file_size"]},
              {"image_width", 48},
              {"image_height", 48},
              {"is_deleted", post["status"] == "deleted"}};
  if (post.contains("file_url")) {
    out["file_url"] = post["file_url"];
    out["large_file_url"] = post["sample_url"];
    out["preview_file_url"] = post["preview_url"];
  }
  return out.dump();
}

std::string FixtureSite::listing_html(int page) {
  const std::vector<int64_t> ids = ids_on(page);
  const bool malformed = options_.malformed_pages.count(page) > 0;
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html><head><title>Fixture board</title></head><body>\n"
       << "<div id=\"content\"><div id=\"post-list\"><div class=\"content\"><div>\n";
  if (ids.empty()) {
    html << "<p>Nobody here but us chickens!</p></div></div></div></div></body></html>\n";
    return html.str();
  }
  html << "<ul id=\"post-list-posts\">\n";
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t id = ids[i];
    const int style = static_cast<int>(i % 3);
    const bool deleted = options_.deleted_ids.count(id) > 0;
    const std::string preview = deleted ? "/deleted-preview.png" : file_link(id, "preview", style);
    const std::string rating = rating_of(id) == "s"   ? "Safe"
                               : rating_of(id) == "q" ? "Questionable"
                                                      : "Explicit";
    const std::string alt = "Rating: " + rating + " Score: 0 Tags: " + tags_of(id) + " User: fx";
    if (malformed) {
      // No closing tags, unquoted attributes, a stray table cell: what gumbo must recover.
      html << "<li id=p" << id << " class=javascript-hide><div class=inner><td><a class=thumb "
           << "href=/post/show/" << id << "><img src=" << preview << " alt='" << alt
           << "' class=preview width=150>\n";
      continue;
    }
    html << "<li style=\"width: 160px;\" id=\"p" << id
         << "\" class=\"javascript-hide creator-id-1\">"
         << "<div class=\"inner\" style=\"width: 150px; height: 150px;\">"
         << "<a class=\"thumb\" href=\"/post/show/" << id << "\"><img src=\"" << preview
         << "\" style=\"margin-left: 0px;\" alt=\"" << alt << "\" class=\"preview\" title=\"" << alt
         << "\" width=\"150\" height=\"150\"><span class=\"plid\">#pl " << base_url()
         << "/post/show/" << id << "</span></a></div>";
    if (!deleted) {
      html << "<a class=\"directlink smallimg\" href=\"" << file_link(id, "jpeg", style)
           << "\"><span class=\"directlink-info\">48 x 48</span></a>";
    }
    html << "</li>\n";
  }
  if (malformed) {
    html << "<li id=p0><div class=inner><a class=thumb href=/post/sh";
    return html.str();  // truncated mid-tag
  }
  html << "</ul></div></div></div>\n";
  if (options_.paginator) {
    html << "<div id=\"paginator\"><div class=\"pagination\" role=\"navigation\">";
    if (page > 1)
      html << "<a class=\"previous_page\" rel=\"prev\" href=\"/post?page=" << page - 1
           << "\">&larr; Previous</a> ";
    html << "<em class=\"current\">" << page << "</em> ";
    if (page < options_.pages) {
      html << "<a class=\"next_page\" rel=\"next\" href=\"/post?page=" << page + 1
           << "\">Next &rarr;</a>";
    } else {
      html << "<span class=\"next_page disabled\">Next &rarr;</span>";
    }
    html << "</div></div>\n";
  }
  html << "</div>\n";
  if (options_.post_register) {
    html << "<script type=\"text/javascript\">\n";
    for (size_t i = 0; i < ids.size(); ++i) {
      html << "Post.register(" << moebooru_json(ids[i], static_cast<int>(i % 3)) << ")\n";
    }
    html << "Post.register_tags({\"fixture\":\"general\"})\n</script>\n";
  }
  html << "</body></html>\n";
  return html.str();
}

std::string FixtureSite::listing_json(int page, bool danbooru) {
  const std::vector<int64_t> ids = ids_on(page);
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    out += (i ? "," : "") + (danbooru ? danbooru_json(ids[i]) : moebooru_json(ids[i], i % 3));
  }
  return out + "]";
}

void FixtureSite::serve_file(const Route& route, httplib::Response& res) {
  Fault fault;
  int served;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fault = faults_.count(route.id) ? faults_[route.id] : Fault::kNone;
    served = served_[std::to_string(route.id) + route.kind]++;
  }
  const std::string type = route.kind == "original" ? "image/png" : "image/jpeg";
  auto bytes = std::make_shared<std::string>(file_bytes(route.id, route.kind));
  const int pause_ms = options_.body_pause_ms;
  switch (fault) {
    case Fault::kNotFound:
      res.status = 404;
      res.set_content("<html><body>404 Not Found</body></html>", "text/html");
      return;
    case Fault::kTooManyOnce:
    case Fault::kUnavailableOnce:
      if (served == 0) {
        res.status = fault == Fault::kTooManyOnce ? 429 : 503;
        if (fault == Fault::kTooManyOnce) res.set_header("Retry-After", "1");
        res.set_content("slow down", "text/plain");
        return;
      }
      break;
    case Fault::kHtmlAsImage:
      res.set_content("<!DOCTYPE html><html><body>Error: rate limited</body></html>", type);
      return;
    case Fault::kSlowBody:
      res.set_chunked_content_provider(type, [bytes](size_t offset, httplib::DataSink& sink) {
        if (offset >= 50 || !sink.is_writable()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return sink.write(bytes->data() + offset, 1);
      });
      return;
    case Fault::kShortBody:
      res.set_content_provider(bytes->size(), type,
                               [bytes](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset > 0) return false;
                                 sink.write(bytes->data(), bytes->size() / 2);
                                 return false;  // closes the connection early
                               });
      return;
    case Fault::kOversize:
      res.set_chunked_content_provider(type, [bytes](size_t offset, httplib::DataSink& sink) {
        if (offset >= 300000) {
          sink.done();
          return true;
        }
        std::string chunk = offset == 0 ? *bytes : std::string(10000, '\0');
        return sink.write(chunk.data(), chunk.size());
      });
      return;
    default:
      break;
  }
  if (pause_ms > 0) {
    res.set_content_provider(bytes->size(), type,
                             [bytes, pause_ms](size_t offset, size_t, httplib::DataSink& sink) {
                               const size_t half = bytes->size() / 2;
                               if (offset >= half) {
                                 return sink.write(bytes->data() + offset, bytes->size() - offset);
                               }
                               sink.write(bytes->data(), half);
                               std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
                               return true;
                             });
    return;
  }
  res.set_content(*bytes, type);
}

void FixtureSite::handle(const httplib::Request& req, httplib::Response& res) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.emplace_back(std::chrono::steady_clock::now(), req.path);
  }
  if (options_.latency_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
  }
  if (req.path == "/post" || req.path == "/post.json" || req.path == "/posts.json") {
    const int page = req.has_param("page") ? std::atoi(req.get_param_value("page").c_str()) : 1;
    if (options_.unavailable_once_pages.count(page)) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (served_["page" + std::to_string(page)]++ == 0) {
        res.status = 503;
        res.set_content("busy", "text/plain");
        return;
      }
    }
    if (req.path == "/post") {
      res.set_content(listing_html(page), "text/html; charset=utf-8");
    } else {
      res.set_content(listing_json(page, req.path == "/posts.json"), "application/json");
    }
    return;
  }
  Route route{0, "", ""};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = routes_.find(req.path);
    if (it != routes_.end()) route = it->second;
  }
  if (route.id == 0) {
    res.status = 404;
    res.set_content("<html><body>Not found</body></html>", "text/html");
    return;
  }
  Fault fault;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fault = faults_.count(route.id) ? faults_[route.id] : Fault::kNone;
  }
  if (fault == Fault::kRedirect && req.path.rfind("/redirected", 0) != 0) {
    res.set_redirect("/redirected" + route.encoded_path, 302);
    return;
  }
  serve_file(route, res);
}

int64_t FixtureSite::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(log_.size());
}

int64_t FixtureSite::requests_to(const std::string& path_prefix) const {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t n = 0;
  for (const auto& [time, path] : log_) n += path.rfind(path_prefix, 0) == 0;
  return n;
}

std::vector<std::chrono::steady_clock::time_point> FixtureSite::request_times() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::chrono::steady_clock::time_point> times;
  for (const auto& entry : log_) times.push_back(entry.first);
  return times;
}

}  // namespace dcgan::crawl::fixture
