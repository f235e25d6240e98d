#include "aqe/net/transfer.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "aqe/exec/process.h"
#include "aqe/net/retry.h"
#include "aqe/util/strings.h"
#include "aqe/util/writeback.h"

namespace aqe::net {
namespace {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using Multi = std::unique_ptr<CURLM, MultiDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// libcurl requires an easy handle to leave its multi handle before either is cleaned up.
class MultiAttachment {
 public:
  MultiAttachment(CURLM* multi, CURL* easy) : multi_(multi), easy_(easy) {
    curl_multi_add_handle(multi_, easy_);
  }
  ~MultiAttachment() { curl_multi_remove_handle(multi_, easy_); }
  MultiAttachment(const MultiAttachment&) = delete;
  MultiAttachment& operator=(const MultiAttachment&) = delete;

 private:
  CURLM* multi_;
  CURL* easy_;
};

// Callers read errno into `err` before building `what`: its allocations may clobber errno.
std::string with_errno(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// What the libcurl callbacks share during one attempt. Owns the upload descriptor and the
// download's temp file, which is removed unless commit_download() renamed it into place.
struct Transfer {
  const HttpRequest* request = nullptr;
  CURL* easy = nullptr;

  int upload_fd = -1;
  curl_off_t upload_offset = 0;  // where the body starts in the file
  curl_off_t upload_size = 0;
  curl_off_t uploaded = 0;

  HttpHeaders headers;
  std::string body;
  bool body_started = false;
  bool body_to_file = false;
  bool body_to_sink = false;
  bool sink_begun = false;  // download_sink->begin() was called in this attempt
  bool error_body = false;
  int download_fd = -1;
  std::string download_tmp;
  WritebackPacer writeback;

  // For the stall check: bytes moved so far, and when that last changed.
  curl_off_t moved = 0;
  std::chrono::steady_clock::time_point last_progress = std::chrono::steady_clock::now();
  // For a whole-request limit scaled to the body's size (checked here, not by libcurl's
  // CURLOPT_TIMEOUT, because the response's Content-Length extends it).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds limit{0};  // for the message
  bool response_allowance_added = false;

  // Why the transfer stopped on our side rather than libcurl's.
  std::string local_error;
  bool too_large = false;
  bool interrupted = false;
  bool stalled = false;
  bool timed_out = false;

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (upload_fd >= 0) ::close(upload_fd);
    if (download_fd >= 0) ::close(download_fd);
    if (!download_tmp.empty()) ::unlink(download_tmp.c_str());
  }

  bool open_download() {
    const auto& path = request->download_to;
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    download_tmp = path.string() + ".part.XXXXXX";
    download_fd = ::mkostemp(download_tmp.data(), O_CLOEXEC);
    if (download_fd < 0) {
      const int err = errno;
      local_error = with_errno("cannot create " + download_tmp, err);
      download_tmp.clear();
      return false;
    }
    ::fchmod(download_fd, 0644);
    writeback.reset(download_fd);
    return true;
  }

  bool write_download(const char* data, size_t len) {
    while (len > 0) {
      const ssize_t n = ::write(download_fd, data, len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        local_error = with_errno("cannot write " + request->download_to.string(), err);
        return false;
      }
      data += n;
      len -= static_cast<size_t>(n);
      writeback.wrote(static_cast<size_t>(n));
    }
    return true;
  }

  // The download sink's begin(): once per attempt, before its first byte.
  bool begin_sink() {
    if (sink_begun) return true;
    sink_begun = true;
    if (request->download_sink->begin()) return true;
    local_error = "the download's receiver stopped it";
    return false;
  }

  // An empty 2xx body never reached the write callback, so the file may not exist yet.
  bool commit_download() {
    if (download_fd < 0 && !open_download()) return false;
    const int fd = download_fd;
    download_fd = -1;
    // Closed whether or not fsync worked; the first error is the one reported.
    int err = ::fsync(fd) == 0 ? 0 : errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err != 0) {
      local_error = with_errno("cannot write " + request->download_to.string(), err);
      return false;
    }
    if (::rename(download_tmp.c_str(), request->download_to.c_str()) != 0) {
      err = errno;
      local_error = with_errno("cannot rename to " + request->download_to.string(), err);
      return false;
    }
    download_tmp.clear();
    return true;
  }
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  // A status line starts a new response (after a 100 Continue): keep only the final headers.
  if (line.starts_with("HTTP/")) {
    t.headers.clear();
    return line.size();
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    t.headers.add(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return line.size();
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t len = size * count;
  if (!t.body_started) {
    t.body_started = true;
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    t.error_body = status < 200 || status >= 300;
    t.body_to_sink = !t.error_body && t.request->download_sink;
    t.body_to_file = !t.error_body && !t.body_to_sink && !t.request->download_to.empty();
    if (t.body_to_file && !t.open_download()) return CURL_WRITEFUNC_ERROR;
    if (t.body_to_sink && !t.begin_sink()) return CURL_WRITEFUNC_ERROR;
  }
  if (t.body_to_file) return t.write_download(data, len) ? len : CURL_WRITEFUNC_ERROR;
  if (t.body_to_sink) {
    if (t.request->download_sink->write(data, len)) return len;
    t.local_error = "the download's receiver stopped it";
    return CURL_WRITEFUNC_ERROR;
  }
  const size_t room = t.request->max_body_bytes - std::min(t.body.size(), t.request->max_body_bytes);
  if (len <= room) {
    t.body.append(data, len);
    return len;
  }
  if (!t.error_body) {
    t.too_large = true;
    return CURL_WRITEFUNC_ERROR;
  }
  t.body.append(data, room);  // an error body is only diagnostic: its head is enough
  return len;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  // A range ends before the file does: never read past it.
  const auto left = static_cast<size_t>(t.upload_size - std::min(t.uploaded, t.upload_size));
  const size_t want = std::min(size * count, left);
  if (want == 0) return 0;
  for (;;) {
    const ssize_t n = ::read(t.upload_fd, buffer, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      t.local_error = with_errno("cannot read " + t.request->upload_from.string(), err);
      return CURL_READFUNC_ABORT;
    }
    if (n == 0 && t.uploaded < t.upload_size) {
      t.local_error = t.request->upload_from.string() + " shrank while being uploaded";
      return CURL_READFUNC_ABORT;
    }
    t.uploaded += n;
    return static_cast<size_t>(n);
  }
}

// libcurl rewinds the upload itself when it must resend within an attempt (e.g. after a 417).
int on_seek(void* user, curl_off_t offset, int origin) {
  auto& t = *static_cast<Transfer*>(user);
  if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  const off_t pos = ::lseek(t.upload_fd, t.upload_offset + offset, SEEK_SET);
  if (pos < 0) return CURL_SEEKFUNC_CANTSEEK;
  t.uploaded = pos - t.upload_offset;
  return CURL_SEEKFUNC_OK;
}

// libcurl calls this often while bytes move and about once a second when idle. It stops the
// transfer on interrupt (the poll loop in run_transfer() covers idle waits, this a long run
// inside curl_multi_perform()) and when no byte has moved for the stall limit: libcurl's own
// low-speed check averages over several seconds, so a burst then silence trips it late.
int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t /*ultotal*/, curl_off_t ulnow) {
  auto& t = *static_cast<Transfer*>(user);
  if (exec::interrupted()) {
    t.interrupted = true;
    return 1;
  }
  const auto now = std::chrono::steady_clock::now();
  if (t.deadline) {
    if (dltotal > 0 && !t.response_allowance_added) {
      t.response_allowance_added = true;
      const auto more =
          body_allowance(static_cast<uint64_t>(dltotal), t.request->timeouts.min_bytes_per_second);
      *t.deadline += more;
      t.limit += more;
    }
    if (now >= *t.deadline) {
      t.timed_out = true;
      return 1;
    }
  }
  curl_off_t pretransfer = 0;
  curl_easy_getinfo(t.easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
  // Until connected (and TLS is up) the connect timeout governs, not the stall limit.
  if (pretransfer == 0 || dlnow + ulnow != t.moved) {
    t.moved = dlnow + ulnow;
    t.last_progress = now;
    return 0;
  }
  if (now - t.last_progress < t.request->timeouts.stall) return 0;
  t.stalled = true;
  return 1;
}

FailureKind classify_curl(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return FailureKind::kTimeout;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
      return FailureKind::kTransient;
    default:  // bad URL, TLS verification, unsupported protocol...: the same again fails again
      return FailureKind::kPermanent;
  }
}

HttpFailure failure(FailureKind kind, std::string message) {
  HttpFailure f;
  f.kind = kind;
  f.message = std::move(message);
  return f;
}

bool has_header(const HttpRequest& request, std::string_view name) {
  return std::any_of(request.headers.begin(), request.headers.end(),
                     [&](const auto& h) { return to_lower(h.first) == to_lower(name); });
}

// SHA-256 of the empty string: the payload hash of a request without a body.
constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Slist build_headers(const HttpRequest& request, bool has_body) {
  curl_slist* list = nullptr;
  auto append = [&](const std::string& line) {
    if (curl_slist* grown = curl_slist_append(list, line.c_str())) list = grown;
  };
  for (const auto& [name, value] : request.headers) {
    // "Name:" would make libcurl drop the header; "Name;" is its spelling of an empty value.
    append(value.empty() ? name + ";" : name + ": " + value);
  }
  // Without this, libcurl labels a POST body application/x-www-form-urlencoded.
  if (has_body && !has_header(request, "Content-Type")) append("Content-Type: application/octet-stream");
  if (request.sigv4 && !request.sigv4->session_token.empty()) {
    append("x-amz-security-token: " + request.sigv4->session_token);
  }
  // S3 wants x-amz-content-sha256 on every signed request, and libcurl 7.88 signs with the value
  // given here but adds none itself. UNSIGNED-PAYLOAD spares hashing a body read twice (TLS
  // guards it in transit), as libcurl >= 8 does by default.
  if (request.sigv4 && to_lower(request.sigv4->service) == "s3" &&
      !has_header(request, "x-amz-content-sha256")) {
    append(std::string("x-amz-content-sha256: ") + (has_body ? "UNSIGNED-PAYLOAD" : kEmptySha256));
  }
  return Slist(list);
}

// Opens the upload file for this attempt: a retry starts again from its first byte.
std::optional<HttpFailure> open_upload(Transfer& t) {
  const auto& path = t.request->upload_from;
  t.upload_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (t.upload_fd < 0 || ::fstat(t.upload_fd, &st) != 0) {
    const int err = errno;
    return failure(FailureKind::kPermanent, with_errno("cannot read " + path.string(), err));
  }
  t.upload_size = st.st_size;
  if (const auto& range = t.request->upload_range) {
    const auto end = range->offset + range->length;
    if (end < range->offset || end > static_cast<uint64_t>(st.st_size)) {
      return failure(FailureKind::kPermanent, path.string() + " is shorter than the range to upload");
    }
    t.upload_offset = static_cast<curl_off_t>(range->offset);
    t.upload_size = static_cast<curl_off_t>(range->length);
    if (::lseek(t.upload_fd, t.upload_offset, SEEK_SET) < 0) {
      const int err = errno;
      return failure(FailureKind::kPermanent, with_errno("cannot seek in " + path.string(), err));
    }
  }
  return std::nullopt;
}

// libcurl picks the verb from the body options (POST for fields, PUT for an upload, GET
// otherwise); name it only where they disagree.
void set_method(CURL* h, Method method, bool has_file, bool has_body) {
  if (method == Method::kHead) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    return;
  }
  const bool implied = (method == Method::kPut && has_file) ||
                       (method == Method::kPost && has_body && !has_file) ||
                       (method == Method::kGet && !has_body);
  if (!implied) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, std::string(to_string(method)).c_str());
}

