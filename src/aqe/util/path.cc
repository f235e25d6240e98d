#include "aqe/util/path.h"

#include <vector>

#include "aqe/util/strings.h"

namespace aqe {

namespace fs = std::filesystem;

namespace {

// True when `p` is already canonical and relative: reports list thousands of such paths, and
// splitting each costs more than reading its coverage (issue 7).
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

std::string canonicalize_path(std::string_view path) {
  if (path.empty() || is_plain_relative(path)) return std::string(path);
  const bool absolute = path.front() == '/';
  std::vector<std::string_view> parts;
  size_t leading_up = 0;  // ".." that nothing before them can absorb
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
    } else if (!parts.empty()) {
      parts.pop_back();
    } else if (!absolute) {
      ++leading_up;
    }
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < leading_up; ++i) out += i == 0 ? ".." : "/..";
  for (const auto part : parts) {
    if (!out.empty() && out.back() != '/') out += '/';
    out += part;
  }
  return out.empty() ? "." : out;
}

std::optional<std::string> path_inside(std::string_view path, std::string_view dir) {
  const std::string p = canonicalize_path(path), d = canonicalize_path(dir);
  if (p.empty() || d.empty() || (p.front() == '/') != (d.front() == '/')) return std::nullopt;
  if (p == d) return ".";
  std::string rest = p;
  if (d != ".") {
    const std::string prefix = d == "/" ? d : d + "/";
    if (!starts_with(p, prefix)) return std::nullopt;
    rest = p.substr(prefix.size());
  }
  // Canonical ".." only leads: what is left starts with one when it climbs out of `dir`.
  if (rest == ".." || starts_with(rest, "../")) return std::nullopt;
  return rest;
}

std::string project_path(std::string_view path, const fs::path& project_dir) {
  path = trim(path);
  if (is_plain_relative(path)) return std::string(path);
  if (starts_with(path, "file://")) path.remove_prefix(7);
  std::string p = canonicalize_path(path);
  if (!p.empty() && p.front() == '/' && !project_dir.empty()) {
    if (auto rel = path_inside(p, project_dir.string())) return *rel;
  }
  return p;
}

std::string display_path(const fs::path& path, const fs::path& project_dir, Outside outside) {
  std::error_code ec;
  const fs::path rel = fs::relative(path, project_dir, ec);
  if (ec || rel.empty()) return path.generic_string();
  std::string shown = rel.generic_string();
  if (outside == Outside::kAsGiven && starts_with(shown, "..")) return path.generic_string();
  return shown;
}

}  // namespace aqe
