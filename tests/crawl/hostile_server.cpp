// The raw-socket loopback server; see hostile_server.h.
#include "hostile_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>

namespace dcgan::crawl::hostile {

std::string response_head(int status, const std::vector<std::string>& headers) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const std::string& header : headers) head += header + "\r\n";
  return head + "Connection: close\r\n\r\n";
}

std::string Connection::query(const std::string& name) const {
  const size_t question = target_.find('?');
  if (question == std::string::npos) return "";
  const std::string query = "&" + target_.substr(question + 1) + "&";
  const size_t at = query.find("&" + name + "=");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 2;
  return query.substr(start, query.find('&', start) - start);
}

bool Connection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    if (server_.stopping_) return false;
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool Connection::pause(int ms) {
  std::unique_lock<std::mutex> lock(server_.mutex_);
  return !server_.wake_.wait_for(lock, std::chrono::milliseconds(ms),
                                 [&] { return server_.stopping_.load(); });
}

HostileServer::HostileServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket() failed");
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

HostileServer::~HostileServer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (int fd : live_fds_) ::shutdown(fd, SHUT_RDWR);  // unblocks sends and reads
  }
  wake_.notify_all();
  acceptor_.join();
  for (std::thread& t : threads_) t.join();
  ::close(listen_fd_);
}

void HostileServer::route(const std::string& path, Handler handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  routes_[path] = std::move(handler);
}

int64_t HostileServer::requests(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = requests_.find(path);
  return it == requests_.end() ? 0 : it->second;
}

void HostileServer::accept_loop() {
  while (!stopping_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ::close(fd);
      break;
    }
    live_fds_.insert(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void HostileServer::serve(int fd) {
  // The request head, up to its blank line (requests from the crawler are small).
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    request.append(buffer, static_cast<size_t>(n));
  }
  const size_t first_space = request.find(' ');
  const size_t second_space = request.find(' ', first_space + 1);
  if (first_space != std::string::npos && second_space != std::string::npos) {
    std::string target = request.substr(first_space + 1, second_space - first_space - 1);
    const std::string path = target.substr(0, target.find('?'));
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++requests_[path];
      auto it = routes_.find(path);
      if (it != routes_.end()) handler = it->second;
    }
    Connection connection(*this, fd, std::move(target));
    if (handler) {
      handler(connection);
    } else {
      connection.send(response_head(404, {"Content-Length: 0"}));
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  live_fds_.erase(fd);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

}  // namespace dcgan::crawl::hostile