// Drives the transfer, waking at once when aqe is interrupted (the interrupt pipe is one of the
// descriptors waited on), and returns libcurl's result.
CURLcode run_transfer(CURL* easy, Transfer& t) {
  Multi multi(curl_multi_init());
  if (!multi) return CURLE_OUT_OF_MEMORY;
  const MultiAttachment attached(multi.get(), easy);
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) return CURLE_OUT_OF_MEMORY;
    if (running == 0) break;
    if (exec::interrupted()) {
      t.interrupted = true;
      return CURLE_ABORTED_BY_CALLBACK;
    }
    curl_waitfd wake{exec::interrupt_fd(), CURL_WAIT_POLLIN, 0};
    const unsigned extra = wake.fd >= 0 ? 1 : 0;
    if (curl_multi_poll(multi.get(), extra ? &wake : nullptr, extra, 1000, nullptr) != CURLM_OK) {
      return CURLE_OUT_OF_MEMORY;
    }
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
    if (msg->msg == CURLMSG_DONE) return msg->data.result;
  }
  return CURLE_OK;
}

// POST and PUT always carry a body (maybe empty, then Content-Length: 0); others when given one.
bool sends_body(const HttpRequest& request) {
  return !request.upload_from.empty() || !request.body.empty() || request.method == Method::kPost ||
         request.method == Method::kPut;
}

