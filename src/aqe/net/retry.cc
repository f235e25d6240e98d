#include "aqe/net/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "aqe/util/strings.h"

namespace aqe::net {

FailureKind classify_status(long status, std::string_view body) {
  switch (status) {
    case 401:
    case 403:
      return FailureKind::kAuth;
    case 408:
      return FailureKind::kTimeout;
    case 429:
    case 529:  // Anthropic's "overloaded": throttling under another number
      return FailureKind::kThrottled;
    case 503:
      return body.find("<Code>SlowDown</Code>") != std::string_view::npos ? FailureKind::kThrottled
                                                                          : FailureKind::kTransient;
    case 500:
    case 502:
    case 504:
      return FailureKind::kTransient;
    default:
      return FailureKind::kPermanent;
  }
}

bool is_retryable(FailureKind kind) {
  return kind == FailureKind::kThrottled || kind == FailureKind::kTimeout || kind == FailureKind::kTransient;
}

std::chrono::milliseconds full_jitter_backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                              int retry, double u) {
  // Doubling stops at the cap, so a large retry count cannot overflow.
  std::chrono::milliseconds ceiling = std::min(base, cap);
  for (int i = 0; i < retry && ceiling < cap; ++i) ceiling = std::min(ceiling * 2, cap);
  const double clamped = std::clamp(u, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(clamped * static_cast<double>(ceiling.count())));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    long long seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(std::min(seconds, 1LL << 31));  // ms stay far from overflow
  }
  // HTTP-dates come in three historical formats (RFC 9110 5.6.7); libcurl's parser reads all
  // of them, so none is written here.
  const std::string date(value);
  const time_t when = curl_getdate(date.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const auto delta = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(delta));
}

}  // namespace aqe::net
