// Coverage reports given to the gate, read with the gate's path normalisation.
#include "aqe/gate/gate.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

namespace fs = std::filesystem;

std::pair<int, int> line_col(std::string_view text, size_t offset) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

namespace {

// True when `p` is already what normalize_path makes of it: relative, '/'-separated, with no
// empty, "." or ".." component. Reports list thousands of such paths, and std::filesystem's
// normalisation of each costs more than reading its coverage (issue 7).
bool is_plain_relative(std::string_view p) {
  if (p.empty() || p.front() == '/') return false;
  for (;;) {
    const size_t slash = p.find('/');
    const std::string_view part = p.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) return true;
    p.remove_prefix(slash + 1);
  }
}

}  // namespace

std::string normalize_path(std::string_view path, const fs::path& project_dir) {
  if (is_plain_relative(trim(path))) return std::string(trim(path));
  std::string p(trim(path));
  if (starts_with(p, "file://")) p = p.substr(7);
  fs::path fp = fs::path(p).lexically_normal();
  if (fp.is_absolute() && !project_dir.empty()) {
    fs::path rel = fp.lexically_relative(project_dir.lexically_normal());
    if (!rel.empty() && *rel.begin() != "..") fp = rel;
  }
  std::string out = fp.generic_string();
  while (starts_with(out, "./")) out = out.substr(2);
  while (out.size() > 1 && ends_with(out, "/")) out.pop_back();
  return out;
}

Result<CoverageInput> parse_coverage(std::string_view text, const std::string& origin,
                                     const fs::path& project_dir, const DiffInput* lines_for) {
  coverage::ReadOptions options;
  options.project_dir = project_dir;
  options.normalize = &normalize_path;
  if (lines_for) {
    auto& keep = options.keep_lines_for.emplace();
    for (const auto& [file, lines] : lines_for->changed) keep.insert(file);
  }
  return coverage::read_coverage(text, origin, options);
}

}  // namespace aqe::gate
