#include "aqe/scan/gitignore.h"

#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

// Matches a bracket expression at p[0] == '['; returns the length consumed, or 0 if malformed.
size_t match_class(std::string_view p, char c, bool& matched) {
  size_t i = 1;
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  bool hit = false;
  bool first = true;
  for (; i < p.size() && (first || p[i] != ']'); ++i, first = false) {
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hit = hit || (c >= p[i] && c <= p[i + 2]);
      i += 2;
    } else {
      hit = hit || c == p[i];
    }
  }
  if (i >= p.size()) return 0;
  matched = (hit != negate) && c != '/';
  return i + 1;
}

bool match_from(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      if (rest.empty()) return true;
      // "**/" also matches zero directories.
      if (rest[0] == '/') {
        if (match_from(rest.substr(1), s)) return true;
      }
      for (size_t i = 0; i < s.size(); ++i) {
        if (match_from(rest, s.substr(i + 1))) return true;
      }
      return false;
    }
    if (p[0] == '*') {
      std::string_view rest = p.substr(1);
      for (size_t i = 0; i <= s.size(); ++i) {
        if (match_from(rest, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') return false;
      }
      return false;
    }
    if (s.empty()) return false;
    if (p[0] == '?') {
      if (s[0] == '/') return false;
      p.remove_prefix(1);
      s.remove_prefix(1);
      continue;
    }
    if (p[0] == '[') {
      bool matched = false;
      size_t used = match_class(p, s[0], matched);
      if (used > 0) {
        if (!matched) return false;
        p.remove_prefix(used);
        s.remove_prefix(1);
        continue;
      }
    }
    if (p[0] == '\\' && p.size() > 1) p.remove_prefix(1);
    if (p[0] != s[0]) return false;
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) { return match_from(pattern, path); }

IgnoreFile::IgnoreFile(std::string base, std::string_view text) : base_(std::move(base)) {
  for (const std::string& line : split(text, '\n')) add_line(line);
}

IgnoreFile IgnoreFile::from_globs(const std::vector<std::string>& globs) {
  IgnoreFile f;
  for (const std::string& g : globs) f.add_line(g);
  return f;
}

void IgnoreFile::add_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // Trailing spaces are ignored unless escaped with a backslash.
  while (!line.empty() && line.back() == ' ' && !(line.size() >= 2 && line[line.size() - 2] == '\\')) {
    line.remove_suffix(1);
  }
  if (line.empty() || line[0] == '#') return;
  Pattern p;
  if (line[0] == '!') {
    p.negated = true;
    line.remove_prefix(1);
  } else if (line[0] == '\\' && line.size() > 1 && (line[1] == '#' || line[1] == '!')) {
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '/') {
    p.dir_only = true;
    line.remove_suffix(1);
  }
  if (line.empty()) return;
  p.anchored = line.find('/') != std::string_view::npos;
  if (line[0] == '/') line.remove_prefix(1);
  p.glob = std::string(line);
  patterns_.push_back(std::move(p));
}

int IgnoreFile::verdict(std::string_view path, bool is_dir) const {
  if (!base_.empty()) {
    if (path.size() <= base_.size() || path.substr(0, base_.size()) != base_ || path[base_.size()] != '/') {
      return 0;
    }
    path.remove_prefix(base_.size() + 1);
  }
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
    if (it->dir_only && !is_dir) continue;
    bool hit = it->anchored ? glob_match(it->glob, path) : glob_match(it->glob, basename_of(path));
    if (hit) return it->negated ? -1 : 1;
  }
  return 0;
}

}  // namespace aqe::scan
