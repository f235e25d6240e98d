#include "aqe/net/http.h"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>

#include "aqe/exec/process.h"
#include "aqe/net/retry.h"
#include "aqe/net/transfer.h"
#include "aqe/util/strings.h"

namespace aqe::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Waits on the interrupt pipe, so an interrupt ends the backoff at once.
bool interruptible_sleep(milliseconds delay) {
  const auto until = steady_clock::now() + delay;
  while (!exec::interrupted()) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - steady_clock::now());
    if (left <= milliseconds(0)) return true;
    pollfd wake{exec::interrupt_fd(), POLLIN, 0};
    const nfds_t count = wake.fd >= 0 ? 1 : 0;
    // Without a pipe (handlers not installed) nothing can set the flag, but stay bounded anyway.
    ::poll(count ? &wake : nullptr, count, static_cast<int>(std::min(left, milliseconds(1000)).count()));
  }
  return false;
}

double uniform_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// Header values that are credentials: never in a message. Names by substring, as APIs invent
// their own (x-api-key, api-key, x-goog-api-key, x-auth-token...).
bool is_secret_header(std::string_view name) {
  const std::string n = to_lower(name);
  return n == "authorization" || n == "proxy-authorization" || n == "cookie" ||
         n.find("api-key") != std::string::npos || n.find("token") != std::string::npos ||
         n.find("secret") != std::string::npos;
}

std::vector<std::string> secrets_of(const HttpRequest& request) {
  std::vector<std::string> secrets;
  for (const auto& [name, value] : request.headers) {
    if (!is_secret_header(name) || value.empty()) continue;
    secrets.push_back(value);
    // "Bearer <token>": the token alone must not appear either.
    if (const auto space = value.find(' '); space != std::string::npos && space + 1 < value.size()) {
      secrets.push_back(value.substr(space + 1));
    }
  }
  if (request.sigv4) {
    secrets.push_back(request.sigv4->secret_access_key);
    secrets.push_back(request.sigv4->session_token);
  }
  std::erase_if(secrets, [](const std::string& s) { return s.empty(); });
  // Longest first, so a value containing another is replaced whole.
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return secrets;
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  static constexpr std::string_view kMark = "[redacted]";
  for (const auto& secret : secrets) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kMark.size())) {
      text.replace(at, secret.size(), kMark);
    }
  }
  return text;
}

// Scheme, host, port and path: userinfo and the query (presigned signatures, ?key=...) may be
// credentials. libcurl's URL parser, so this reads URLs exactly as the transfer does.
std::string display_url(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) return "<url>";
  std::string shown = "<invalid url>";
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* query = nullptr;
    const bool had_query = curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK;
    curl_free(query);
    for (CURLUPart part :
         {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS, CURLUPART_QUERY, CURLUPART_FRAGMENT}) {
      curl_url_set(u, part, nullptr, 0);
    }
    char* out = nullptr;
    if (curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
      shown = std::string(out) + (had_query ? "?..." : "");
    curl_free(out);
  }
  curl_url_cleanup(u);
  return shown;
}

HttpFailure interrupted_failure(std::string message) {
  HttpFailure f;
  f.kind = FailureKind::kInterrupted;
  f.message = std::move(message);
  return f;
}

std::string attempts_text(int attempts) {
  return std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
}

// The delay before the next attempt: full jitter on the kind's base, or the server's Retry-After
// when longer. nullopt = the server asks for a longer wait than the policy allows.
std::optional<milliseconds> next_delay(const RetryPolicy& policy, const HttpFailure& f, int retry) {
  const milliseconds base =
      f.kind == FailureKind::kThrottled ? policy.throttled_base_delay : policy.base_delay;
  const double u = policy.random ? policy.random() : uniform_random();
  milliseconds delay = full_jitter_backoff(base, policy.max_delay, retry, u);
  if (const auto header = f.headers.get("Retry-After")) {
    const auto now = policy.now ? policy.now() : std::chrono::system_clock::now();
    if (const auto asked = parse_retry_after(*header, now)) {
      if (*asked > policy.max_retry_after) return std::nullopt;
      delay = std::max(delay, *asked);
    }
  }
  return delay;
}

}  // namespace

