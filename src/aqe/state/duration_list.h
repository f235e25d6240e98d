// Internal to state/: the per-test summary behind Db::test_durations(). Table test_durations
// keeps, per test id, its newest kMaxDurationWindow durations as text ("recent": newest
// first, comma-separated), so reading them costs one row per test whatever the history length.
#pragma once

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace aqe::state {

// The most values stored per test; Db::test_durations() windows are capped at it.
inline constexpr int kMaxDurationWindow = 16;

// The rows of test_results that count as durations: first attempts that ran to a verdict.
// The same rule in SQL and in C++.
inline constexpr const char* kDurationRowFilter = "attempt = 1 AND outcome IN ('passed', 'failed')";
inline bool counts_as_duration(int attempt, std::string_view outcome) {
  return attempt == 1 && (outcome == "passed" || outcome == "failed");
}

// Appends `value` to a "recent" list, as the shortest text that reads back as the same double
// (std::to_chars), so the stored medians equal those computed from test_results.duration_s.
inline void append_duration(std::string& list, double value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (!list.empty()) list += ',';
  list.append(buf, ec == std::errc() ? end : buf);
}

// `list` with `value` inserted before its value at `position` (after its last value when it
// has fewer), cut to the first kMaxDurationWindow values. Position 0 prepends the newest value.
inline std::string insert_duration(std::string_view list, int position, double value) {
  std::string out;
  bool placed = false, more = !list.empty();
  size_t from = 0;
  for (int written = 0; written < kMaxDurationWindow; ++written) {
    if (!placed && (written == position || !more)) {
      append_duration(out, value);
      placed = true;
      continue;
    }
    if (!more) break;
    size_t comma = list.find(',', from);
    if (!out.empty()) out += ',';
    out += list.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
    more = comma != std::string_view::npos;
    from = comma + 1;
  }
  return out;
}

// The first `limit` (>= 1) values of `list` into `out`, replacing its contents. False when
// the list is empty or not a comma-separated list of numbers.
inline bool parse_durations(std::string_view list, int limit, std::vector<double>& out) {
  out.clear();
  const char* p = list.data();
  const char* const end = p + list.size();
  do {
    double value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || (next != end && *next != ',')) return false;
    out.push_back(value);
    p = next == end ? end : next + 1;
  } while (p != end && static_cast<int>(out.size()) < limit);
  return true;
}

}  // namespace aqe::state
