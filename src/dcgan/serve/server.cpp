// The HTTP side of `dcgan serve`; see server.h.
#include "dcgan/serve/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <ostream>
#include <thread>

#include "dcgan/core/error.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/core/log.h"
#include "dcgan/kernels/threads.h"
#include "dcgan/serve/api.h"

namespace dcgan::serve {
namespace {

// An idle connection (a browser keeps several open) holds a pool thread until this passes, so
// the pool is much larger than the connections a few browsers keep.
constexpr time_t kKeepAliveSeconds = 5;
constexpr time_t kReadTimeoutSeconds = 5;

const char* status_text(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 431:
      return "request header fields too large";
    default:
      return status >= 500 ? "server error" : "request refused";
  }
}

}  // namespace

struct Server::Impl {
  Impl(const ServeConfig& config, int threads) : config(config), api(config, threads) {}
  ServeConfig config;
  Api api;
  httplib::Server http;
  int port = -1;
  std::atomic<bool> serving{false};
  std::atomic<bool> stop_requested{false};
};

Server::Server(const ServeConfig& config) {
  config.validate();
  const int threads = kernels::set_compute_threads(config.threads);
  impl_ = std::make_unique<Impl>(config, threads);
  httplib::Server& http = impl_->http;
  const int pool = config.http_threads;
  http.new_task_queue = [pool] { return new httplib::ThreadPool(static_cast<size_t>(pool)); };
  http.set_payload_max_length(config.max_body_bytes);
  http.set_keep_alive_timeout(kKeepAliveSeconds);
  http.set_read_timeout(kReadTimeoutSeconds, 0);
  http.set_write_timeout(kReadTimeoutSeconds, 0);
  // SO_REUSEADDR only (a restart may bind while old connections linger in TIME_WAIT). httplib's
  // default adds SO_REUSEPORT, with which a second server on the same port binds too and the
  // kernel splits the connections between the two.
  http.set_socket_options([](int fd) {
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  Api* api = &impl_->api;
  auto handler = [api](const httplib::Request& request, httplib::Response& response) {
    // The query string's parameters only: httplib also adds a form-encoded body's fields to
    // request.params (curl -d sends JSON labelled as a form), and bodies are read as JSON.
    httplib::Params query;
    const size_t mark = request.target.find('?');
    if (mark != std::string::npos) {
      httplib::detail::parse_query_text(request.target.substr(mark + 1), query);
    }
    ApiRequest in{request.method, request.path, {query.begin(), query.end()}, request.body};
    ApiResponse out = api->handle(in);
    response.status = out.status;
    for (const auto& [name, value] : out.headers) response.set_header(name, value);
    response.set_content(std::move(out.body), out.content_type);
  };
  // Every path and method goes to the API, which does all routing (and answers 404 and 405).
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);
  // Responses the library makes itself (413, 400 for a malformed request, 414) get a JSON body.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const Json body = {{"error", status_text(response.status)}};
        response.set_content(body.dump(), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));

  if (config.port == 0) {
    impl_->port = http.bind_to_any_port(config.host);
  } else if (http.bind_to_port(config.host, config.port)) {
    impl_->port = config.port;
  }
  if (impl_->port <= 0) {
    throw IoError("cannot listen on " + config.host + ":" + std::to_string(config.port) +
                  " (address in use or not of this machine); try another --port or --host");
  }
}

Server::~Server() { stop(); }

int Server::port() const { return impl_->port; }

std::string Server::url() const {
  const std::string& host = impl_->config.host;
  const std::string shown = host == "0.0.0.0"                     ? "127.0.0.1"
                            : host.find(':') != std::string::npos ? "[" + host + "]"
                                                                  : host;
  return "http://" + shown + ":" + std::to_string(impl_->port) + "/";
}

void Server::serve() {
  impl_->serving = true;
  if (!impl_->stop_requested) impl_->http.listen_after_bind();
  impl_->serving = false;
}

// httplib's stop() does nothing before its loop runs, so a stop that comes while serve() is
// starting waits for the loop (or sees serve() give up on its own).
void Server::stop() {
  if (!impl_) return;
  impl_->stop_requested = true;
  while (impl_->serving && !impl_->http.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (impl_->serving) impl_->http.stop();
}

void run_serve(const ServeConfig& config, std::ostream& out) {
  Server server(config);
  out << "serving " << config.run_dir << " at " << server.url() << "  (Ctrl-C stops)" << std::endl;
  if (config.host != "127.0.0.1" && config.host != "localhost" && config.host != "::1") {
    DCGAN_WARN("--host " << config.host
                         << ": other machines can reach this server; it has no login");
  }
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done && !interrupt_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    server.stop();
  });
  server.serve();
  done = true;
  watcher.join();
  DCGAN_INFO("stopped serving " << config.run_dir);
}

}  // namespace dcgan::serve
