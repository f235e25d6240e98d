// Times aqe::report::read_sources + render_html + the atomic write on one report document,
// as `aqe report generate --format html` does after loading it (bench/report_html.sh).
// Usage: report_html_bench REPORT_JSON PROJECT_DIR OUT_HTML
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "aqe/report/html.h"
#include "aqe/util/fs.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s REPORT_JSON PROJECT_DIR OUT_HTML\n", argv[0]);
    return 3;
  }
  auto text = aqe::read_file(argv[1]);
  if (!text) {
    std::fprintf(stderr, "%s\n", text.error().message.c_str());
    return 3;
  }
  const auto start = std::chrono::steady_clock::now();
  const nlohmann::json document = nlohmann::json::parse(*text);
  const auto sources = aqe::report::read_sources(document, argv[2]);
  const std::string page = aqe::report::render_html(document, sources);
  if (!aqe::write_file_atomic(argv[3], page)) return 1;
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu sources, %zu bytes, %.1f ms\n", sources.size(), page.size(), ms);
  return 0;
}