void set_transfer_options(Transfer& t, char* curl_error, std::optional<std::chrono::milliseconds> time_left) {
  CURL* h = t.easy;
  const HttpRequest& request = *t.request;
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM around DNS lookups
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "aqe/" AQE_VERSION);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeouts.connect.count()));
  // A backstop for the exact stall check in on_progress().
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(std::max<long long>(1, request.timeouts.stall.count())));
  if (time_left && request.timeouts.min_bytes_per_second > 0) {
    t.limit = std::max(std::chrono::milliseconds(1), *time_left);
    t.deadline = std::chrono::steady_clock::now() + t.limit;
  } else if (time_left) {
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(1, time_left->count())));
  }
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  // Files move in larger chunks than libcurl's 16 KiB default: fewer read/write calls per MB.
  if (!request.download_to.empty() || request.download_sink)
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
  if (!request.upload_from.empty()) curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
}

std::optional<HttpFailure> set_body(Transfer& t, bool has_body) {
  CURL* h = t.easy;
  const HttpRequest& request = *t.request;
  if (!request.upload_from.empty()) {
    if (auto f = open_upload(t)) return f;
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, t.upload_size);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
  } else if (has_body) {
    // In memory, not streamed: libcurl's SigV4 hashes only a body given this way.
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  return std::nullopt;
}

