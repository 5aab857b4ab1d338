// `dcgan serve RUN`: the HTTP server (cpp-httplib) in front of api.h. It binds at construction
// (so a taken port is an error before anything is printed), serves on a pool of threads until
// stop(), and answers every request through Api::handle; connections the library refuses
// itself (a body over the limit, a malformed request) get the same {"error": ...} bodies.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include "dcgan/serve/serve_config.h"

namespace dcgan::serve {

class Server {
 public:
  // Validates the config, sets the compute threads and binds; throws ConfigError or IoError
  // (the address cannot be bound: port taken, unknown host).
  explicit Server(const ServeConfig& config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  // http://HOST:PORT/ (an IPv6 host in brackets).
  std::string url() const;
  // Serves until stop() is called (from another thread or a signal watcher).
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The command: binds, prints "serving RUN at URL" to `out`, serves until SIGINT/SIGTERM, then
// returns normally (the server is stopped in an orderly way; nothing is left to save).
void run_serve(const ServeConfig& config, std::ostream& out);

}  // namespace dcgan::serve
