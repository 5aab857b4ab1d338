// A loopback HTTP server on raw sockets for the hostile-server tests: it misbehaves in the ways
// cpp-httplib will not. A handler per path writes whatever bytes it likes, when it likes: a
// Content-Length that lies, headers cut off or a megabyte long, a body that drips or never
// ends. One thread per connection; each connection is closed after one response. Stopping
// wakes every handler (its sends and pauses fail), so no test waits on a hung handler.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace dcgan::crawl::hostile {

class HostileServer;

// One accepted connection, as a handler sees it.
class Connection {
 public:
  const std::string& target() const { return target_; }  // path and query, as requested
  // The value of a query parameter ("" when absent).
  std::string query(const std::string& name) const;
  // Writes all of `bytes`; false once the client has gone or the server is stopping.
  bool send(std::string_view bytes);
  // Waits `ms`; false at once when the server stops.
  bool pause(int ms);

 private:
  friend class HostileServer;
  Connection(HostileServer& server, int fd, std::string target)
      : server_(server), fd_(fd), target_(std::move(target)) {}
  HostileServer& server_;
  int fd_;
  std::string target_;
};

using Handler = std::function<void(Connection&)>;

// "HTTP/1.1 <status> X\r\n" + each header + "\r\n", then "Connection: close" and the blank line.
std::string response_head(int status, const std::vector<std::string>& headers = {});

class HostileServer {
 public:
  HostileServer();  // listens on 127.0.0.1, an ephemeral port
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  // Serves `path` (without the query) with `handler`; other paths get a 404.
  void route(const std::string& path, Handler handler);
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int64_t requests(const std::string& path) const;  // requests made for `path` so far

 private:
  friend class Connection;
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Handler> routes_;
  std::map<std::string, int64_t> requests_;
  std::set<int> live_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace dcgan::crawl::hostile
