// Helpers for the `dcgan serve` tests: the real server as a child process on an ephemeral
// loopback port (its URL read from what it prints), raw HTTP/1.1 requests over a socket (the
// request target sent byte for byte, as an attacker would, with no client normalising it), and
// PNG bodies decoded for pixel comparisons.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace dcgan::testing {

// `dcgan serve RUN --port 0 --threads 1 <extra>` in the background; the constructor waits (at
// most 120 s) for its "serving ... at URL" line and fails the test if it never comes.
class ServeProcess {
 public:
  ServeProcess(const std::string& run, const std::string& log_path,
               const std::string& extra_flags = "");
  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  // A fresh client (each thread makes its own); generous timeouts.
  std::unique_ptr<httplib::Client> client() const;
  ChildProcess& process() { return *child_; }
  std::string log() const { return child_->log(); }

 private:
  std::unique_ptr<ChildProcess> child_;
  int port_ = -1;
};

struct RawResponse {
  int status = 0;  // 0: no parsable status line
  std::string headers;
  std::string body;
};

// Sends `request` (a whole HTTP request, CRLFs included) to 127.0.0.1:port and reads until the
// server closes the connection.
RawResponse raw_request(int port, const std::string& request);
// "GET <target> HTTP/1.1" with Host and Connection: close.
RawResponse raw_get(int port, const std::string& target);

// A connected TCP socket to 127.0.0.1:port (-1 on failure); the caller closes it.
int connect_loopback(int port);
// True while the peer has not closed `fd` (nothing to read yet, or data waiting).
bool still_open(int fd);

// The image a PNG body decodes to (BGR); empty when it is not one.
cv::Mat decode_png(const std::string& body);

}  // namespace dcgan::testing
