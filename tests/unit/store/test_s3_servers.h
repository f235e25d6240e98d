// The two S3 servers the store tests run against, started on 127.0.0.1 with a free port and
// stopped (their process group killed) when the object goes away:
// - s3rver (npm, installed by scripts/install-deps.sh into build/deps/npm): a full S3 emulation
//   that checks signatures against its built-in S3RVER/S3RVER account;
// - tests/servers/s3_fault_server.py (Debian's python3-botocore): verifies SigV4 with botocore's
//   signer and injects faults on request.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "aqe/exec/process.h"
#include "aqe/net/http.h"
#include "aqe/util/fs.h"

namespace aqe::testing {

inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

inline bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// One server process; `error` says why it is not running.
class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess() { stop(); }

  void stop() {
    if (process_) {
      process_->kill_group(std::chrono::milliseconds(500));
      process_->wait();
      process_.reset();
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  bool running() const { return process_.has_value() && port_ > 0; }
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& error() const { return error_; }

 protected:
  bool start(exec::ProcessSpec spec) {
    spec.capture_stdout = false;
    spec.capture_stderr = false;
    spec.timeout = std::chrono::minutes(30);  // a backstop: the destructor stops it first
    auto p = exec::Process::start(spec);
    if (!p) {
      error_ = "cannot start " + spec.argv[0] + ": " + p.error().message;
      return false;
    }
    process_.emplace(std::move(*p));
    return true;
  }

  bool wait_until(const std::function<bool()>& ready, const std::string& what) {
    for (int i = 0; i < 300; ++i) {
      if (ready()) return true;
      if (process_->poll()) {
        error_ = what + " exited before it was ready";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    error_ = what + " was not ready within 15 s";
    return false;
  }

  std::optional<exec::Process> process_;
  std::filesystem::path dir_;
  int port_ = 0;
  std::string error_;
};

class S3rverProcess : public ServerProcess {
 public:
  static constexpr const char* kBucket = "aqe-test";
  static constexpr const char* kKey = "S3RVER";  // s3rver's built-in account: id and secret

  S3rverProcess() {
    const std::filesystem::path script =
        std::filesystem::path(AQE_SOURCE_DIR) / "build/deps/npm/node_modules/s3rver/bin/s3rver.js";
    if (!std::filesystem::exists(script)) {
      error_ = "s3rver is not installed (" + script.string() + " missing): run bash scripts/install-deps.sh";
      return;
    }
    // AQE_NODE, then node on PATH, then Debian's /usr/bin/node.
    std::string node = std::getenv("AQE_NODE") ? std::getenv("AQE_NODE") : exec::find_executable("node");
    if (node.empty() && std::filesystem::exists("/usr/bin/node")) node = "/usr/bin/node";
    if (node.empty()) {
      error_ = "node not found (set AQE_NODE or install nodejs): s3rver cannot run";
      return;
    }
    auto dir = make_temp_dir("aqe-s3rver");
    if (!dir) {
      error_ = dir.error().message;
      return;
    }
    dir_ = *dir;
    // The port is free when chosen but another process may take it first: then try another.
    for (int attempt = 0; attempt < 3 && port_ == 0; ++attempt) {
      const int port = free_loopback_port();
      exec::ProcessSpec spec;
      // s3rver's continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider.
      spec.argv = {node,
                   "--openssl-legacy-provider",
                   script.string(),
                   "--address",
                   "127.0.0.1",
                   "--port",
                   std::to_string(port),
                   "--silent",
                   "--directory",
                   dir_.string(),
                   "--configure-bucket",
                   kBucket};
      process_.reset();
      if (!start(spec)) return;
      if (wait_until([&] { return accepts_connections(port); }, "s3rver")) port_ = port;
    }
  }
};

class FaultServerProcess : public ServerProcess {
 public:
  static constexpr const char* kBucket = "aqe-faults";
  static constexpr const char* kAccessKey = "AKIDAQETEST";
  static constexpr const char* kSecret = "aqe/Test+Secret/Key0123456789abcdefghij";
  static constexpr const char* kRegion = "eu-west-3";

  FaultServerProcess() {
    auto dir = make_temp_dir("aqe-fault-s3");
    if (!dir) {
      error_ = dir.error().message;
      return;
    }
    dir_ = *dir;
    const std::filesystem::path port_file = dir_ / "port";
    exec::ProcessSpec spec;
    spec.argv = {"/usr/bin/python3",
                 (std::filesystem::path(AQE_SOURCE_DIR) / "tests/servers/s3_fault_server.py").string(),
                 "--port-file",
                 port_file.string(),
                 "--bucket",
                 kBucket,
                 "--access-key",
                 kAccessKey,
                 "--secret-key",
                 kSecret,
                 "--region",
                 kRegion};
    if (!start(spec)) return;
    int port = 0;
    const bool ready = wait_until(
        [&] {
          auto text = read_file(port_file);
          if (text) port = std::atoi(text->c_str());
          return port > 0;
        },
        "s3_fault_server.py (needs python3-botocore: bash scripts/install-deps.sh)");
    if (ready) port_ = port;
  }

  // The control endpoints (unsigned).
  nlohmann::json control(net::Method method, const std::string& path, const nlohmann::json& body = {}) const {
    net::HttpRequest req;
    req.method = method;
    req.url = endpoint() + path;
    if (!body.is_null()) req.body = body.dump();
    req.retry.max_attempts = 1;
    auto r = net::send(req);
    if (!r) return nlohmann::json{{"error", r.failure().message}};
    return nlohmann::json::parse(r->body, nullptr, false);
  }
  void reset() const { control(net::Method::kPost, "/__reset__", nlohmann::json::object()); }
  void inject(const nlohmann::json& fault) const { control(net::Method::kPost, "/__fault__", fault); }
  nlohmann::json state() const { return control(net::Method::kGet, "/__state__"); }
};

}  // namespace aqe::testing
