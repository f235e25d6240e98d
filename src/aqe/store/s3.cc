// The S3 backend: S3's REST API over net/ (libcurl signs with SigV4), for AWS and for
// S3-compatible servers (MinIO, R2, Ceph). Only headers S3 requires are sent: no checksum
// headers (x-amz-checksum-*, Content-MD5), which several compatible servers reject.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <pugixml.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "aqe/store/store.h"

namespace aqe::store {
namespace {

constexpr uint64_t kMinPart = 5ULL << 20;   // S3 refuses smaller parts (but the last)
constexpr uint64_t kMaxPart = 64ULL << 20;  // keeps a retried part cheap
constexpr uint64_t kMaxParts = 10'000;      // S3's limit

// RFC 3986 unreserved characters stay, everything else is %XX: the encoding SigV4's canonical
// request uses, so the URL sent is already canonical. '/' stays in paths, not in query values.
std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

// A query string as SigV4 canonicalises it: sorted by name, every pair "name=value" (libcurl
// 7.88 signs the query as given, so it must already be in canonical form).
std::string query_string(std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string q;
  for (const auto& [k, v] : params) {
    q += q.empty() ? "?" : "&";
    q += uri_encode(k, false) + "=" + uri_encode(v, false);
  }
  return q;
}

std::string xml_text(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

struct S3Error {
  std::string code;
  std::string message;
};

S3Error parse_error(const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return {};
  const pugi::xml_node e = doc.child("Error");
  return {xml_text(e, "Code"), xml_text(e, "Message")};
}

std::string replace_all(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "[redacted]");
  }
  return text;
}

class S3Backend final : public Backend {
 public:
  explicit S3Backend(S3Options options) : o_(std::move(options)) {
    o_.part_size = std::clamp(o_.part_size, kMinPart, kMaxPart);
    o_.list_page_size = std::clamp(o_.list_page_size, 1, 1000);
    o_.part_concurrency = std::clamp(o_.part_concurrency, 1, 16);
    if (o_.endpoint_url.empty()) o_.endpoint_url = "https://s3." + o_.region + ".amazonaws.com";
    while (!o_.endpoint_url.empty() && o_.endpoint_url.back() == '/') o_.endpoint_url.pop_back();
  }

  StoreStatus put(std::string_view key, const std::filesystem::path& file, PutMode mode) override {
    if (auto v = validate_key(key); !v) return v;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      return store_failure(FailureKind::kPermanent,
                           "cannot read " + file.string() + ": " + std::strerror(errno));
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size > o_.multipart_threshold) return put_multipart(key, file, size, mode);
    net::HttpRequest req = request(net::Method::kPut, object_url(key));
    req.upload_from = file;
    if (mode == PutMode::kIfAbsent) req.headers.emplace_back("If-None-Match", "*");
    auto r = net::send(req);
    if (!r) return failure_of(r.failure(), key);
    return stored();
  }

  StoreStatus get(std::string_view key, const std::filesystem::path& dest) override {
    if (auto v = validate_key(key); !v) return v;
    net::HttpRequest req = request(net::Method::kGet, object_url(key));
    req.download_to = dest;
    auto r = net::send(req);
    if (!r) return failure_of(r.failure(), key);
    return stored();
  }

  StoreStatus get_into(std::string_view key, ObjectSink& sink) override {
    if (auto v = validate_key(key); !v) return v;
    net::HttpRequest req = request(net::Method::kGet, object_url(key));
    req.download_sink = net::HttpRequest::DownloadSink{
        [&sink] { return sink.begin(); },
        [&sink](const char* data, size_t len) { return sink.write(data, len); }};
    auto r = net::send(req);
    if (!r) return failure_of(r.failure(), key);
    return stored();
  }

  StoreResult<std::vector<ObjectInfo>> list(std::string_view prefix) override {
    std::vector<ObjectInfo> objects;
    std::string token;
    for (;;) {
      std::vector<std::pair<std::string, std::string>> params = {
          {"list-type", "2"},
          {"max-keys", std::to_string(o_.list_page_size)},
          {"prefix", std::string(prefix)}};
      if (!token.empty()) params.emplace_back("continuation-token", token);
      auto r = net::send(request(net::Method::kGet, bucket_url() + query_string(params)));
      if (!r) return failure_of(r.failure(), prefix);
      pugi::xml_document doc;
      const pugi::xml_node root =
          doc.load_buffer(r->body.data(), r->body.size()) ? doc.child("ListBucketResult") : pugi::xml_node();
      if (!root) {
        return store_failure(FailureKind::kPermanent, name() + ": listing '" + std::string(prefix) +
                                                          "': the answer is not a ListBucketResult");
      }
      for (const pugi::xml_node c : root.children("Contents")) {
        objects.push_back(ObjectInfo{xml_text(c, "Key"), c.child("Size").text().as_ullong()});
      }
      const bool truncated = std::string_view(root.child("IsTruncated").text().as_string()) == "true";
      token = xml_text(root, "NextContinuationToken");
      if (!truncated) break;
      if (token.empty()) {
        return store_failure(FailureKind::kPermanent,
                             name() + ": a truncated listing without NextContinuationToken");
      }
    }
    std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return objects;
  }

