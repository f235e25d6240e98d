#include "aqe/util/time.h"

#include <charconv>
#include <ctime>
#include <limits>

namespace aqe {

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string iso8601_now() { return iso8601_utc(std::chrono::system_clock::now()); }

int64_t monotonic_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string iso8601_or_now(const std::string& iso) { return iso.empty() ? iso8601_now() : iso; }

std::optional<int64_t> parse_duration_s(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  const char* last = text.data() + text.size() - 1;
  auto [end, ec] = std::from_chars(text.data(), last, n);
  if (ec != std::errc() || end != last || n <= 0) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return std::nullopt;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return n > kMax / unit ? kMax : n * unit;
}

}  // namespace aqe
