// Object storage behind one narrow interface, the way ccache's remote storage is built: a
// backend puts, gets, lists and removes objects by key, and every call returns a value or a
// typed StoreFailure whose kind alone decides the exit code (exit_code_for). One file per
// backend: local.cc (a directory) and s3.cc (S3 and S3-compatible servers, over net/).
//
// Example, storing a file and turning a failure into the command's exit code:
//   auto backend = store::make_local_backend(".aqe/artifacts");
//   if (auto r = backend->put("runs/42.json", run_file); !r) return store::to_error(r.failure());
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "aqe/net/http.h"
#include "aqe/util/exit_code.h"
#include "aqe/util/result.h"

namespace aqe::store {

enum class FailureKind {
  kNotFound,     // no object (or artifact) under that key
  kTransient,    // network error, 5xx, throttling or timeout, still after the retries: retry later
  kPermanent,    // retrying cannot help: bad key, missing bucket, local file error, bad answer
  kAuth,         // credentials missing, wrong, expired or without permission
  kExists,       // the key is taken and replacing it was not asked for
  kCorrupt,      // stored bytes do not match their recorded size or sha256
  kInterrupted,  // aqe was interrupted (SIGINT/SIGTERM)
};

std::string_view to_string(FailureKind kind);

struct StoreFailure {
  FailureKind kind = FailureKind::kPermanent;
  std::string message;  // names the key and the backend; never a credential
};

// The one place a failure kind becomes an exit code: transient 4 (safe to retry), interrupted
// 130, everything else 3 (the key, the configuration, the credentials or the stored data are
// at fault, and the same call would fail again).
ExitCode exit_code_for(FailureKind kind);
// As an aqe::Error with code "STORE_<KIND>" (e.g. "STORE_AUTH") and that exit code.
Error to_error(const StoreFailure& failure);

template <typename T>
class StoreResult {
 public:
  StoreResult(T value) : v_(std::move(value)) {}                 // NOLINT(google-explicit-constructor)
  StoreResult(StoreFailure failure) : v_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const StoreFailure& failure() const { return std::get<1>(v_); }
  StoreFailure& failure() { return std::get<1>(v_); }

 private:
  std::variant<T, StoreFailure> v_;
};

using StoreStatus = StoreResult<Unit>;
inline StoreStatus stored() { return Unit{}; }
inline StoreFailure store_failure(FailureKind kind, std::string message) {
  return StoreFailure{kind, std::move(message)};
}

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

enum class PutMode {
  kReplace,   // an object already under the key is replaced
  kIfAbsent,  // fails kExists when the key is taken (atomic where the backend can do it)
};

// Receives an object's bytes in order as Backend::get_into() reads them. A download retried
// after a broken connection starts over: begin() comes before the first byte of every attempt,
// and the sink drops what it had received.
class ObjectSink {
 public:
  virtual ~ObjectSink() = default;
  // false stops the read; the sink keeps why.
  virtual bool begin() = 0;
  virtual bool write(const char* data, size_t len) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Uploads the file's bytes under `key`. Readers see the old object or the new one, never a
  // part of it.
  virtual StoreStatus put(std::string_view key, const std::filesystem::path& file,
                          PutMode mode = PutMode::kReplace) = 0;
  // Downloads the object to `dest`, atomically (temp file beside it + rename) or not at all.
  virtual StoreStatus get(std::string_view key, const std::filesystem::path& dest) = 0;
  // Hands the object's bytes to `sink` as they are read, so a caller that hashes or decodes them
  // reads them once. A sink that stops the read makes this fail; the sink knows why.
  virtual StoreStatus get_into(std::string_view key, ObjectSink& sink) = 0;
  // Every object whose key starts with `prefix`, sorted by key.
  virtual StoreResult<std::vector<ObjectInfo>> list(std::string_view prefix) = 0;
  // Removes the object; removing a key that does not exist succeeds (as on S3).
  virtual StoreStatus remove(std::string_view key) = 0;
  // For messages: "local:/path" or "s3://bucket".
  virtual std::string name() const = 0;
};

// Keys are '/'-separated and relative: not empty, at most 1024 bytes, no NUL or other control
// character, no leading '/', no empty, "." or ".." segment, no backslash.
StoreStatus validate_key(std::string_view key);

// Objects are files under `root`; keys are their paths relative to it. Temp files of writes in
// progress are hidden from list().
std::unique_ptr<Backend> make_local_backend(std::filesystem::path root);

// Credentials are values: the caller reads them (from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN only); the backend never logs or prints them.
struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional
};

// The three variables from `getenv` (std::getenv in production); fails kAuth naming the
// missing variable.
StoreResult<S3Credentials> s3_credentials_from_env(const std::function<const char*(const char*)>& getenv);

// Every S3 request is bounded as a whole, not only by net/'s connect and stall limits: at most
// kS3RequestFloor plus its body's size at kS3MinBytesPerSecond (a 200 MB PUT: 60 s + 200 s),
// retries and their waits included. A server that trickles bytes just fast enough to beat the
// stall limit is cut off too, and the call fails transient (exit 4).
inline constexpr std::chrono::seconds kS3RequestFloor{60};
inline constexpr uint64_t kS3MinBytesPerSecond = 1ULL << 20;
net::HttpTimeouts s3_default_timeouts();

struct S3Options {
  std::string bucket;
  std::string region = "us-east-1";
  // An S3-compatible server ("http://127.0.0.1:9000"); empty = AWS (https://s3.<region>.amazonaws.com).
  std::string endpoint_url;
  // <endpoint>/<bucket>/<key> instead of <bucket>.<endpoint host>/<key>.
  bool force_path_style = false;
  S3Credentials credentials;
  // Files larger than this go up as a multipart upload.
  uint64_t multipart_threshold = 64ULL << 20;
  // The part size of a multipart upload, kept within [5 MiB (S3's minimum), 64 MiB] and grown
  // when the file would need more than 10,000 parts.
  uint64_t part_size = 8ULL << 20;
  // Parts of one multipart upload in flight at once, each on its own connection (1-16; 1 = one
  // after another). Parts are streamed from the file, so memory does not grow with it.
  int part_concurrency = 4;
  // Keys per ListObjectsV2 page (S3's maximum is 1000).
  int list_page_size = 1000;
  net::HttpTimeouts timeouts = s3_default_timeouts();
  net::RetryPolicy retry;
};

std::unique_ptr<Backend> make_s3_backend(S3Options options);

}  // namespace aqe::store