  StoreStatus remove(std::string_view key) override {
    if (auto v = validate_key(key); !v) return v;
    auto r = net::send(request(net::Method::kDelete, object_url(key)));
    if (!r && r.failure().status != 404) return failure_of(r.failure(), key);
    return stored();
  }

  std::string name() const override { return "s3://" + o_.bucket; }

 private:
  // <endpoint>/<bucket> in path style, <scheme>://<bucket>.<host> otherwise.
  std::string bucket_url() const {
    if (o_.force_path_style) return o_.endpoint_url + "/" + uri_encode(o_.bucket, false);
    const size_t scheme_end = o_.endpoint_url.find("://");
    const size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    return o_.endpoint_url.substr(0, host_start) + o_.bucket + "." + o_.endpoint_url.substr(host_start);
  }

  std::string object_url(std::string_view key) const { return bucket_url() + "/" + uri_encode(key, true); }

  net::HttpRequest request(net::Method method, std::string url) const {
    net::HttpRequest req;
    req.method = method;
    req.url = std::move(url);
    req.sigv4 = net::AwsSigV4{o_.credentials.access_key_id, o_.credentials.secret_access_key,
                              o_.credentials.session_token, o_.region, "s3"};
    req.timeouts = o_.timeouts;
    req.retry = o_.retry;
    return req;
  }

  // What a failed call means for the caller, with S3's own error code when it sent one.
  StoreFailure failure_of(const net::HttpFailure& f, std::string_view key) const {
    const S3Error e = parse_error(f.body);
    const std::string what =
        name() + ": " + std::string(key) + ": " +
        (e.code.empty() ? "" : e.code + (e.message.empty() ? "" : " (" + e.message + ")") + ": ");
    auto make = [&](FailureKind kind, const std::string& text) {
      std::string m = replace_all(text, o_.credentials.secret_access_key);
      return store_failure(kind, replace_all(std::move(m), o_.credentials.session_token));
    };
    if (f.status == 404 || e.code == "NoSuchKey") {
      if (e.code == "NoSuchBucket")
        return make(FailureKind::kPermanent, what + "the bucket does not exist; " + f.message);
      return make(FailureKind::kNotFound, what + f.message);
    }
    if (f.status == 412 || e.code == "PreconditionFailed") {
      return make(FailureKind::kExists, name() + ": " + std::string(key) + " already exists");
    }
    static const char* const kAuthCodes[] = {"SignatureDoesNotMatch",
                                             "InvalidAccessKeyId",
                                             "AccessDenied",
                                             "ExpiredToken",
                                             "InvalidToken",
                                             "TokenRefreshRequired",
                                             "AuthorizationHeaderMalformed"};
    const bool auth_code =
        std::find(std::begin(kAuthCodes), std::end(kAuthCodes), e.code) != std::end(kAuthCodes);
    switch (f.kind) {
      case net::FailureKind::kInterrupted:
        return make(FailureKind::kInterrupted, what + f.message);
      case net::FailureKind::kThrottled:
      case net::FailureKind::kTimeout:
      case net::FailureKind::kTransient:
        return make(FailureKind::kTransient, what + f.message);
      case net::FailureKind::kAuth:
      case net::FailureKind::kPermanent:
        break;
    }
    if (f.kind == net::FailureKind::kAuth || auth_code) {
      return make(FailureKind::kAuth, what +
                                          "the credentials were refused; check AWS_ACCESS_KEY_ID, "
                                          "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; " +
                                          f.message);
    }
    return make(FailureKind::kPermanent, what + f.message);
  }

