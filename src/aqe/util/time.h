#pragma once

#include <chrono>
#include <string>

namespace aqe {

// "2026-01-01T00:00:00Z" (UTC, seconds precision), the contract's timestamp form.
std::string iso8601_utc(std::chrono::system_clock::time_point t);
std::string iso8601_now();
// `iso` itself, or now when it is empty (rows whose time the caller left to the store).
std::string iso8601_or_now(const std::string& iso);

// Milliseconds on a monotonic clock, for durations.
int64_t monotonic_ms();

}  // namespace aqe
