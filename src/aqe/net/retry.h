// The retry rules of net::send(), kept pure so unit tests pin them without a server.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "aqe/net/http.h"

namespace aqe::net {

// The kind of a final response whose status is not 2xx. The body tells S3's 503 SlowDown
// (throttling, so the longer backoff) from a plain 503.
FailureKind classify_status(long status, std::string_view body);

// Throttled, timeout and transient failures may succeed when tried again; the others cannot.
bool is_retryable(FailureKind kind);

// Full jitter: u * min(cap, base * 2^retry), with retry counted from 0 and u uniform in [0, 1).
std::chrono::milliseconds full_jitter_backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                              int retry, double u);

// A Retry-After value, delta-seconds or an HTTP-date (then relative to `now`, never negative);
// nullopt when it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace aqe::net
