#include "aqe/util/time.h"

#include <ctime>

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

}  // namespace aqe
