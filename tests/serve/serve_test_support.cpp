// Serve test helpers; see serve_test_support.h.
#include "serve/serve_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <opencv2/imgcodecs.hpp>
#include <regex>

#include "apps/cli_test_support.h"

namespace dcgan::testing {

ServeProcess::ServeProcess(const std::string& run, const std::string& log_path,
                           const std::string& extra_flags) {
  child_ = std::make_unique<ChildProcess>(
      dcgan_shell_argv("serve " + shell_quote(run) + " --port 0 --threads 1 " + extra_flags),
      log_path);
  const std::regex serving("serving .* at http://127\\.0\\.0\\.1:([0-9]+)/");
  std::smatch match;
  const bool up = child_->wait_until(
      [&] {
        const std::string text = child_->log();
        if (!std::regex_search(text, match, serving)) return false;
        port_ = std::stoi(match[1].str());
        return true;
      },
      std::chrono::seconds(120));
  EXPECT_TRUE(up) << "dcgan serve did not start: " << child_->log();
}

std::unique_ptr<httplib::Client> ServeProcess::client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client->set_connection_timeout(10, 0);
  client->set_read_timeout(120, 0);
  client->set_write_timeout(60, 0);
  return client;
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

bool still_open(int fd) {
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return true;
  if (n == 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

RawResponse raw_request(int port, const std::string& request) {
  RawResponse response;
  const int fd = connect_loopback(port);
  if (fd < 0) return response;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string all;
  char buffer[65536];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) all.append(buffer, n);
  ::close(fd);
  const size_t end = all.find("\r\n\r\n");
  if (all.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return response;
  response.status = std::atoi(all.c_str() + 9);
  response.headers = all.substr(0, end);
  response.body = all.substr(end + 4);
  return response;
}

RawResponse raw_get(int port, const std::string& target) {
  return raw_request(port,
                     "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

cv::Mat decode_png(const std::string& body) {
  if (body.size() < 8 || body.compare(1, 3, "PNG") != 0) return {};
  const std::vector<unsigned char> bytes(body.begin(), body.end());
  return cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
}

}  // namespace dcgan::testing
