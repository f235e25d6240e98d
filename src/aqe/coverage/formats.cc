// Coverage reports from other tools: Cobertura XML and LCOV. Both list per-line hits (and
// branch counts), merged per file over duplicate records.
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>

#include <pugixml.hpp>

#include "aqe/coverage/formats.h"
#include "aqe/util/strings.h"

namespace aqe::coverage {

namespace fs = std::filesystem;

namespace {

// Per-line hits and per-line branch counts of one file, merged over duplicate records
// (LCOV files and Cobertura classes may mention a file more than once).
struct LineTable {
  std::map<int64_t, int64_t> hits;
  std::map<int64_t, std::pair<int64_t, int64_t>> branches;  // line -> (covered, total)
};

std::vector<FileCoverage> files_of(const std::map<std::string, LineTable>& tables,
                                   const ReadOptions& options) {
  std::vector<FileCoverage> out;
  out.reserve(tables.size());
  for (const auto& [file, t] : tables) {
    FileCoverage f{file, 0, 0, 0, 0, true, {}, {}};
    f.lines_total = static_cast<int64_t>(t.hits.size());
    for (const auto& [line, h] : t.hits) (h > 0 ? f.covered_lines : f.missing_lines).push_back(line);
    f.lines_covered = static_cast<int64_t>(f.covered_lines.size());
    if (options.keep_lines_for && options.keep_lines_for->count(file) == 0) {
      f.covered_lines.clear();
      f.missing_lines.clear();
    }
    for (const auto& [line, b] : t.branches) {
      f.branches_covered += b.first;
      f.branches_total += b.second;
    }
    out.push_back(std::move(f));
  }
  return out;
}

// "50% (1/2)" -> (1, 2)
std::optional<std::pair<int64_t, int64_t>> condition_counts(std::string_view s) {
  size_t open = s.find('(');
  size_t slash = s.find('/', open == std::string_view::npos ? 0 : open);
  size_t close = s.find(')', slash == std::string_view::npos ? 0 : slash);
  if (open == std::string_view::npos || slash == std::string_view::npos || close == std::string_view::npos)
    return std::nullopt;
  std::string a(s.substr(open + 1, slash - open - 1)), b(s.substr(slash + 1, close - slash - 1));
  char* end = nullptr;
  int64_t covered = std::strtoll(a.c_str(), &end, 10);
  if (a.empty() || *end != '\0') return std::nullopt;
  int64_t total = std::strtoll(b.c_str(), &end, 10);
  if (b.empty() || *end != '\0') return std::nullopt;
  return std::make_pair(covered, total);
}

}  // namespace

Result<CoverageReport> parse_cobertura(std::string_view text, const std::string& origin,
                                       const ReadOptions& options) {
  pugi::xml_document doc;
  std::string buf(text);
  pugi::xml_parse_result r = doc.load_buffer(buf.data(), buf.size());
  if (!r) return input_error(origin, text, static_cast<size_t>(r.offset), r.description());
  pugi::xml_node root = doc.child("coverage");
  if (!root) {
    return make_error("INPUT_INVALID",
                      origin + ": XML root is <" + std::string(doc.document_element().name()) +
                          ">, not Cobertura's <coverage>",
                      "write it with `coverage xml` (or another Cobertura producer)");
  }
  // Cobertura filenames are relative to one of <sources>; the first existing one wins.
  std::vector<fs::path> sources;
  for (auto s : root.child("sources").children("source")) sources.emplace_back(trim(s.text().get()));
  const fs::path& project_dir = options.project_dir;
  auto normalize = [&](const std::string& p) {
    return options.normalize ? options.normalize(p, project_dir) : p;
  };
  auto resolve = [&](const std::string& filename) {
    fs::path f(filename);
    if (f.is_absolute()) return normalize(filename);
    std::error_code ec;
    for (const auto& src : sources) {
      fs::path on_disk = src.is_absolute() ? src / f : project_dir / src / f;
      if (fs::exists(on_disk, ec)) return normalize((src / f).string());
    }
    if (!sources.empty()) return normalize((sources.front() / f).string());
    return normalize(filename);
  };
  CoverageReport in;
  in.origin = origin;
  std::map<std::string, LineTable> tables;
  for (auto cls : root.select_nodes("//class")) {
    std::string file = resolve(cls.node().attribute("filename").as_string());
    LineTable& t = tables[file];
    for (auto line : cls.node().child("lines").children("line")) {
      int64_t n = static_cast<int64_t>(line.attribute("number").as_llong());
      int64_t& h = t.hits[n];
      h = std::max<int64_t>(h, line.attribute("hits").as_llong());
      if (!line.attribute("branch").as_bool()) continue;
      auto counts = condition_counts(line.attribute("condition-coverage").as_string());
      if (!counts) continue;
      in.has_branches = true;
      auto& b = t.branches[n];
      b = {std::max(b.first, counts->first), std::max(b.second, counts->second)};
    }
  }
  // A report with branch totals but no branchy line still measured branches.
  if (root.attribute("branches-valid")) in.has_branches = true;
  in.files = files_of(tables, options);
  in.totals = sum_of(in.files);
  return in;
}

namespace {

std::optional<int64_t> to_int64(std::string_view s) {
  s = trim(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Error lcov_error(const std::string& origin, int line_no, const std::string& what) {
  return make_error("INPUT_INVALID", origin + ":" + std::to_string(line_no) + ":1: LCOV: " + what,
                    "pass the tracefile as written by lcov/geninfo/coverage lcov");
}

// The first `n` comma-separated fields of `s` (fewer when `s` has fewer).
size_t fields_of(std::string_view s, std::string_view* out, size_t n) {
  size_t count = 0;
  while (count < n) {
    size_t comma = s.find(',');
    out[count++] = s.substr(0, comma);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return count;
}

// One DA/BRDA line into the current file's table.
Status add_lcov_record(std::string_view line, bool da, LineTable& t, const std::string& origin, int line_no) {
  std::string_view f[4];
  size_t want = da ? 2 : 4;
  if (fields_of(line.substr(da ? 3 : 5), f, want) < want) {
    return lcov_error(origin, line_no, "too few fields in '" + std::string(line) + "'");
  }
  auto n = to_int64(f[0]);
  if (!n) return lcov_error(origin, line_no, "expected a line number, got '" + std::string(f[0]) + "'");
  if (da) {
    auto hits = to_int64(f[1]);
    if (!hits) return lcov_error(origin, line_no, "expected a hit count, got '" + std::string(f[1]) + "'");
    int64_t& h = t.hits[*n];
    h = std::max(h, *hits);
    return ok_status();
  }
  int64_t taken = 0;
  if (trim(f[3]) != "-") {
    auto v = to_int64(f[3]);
    if (!v)
      return lcov_error(origin, line_no, "expected a taken count or '-', got '" + std::string(f[3]) + "'");
    taken = *v;
  }
  auto& b = t.branches[*n];
  b.second += 1;
  b.first += taken > 0 ? 1 : 0;
  return ok_status();
}

}  // namespace

Result<CoverageReport> parse_lcov(std::string_view text, const std::string& origin,
                                  const ReadOptions& options) {
  CoverageReport in;
  in.origin = origin;
  std::map<std::string, LineTable> tables;
  LineTable* cur = nullptr;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (starts_with(line, "SF:")) {
      const std::string_view file = line.substr(3);
      cur = &tables[options.normalize ? options.normalize(file, options.project_dir) : std::string(file)];
      continue;
    }
    if (line == "end_of_record") {
      cur = nullptr;
      continue;
    }
    const bool da = starts_with(line, "DA:"), brda = starts_with(line, "BRDA:");
    if (!da && !brda) continue;  // TN, FN, LF/LH summaries...: recomputed from DA/BRDA
    if (!cur) return lcov_error(origin, line_no, "record before SF:");
    if (brda) in.has_branches = true;
    if (auto st = add_lcov_record(line, da, *cur, origin, line_no); !st) return st.error();
  }
  in.files = files_of(tables, options);
  in.totals = sum_of(in.files);
  return in;
}

}  // namespace aqe::coverage