  StoreStatus put_multipart(std::string_view key, const std::filesystem::path& file, uint64_t size,
                            PutMode mode) {
    uint64_t part_size = o_.part_size;
    while ((size + part_size - 1) / part_size > kMaxParts && part_size < kMaxPart) part_size *= 2;
    if ((size + part_size - 1) / part_size > kMaxParts) {
      return store_failure(FailureKind::kPermanent, file.string() + " is too large for a multipart upload");
    }
    net::HttpRequest init = request(net::Method::kPost, object_url(key) + query_string({{"uploads", ""}}));
    auto r = net::send(init);
    if (!r) return failure_of(r.failure(), key);
    pugi::xml_document doc;
    doc.load_buffer(r->body.data(), r->body.size());
    const std::string upload_id = xml_text(doc.child("InitiateMultipartUploadResult"), "UploadId");
    if (upload_id.empty()) {
      return store_failure(FailureKind::kPermanent,
                           name() + ": " + std::string(key) + ": no UploadId in the answer");
    }
    auto done = upload_parts(key, file, size, part_size, upload_id, mode);
    // An aborted upload frees the parts stored so far; the bucket's AbortIncompleteMultipartUpload
    // rule covers the case where even the abort cannot be sent (e.g. after an interrupt).
    if (!done)
      net::send(request(net::Method::kDelete, object_url(key) + query_string({{"uploadId", upload_id}})));
    return done;
  }

  StoreStatus upload_parts(std::string_view key, const std::filesystem::path& file, uint64_t size,
                           uint64_t part_size, const std::string& upload_id, PutMode mode) {
    const uint64_t count = (size + part_size - 1) / part_size;
    std::vector<std::string> etags(count);
    std::atomic<uint64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::optional<StoreFailure> first_failure;
    auto fail = [&](StoreFailure f) {
      const std::lock_guard<std::mutex> lock(mu);
      if (!first_failure) first_failure = std::move(f);
      failed = true;
    };
    // Workers take the next part until none is left or one has failed; each streams its part
    // from the file's byte range, so memory does not grow with the number in flight.
    auto worker = [&] {
      for (uint64_t i = next++; i < count && !failed; i = next++) {
        const uint64_t offset = i * part_size;
        const std::string number = std::to_string(i + 1);
        net::HttpRequest part =
            request(net::Method::kPut,
                    object_url(key) + query_string({{"partNumber", number}, {"uploadId", upload_id}}));
        part.upload_from = file;
        part.upload_range = net::HttpRequest::ByteRange{offset, std::min(part_size, size - offset)};
        auto r = net::send(part);
        if (!r) return fail(failure_of(r.failure(), key));
        const auto etag = r->headers.get("ETag");
        if (!etag) {
          return fail(store_failure(FailureKind::kPermanent,
                                    name() + ": " + std::string(key) + ": no ETag for part " + number));
        }
        etags[i] = std::string(*etag);
      }
    };
    const auto helpers = static_cast<size_t>(std::min<uint64_t>(count, o_.part_concurrency)) - 1;
    std::vector<std::thread> pool;
    pool.reserve(helpers);
    for (size_t t = 0; t < helpers; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (first_failure) return *first_failure;

    pugi::xml_document complete;
    pugi::xml_node list = complete.append_child("CompleteMultipartUpload");
    for (uint64_t i = 0; i < count; ++i) {
      pugi::xml_node p = list.append_child("Part");
      p.append_child("PartNumber").text().set(std::to_string(i + 1).c_str());
      p.append_child("ETag").text().set(etags[i].c_str());
    }
    std::ostringstream body;
    complete.save(body, "", pugi::format_raw | pugi::format_no_declaration);
    net::HttpRequest finish =
        request(net::Method::kPost, object_url(key) + query_string({{"uploadId", upload_id}}));
    finish.body = body.str();
    finish.headers.emplace_back("Content-Type", "application/xml");
    if (mode == PutMode::kIfAbsent) finish.headers.emplace_back("If-None-Match", "*");
    auto r = net::send(finish);
    if (!r) return failure_of(r.failure(), key);
    // S3 may answer 200 and still fail the completion, with an Error document as the body.
    if (const S3Error e = parse_error(r->body); !e.code.empty()) {
      const bool retry_later = e.code == "InternalError" || e.code == "SlowDown";
      return store_failure(retry_later ? FailureKind::kTransient : FailureKind::kPermanent,
                           name() + ": " + std::string(key) + ": completing the upload failed: " + e.code);
    }
    return stored();
  }

  S3Options o_;
};

}  // namespace

net::HttpTimeouts s3_default_timeouts() {
  net::HttpTimeouts t;
  t.total = kS3RequestFloor;
  t.min_bytes_per_second = kS3MinBytesPerSecond;
  return t;
}

std::unique_ptr<Backend> make_s3_backend(S3Options options) {
  return std::make_unique<S3Backend>(std::move(options));
}

}  // namespace aqe::store