// libcurl copies string options, so the scope string need not outlive this call.
void set_sigv4(CURL* h, const AwsSigV4& sigv4) {
  const std::string scope = "aws:amz:" + sigv4.region + ":" + sigv4.service;
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, scope.c_str());
  curl_easy_setopt(h, CURLOPT_USERNAME, sigv4.access_key_id.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, sigv4.secret_access_key.c_str());
}

// What the attempt came to: our own reasons to stop first, then libcurl's, then the status.
HttpResult outcome(Transfer& t, CURLcode code, const char* curl_error) {
  if (t.interrupted) {
    return failure(FailureKind::kInterrupted, "interrupted");
  }
  if (t.stalled) {
    return failure(FailureKind::kTimeout,
                   "no progress for " + std::to_string(t.request->timeouts.stall.count()) + " s");
  }
  if (t.timed_out) {
    return failure(FailureKind::kTimeout,
                   "whole-request limit of " + std::to_string(t.limit.count()) + " ms reached (at least " +
                       std::to_string(t.request->timeouts.min_bytes_per_second) + " bytes/s expected)");
  }
  if (t.too_large) {
    return failure(FailureKind::kPermanent,
                   "response body exceeds " + std::to_string(t.request->max_body_bytes) + " bytes");
  }
  if (!t.local_error.empty()) return failure(FailureKind::kPermanent, t.local_error);
  if (code != CURLE_OK) {
    return failure(classify_curl(code), *curl_error ? std::string(curl_error) : curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    HttpFailure f = failure(classify_status(status, t.body), "HTTP " + std::to_string(status));
    f.status = status;
    f.headers = std::move(t.headers);
    f.body = std::move(t.body);
    return f;
  }
  // An empty body never reached on_body(): the sink still starts (over) from nothing.
  if (t.request->download_sink && !t.begin_sink()) return failure(FailureKind::kPermanent, t.local_error);
  if (!t.request->download_sink && !t.request->download_to.empty() && !t.commit_download()) {
    return failure(FailureKind::kPermanent, t.local_error);
  }
  HttpResponse response;
  response.status = status;
  response.headers = std::move(t.headers);
  response.body = std::move(t.body);
  return response;
}

}  // namespace

std::chrono::milliseconds body_allowance(uint64_t bytes, uint64_t min_bytes_per_second) {
  if (min_bytes_per_second == 0) return std::chrono::milliseconds(0);
  // bytes * 1000 would overflow only past 18 PB.
  return std::chrono::milliseconds(bytes / min_bytes_per_second * 1000 +
                                   bytes % min_bytes_per_second * 1000 / min_bytes_per_second);
}

uint64_t request_body_bytes(const HttpRequest& request) {
  if (request.upload_range) return request.upload_range->length;
  if (request.upload_from.empty()) return request.body.size();
  struct stat st {};
  if (::stat(request.upload_from.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

void ensure_curl_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpResult perform_attempt(const HttpRequest& request, std::optional<std::chrono::milliseconds> time_left) {
  ensure_curl_initialized();
  Transfer t;
  t.request = &request;
  const Easy easy(curl_easy_init());
  if (!easy) return failure(FailureKind::kPermanent, "cannot initialise libcurl");
  t.easy = easy.get();
  char curl_error[CURL_ERROR_SIZE] = "";
  set_transfer_options(t, curl_error, time_left);
  const bool has_body = sends_body(request);
  if (auto f = set_body(t, has_body)) return *f;
  set_method(t.easy, request.method, !request.upload_from.empty(), has_body);
  const Slist headers = build_headers(request, has_body);
  curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, headers.get());
  if (request.sigv4) set_sigv4(t.easy, *request.sigv4);
  const CURLcode code = run_transfer(t.easy, t);
  return outcome(t, code, curl_error);
}

}  // namespace aqe::net
