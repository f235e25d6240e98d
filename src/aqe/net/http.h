// aqe's one HTTP client, over libcurl, in the shape of exec/process.h: a request spec in, a
// response or a typed failure out. Timeouts, retries (the AWS SDKs' "standard" mode) and
// interruption are handled here, so callers (store/ for S3, the model-API engine) only decide
// what a failure kind means for their exit code.
//
// Guarantees:
// - A body streamed from or to a file is never held whole in memory; an upload file is re-opened
//   for every attempt, a download lands atomically (temp file + rename) or not at all, and a
//   download sink is told (begin) each time an attempt starts the body over.
// - Failure messages (and retry notices) never contain credentials, the SigV4 secret or the
//   values of Authorization / x-api-key / other secret headers, nor the URL's query or userinfo.
// - When aqe is interrupted (exec::interrupted()), a transfer or a backoff wait stops within
//   moments and the call fails with kInterrupted.
// - Redirects are not followed: a 3xx is a kPermanent failure, its Location in the headers.
// - Thread-safe: send() may run on several threads at once; libcurl is initialised once.
//
// Example, an S3 download whose failure becomes the command's exit code:
//   net::HttpRequest req;
//   req.url = "https://my-bucket.s3.eu-west-1.amazonaws.com/runs/42.json.zst";
//   req.download_to = cache_dir / "42.json.zst";
//   req.sigv4 = net::AwsSigV4{key_id, secret, session_token, "eu-west-1", "s3"};
//   req.timeouts.total = std::chrono::minutes(2);
//   if (auto r = net::send(req); !r) return net::to_error(r.failure());  // exit 4 when transient
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "aqe/util/exit_code.h"
#include "aqe/util/result.h"

