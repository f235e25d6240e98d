// A scripted HTTP/1.1 server for the net/ unit tests: one thread, a socket on 127.0.0.1 with a
// port the kernel picks, one connection at a time and one request per connection (every answer
// says "Connection: close"). It records each request it received and stops with the test.
// Header-only: the unit-test build compiles only *_test.cc files.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace aqe::testing {

struct ScriptedResponse {
  ScriptedResponse() = default;
  ScriptedResponse(int status_code, std::vector<std::pair<std::string, std::string>> response_headers = {},
                   std::string response_body = {})
      : status(status_code), headers(std::move(response_headers)), body(std::move(response_body)) {}

  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool stall = false;  // after what is sent (nothing, unless cut_body_at), wait for the client to give up
  // Sends the head (with the full Content-Length) and only this many body bytes, then closes
  // (or stalls): a transfer broken off midway.
  std::optional<size_t> cut_body_at;
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (std::equal(n.begin(), n.end(), name.begin(), name.end(),
                     [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return std::nullopt;
  }
};

// A 127.0.0.1 port that is bound but not listening: connecting to it is refused, and nothing
// else can take it while this lives.
class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot bind 127.0.0.1:0");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() { ::close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  int fd_;
  int port_ = 0;
};

class TestHttpServer {
 public:
  // The n-th request gets script[n]; requests past its end get the last entry.
  explicit TestHttpServer(std::vector<ScriptedResponse> script) : script_(std::move(script)) {
    if (script_.empty()) script_.push_back({});
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::pipe2(stop_, O_CLOEXEC) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1:0");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~TestHttpServer() {
    const char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(stop_[1], &byte, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  std::vector<ReceivedRequest> requests() const {
    const std::lock_guard lock(mu_);
    return received_;
  }
  size_t request_count() const {
    const std::lock_guard lock(mu_);
    return received_.size();
  }

 private:
  // Waits until `fd` is readable; false when the server is stopping.
  bool wait_readable(int fd) const {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    while (::poll(fds, 2, -1) < 0) {
    }
    return (fds[1].revents & POLLIN) == 0;
  }

  void serve() {
    while (wait_readable(listen_fd_)) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      handle(client);
      ::close(client);
    }
  }

  static void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;  // the client went away (e.g. it aborted over the size cap)
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads more into `buf`; false on end of stream, error or stop.
  bool read_more(int fd, std::string& buf) const {
    if (!wait_readable(fd)) return false;
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
    return true;
  }

  void handle(int fd) {
    std::string buf;
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more(fd, buf)) return;
    }
    ReceivedRequest req = parse_head(std::string_view(buf).substr(0, head_end));
    buf.erase(0, head_end + 4);
    const size_t length = std::strtoul(req.header("Content-Length").value_or("0").c_str(), nullptr, 10);
    if (length > 0 && buf.size() < length && req.header("Expect").value_or("") == "100-continue") {
      send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    while (buf.size() < length) {
      if (!read_more(fd, buf)) break;
    }
    req.body = buf.substr(0, length);
    const bool head = req.method == "HEAD";
    ScriptedResponse response;
    {
      const std::lock_guard lock(mu_);
      response = script_[std::min(received_.size(), script_.size() - 1)];
      received_.push_back(std::move(req));
    }
    if (!response.stall || response.cut_body_at) {
      std::string out = "HTTP/1.1 " + std::to_string(response.status) + " Scripted\r\n";
      for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
      out += "Content-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n";
      if (!head) out += response.body.substr(0, response.cut_body_at.value_or(response.body.size()));
      send_all(fd, out);
    }
    if (response.stall) {
      std::string ignored;
      while (read_more(fd, ignored)) {
      }
    }
  }

  static ReceivedRequest parse_head(std::string_view head) {
    ReceivedRequest req;
    size_t line_end = head.find("\r\n");
    const std::string_view request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    req.method = std::string(request_line.substr(0, sp1));
    req.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    while (line_end != std::string_view::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string_view line =
          head.substr(start, line_end == std::string_view::npos ? head.npos : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      req.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return req;
  }

  std::vector<ScriptedResponse> script_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> received_;
};

}  // namespace aqe::testing
