#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aqe {

// "2026-01-01T00:00:00Z" (UTC, seconds precision), the contract's timestamp form.
std::string iso8601_utc(std::chrono::system_clock::time_point t);
std::string iso8601_now();
// `iso` itself, or now when it is empty (rows whose time the caller left to the store).
std::string iso8601_or_now(const std::string& iso);

// "30d", "12h", "45m", "90s", "2w": a positive whole number and a unit, in seconds (saturated at
// INT64_MAX); nullopt for anything else. The callers (--since of report and usage) bound it.
std::optional<int64_t> parse_duration_s(std::string_view text);

// Milliseconds on a monotonic clock, for durations.
int64_t monotonic_ms();

}  // namespace aqe