std::string_view to_string(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::kPermanent:
      return "permanent";
    case FailureKind::kAuth:
      return "auth";
    case FailureKind::kThrottled:
      return "throttled";
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kTransient:
      return "transient";
    case FailureKind::kInterrupted:
      return "interrupted";
  }
  return "permanent";
}

void HttpHeaders::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> HttpHeaders::get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    const bool same = std::equal(n.begin(), n.end(), name.begin(), name.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    if (same) return std::string_view(v);
  }
  return std::nullopt;
}

HttpResult send(const HttpRequest& request) {
  ensure_curl_initialized();
  const RetryPolicy& policy = request.retry;
  const int max_attempts = std::max(1, policy.max_attempts);
  // A plain time point, not an optional one: GCC 12 at -O3 reports the optional as maybe
  // uninitialised (a false positive that fails the Release build).
  const bool has_deadline = request.timeouts.total.has_value();
  const steady_clock::time_point deadline =
      has_deadline ? steady_clock::now() + *request.timeouts.total +
                         body_allowance(request_body_bytes(request), request.timeouts.min_bytes_per_second)
                   : steady_clock::time_point::max();
  const std::vector<std::string> secrets = secrets_of(request);
  const std::string prefix = std::string(to_string(request.method)) + " " + display_url(request.url) + ": ";
  auto finish = [&](HttpFailure f, int attempts, std::string_view why = {}) -> HttpResult {
    f.attempts = attempts;
    f.message = redact(prefix + f.message + (why.empty() ? "" : "; " + std::string(why)) + " (" +
                           attempts_text(attempts) + ")",
                       secrets);
    return f;
  };

  for (int attempt = 1;; ++attempt) {
    if (exec::interrupted()) return finish(interrupted_failure("interrupted"), attempt - 1);
    std::optional<milliseconds> time_left;
    if (has_deadline) time_left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    HttpResult result = perform_attempt(request, time_left);
    if (result.ok()) {
      result->attempts = attempt;
      return result;
    }
    HttpFailure& f = result.failure();
    if (!is_retryable(f.kind) || attempt >= max_attempts) return finish(std::move(f), attempt);
    const auto delay = next_delay(policy, f, attempt - 1);
    if (!delay) {
      const std::string why = "Retry-After exceeds " + std::to_string(policy.max_retry_after.count()) + " s";
      return finish(std::move(f), attempt, why);
    }
    if (has_deadline && steady_clock::now() + *delay >= deadline) {
      return finish(std::move(f), attempt, "total timeout reached");
    }
    if (policy.on_retry) {
      policy.on_retry(RetryNotice{attempt, *delay, f.status, redact(prefix + f.message, secrets)});
    }
    const bool slept = policy.sleep ? policy.sleep(*delay) : interruptible_sleep(*delay);
    if (!slept || exec::interrupted()) {
      return finish(interrupted_failure("interrupted while waiting to retry after " + f.message), attempt);
    }
  }
}

ExitCode exit_code_for(FailureKind kind) {
  switch (kind) {
    case FailureKind::kThrottled:
    case FailureKind::kTimeout:
    case FailureKind::kTransient:
      return ExitCode::kTransient;
    case FailureKind::kInterrupted:
      return ExitCode::kInterrupted;
    case FailureKind::kAuth:
    case FailureKind::kPermanent:
      return ExitCode::kUsage;
  }
  return ExitCode::kUsage;
}

Error to_error(const HttpFailure& failure) {
  std::string code = "HTTP_";
  for (char c : to_string(failure.kind))
    code += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string hint;
  if (failure.kind == FailureKind::kAuth) hint = "check the credentials and their permissions";
  if (exit_code_for(failure.kind) == ExitCode::kTransient) hint = "transient: safe to retry";
  return make_error(std::move(code), failure.message, std::move(hint), exit_code_for(failure.kind));
}

}  // namespace aqe::net