namespace aqe::net {

enum class Method { kGet, kHead, kPost, kPut, kDelete };

std::string_view to_string(Method method);

// A header list whose names compare case-insensitively (RFC 9110); values keep their bytes and
// repeated names keep their order.
class HttpHeaders {
 public:
  void add(std::string name, std::string value);
  // The first value of `name`, nullopt when absent.
  std::optional<std::string_view> get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{10'000};  // DNS, TCP and TLS handshake, per attempt
  // Fails an attempt that moves no byte for this long once connected, including the wait for
  // the first response byte (checked about once a second; libcurl's low-speed limit of 1 byte/s
  // over this time backs it up). A model API's non-streamed answer can take minutes to start:
  // its caller sets this accordingly.
  std::chrono::seconds stall{30};
  // The whole call: every attempt and every backoff wait between them. nullopt = no limit. When
  // it ends the retries, the failure keeps the last attempt's kind (e.g. transient for a 503).
  std::optional<std::chrono::milliseconds> total;
  // With `total`, bytes per second the body must at least average: the request body's size /
  // this is added to `total`, and so is a response's Content-Length / this once it is known, so
  // a large transfer gets a limit in scale with its size and a trickle that beats `stall` is
  // still cut off. 0 = `total` is fixed.
  uint64_t min_bytes_per_second = 0;
};

// What a caller may log when send() is about to wait and try again.
struct RetryNotice {
  int failed_attempt = 0;  // 1-based
  std::chrono::milliseconds delay{0};
  long status = 0;      // the failed attempt's HTTP status, 0 = none
  std::string message;  // redacted like HttpFailure::message
};

// Retries as the AWS SDKs' "standard" mode does: capped exponential backoff with full jitter,
// a longer base for throttling, Retry-After honoured. Only transient, throttled and timed-out
// attempts are retried (see FailureKind).
struct RetryPolicy {
  int max_attempts = 3;  // 1 = no retry
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds throttled_base_delay{1000};  // 429, 503 SlowDown, 529
  std::chrono::milliseconds max_delay{20'000};
  // A Retry-After longer than this is not waited for: the call fails (throttled) at once, so a
  // CI job is not parked for an hour; the pipeline's retry on exit 4 can come back later.
  std::chrono::seconds max_retry_after{60};

  // Injection points, for tests; empty = the real ones.
  // Waits `delay`; returns false when aqe was interrupted meanwhile.
  std::function<bool(std::chrono::milliseconds delay)> sleep;
  std::function<double()> random;                              // uniform in [0, 1)
  std::function<std::chrono::system_clock::time_point()> now;  // for Retry-After HTTP-dates
  std::function<void(const RetryNotice&)> on_retry;            // e.g. for a debug log line
};

// AWS Signature V4, computed by libcurl (CURLOPT_AWS_SIGV4). Credentials are passed in; this
// module never reads them from the environment or files.
struct AwsSigV4 {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional; sent and signed as x-amz-security-token
  std::string region;         // e.g. "eu-west-1"
  std::string service = "s3";
  // The payload hash is the x-amz-content-sha256 header's value when the request has one. For
  // service "s3" without it, send() adds the empty-body hash, or UNSIGNED-PAYLOAD for a body.
  // Other services: libcurl hashes an in-memory body; give the header for a file body.
};

struct HttpRequest {
  Method method = Method::kGet;
  std::string url;  // http:// or https:// only
  std::vector<std::pair<std::string, std::string>> headers;
  // The request body, sent with a Content-Length. Used unless `upload_from` is set. Without a
  // Content-Type header, a non-empty body goes as application/octet-stream.
  std::string body;
  // Streams the body from this file (its size read when each attempt opens it).
  std::filesystem::path upload_from;
  // With upload_from: only these bytes of the file are the body (a multipart upload's part).
  struct ByteRange {
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  std::optional<ByteRange> upload_range;
  // A 2xx response body is written here (temp file beside it, renamed when complete) instead
  // of into HttpResponse::body. Error bodies still go to memory, for HttpFailure::body.
  std::filesystem::path download_to;
  // Instead of download_to: a 2xx body is handed to `write` chunk by chunk as it arrives, after
  // `begin`, which is called again when a retried attempt starts the body over (and for an empty
  // body). Either returning false stops the call (kPermanent); the receiver keeps why.
  struct DownloadSink {
    std::function<bool()> begin;
    std::function<bool(const char* data, size_t len)> write;
  };
  std::optional<DownloadSink> download_sink;
  // Cap on a body kept in memory: a 2xx body beyond it fails the call (kPermanent); an error
  // body beyond it is truncated.
  size_t max_body_bytes = 16 * 1024 * 1024;
  HttpTimeouts timeouts;
  RetryPolicy retry;
  std::optional<AwsSigV4> sigv4;
};

struct HttpResponse {
  long status = 0;  // 2xx
  HttpHeaders headers;
  std::string body;  // empty when download_to or download_sink was set
  int attempts = 0;
};

// Why a call failed, chosen so a caller maps it straight to an exit code (exit_code_for()).
enum class FailureKind {
  kPermanent,    // retrying cannot help: a 4xx other than those below, an unexpected 3xx/5xx,
                 // a bad URL, a TLS verification failure, a local file error, a body too large
  kAuth,         // 401 or 403: credentials missing, wrong, expired or without permission
  kThrottled,    // 429, 503 SlowDown or 529, still after the retries
  kTimeout,      // connect, stall or total timeout, or 408, still after the retries
  kTransient,    // connection refused/reset, DNS failure, 500/502/503/504, after the retries
  kInterrupted,  // aqe was interrupted (SIGINT/SIGTERM)
};

std::string_view to_string(FailureKind kind);

struct HttpFailure {
  FailureKind kind = FailureKind::kPermanent;
  long status = 0;      // the last attempt's HTTP status; 0 = no response
  std::string message;  // e.g. "GET https://host/path: HTTP 404 (1 attempt)"; redacted
  HttpHeaders headers;  // the last response's headers, if any
  std::string body;     // the last error response's body (e.g. S3's XML error), capped
  int attempts = 0;
};

// A response or a failure, like aqe::Result but with a typed failure.
class HttpResult {
 public:
  HttpResult(HttpResponse response) : v_(std::move(response)) {}  // NOLINT(google-explicit-constructor)
  HttpResult(HttpFailure failure) : v_(std::move(failure)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  HttpResponse& value() { return std::get<0>(v_); }
  const HttpResponse& value() const { return std::get<0>(v_); }
  HttpResponse* operator->() { return &value(); }
  const HttpResponse* operator->() const { return &value(); }
  const HttpFailure& failure() const { return std::get<1>(v_); }
  HttpFailure& failure() { return std::get<1>(v_); }

 private:
  std::variant<HttpResponse, HttpFailure> v_;
};

// Sends the request, retrying per request.retry. Blocks until a 2xx response, a failure that is
// not retried, the last attempt, the total timeout or an interrupt.
HttpResult send(const HttpRequest& request);

// The product's exit codes: throttled, timeout and transient are safe to retry (4); interrupted
// is 130; auth and permanent are the caller's input or configuration at fault (3).
ExitCode exit_code_for(FailureKind kind);
// As an aqe::Error with code "HTTP_<KIND>" (e.g. "HTTP_TRANSIENT") and that exit code.
Error to_error(const HttpFailure& failure);

}  // namespace aqe::net
