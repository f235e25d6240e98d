#include "aqe/config/keys.h"

#include <cstdio>
#include <iterator>
#include <string>

#include "aqe/config/key_rows.h"

namespace aqe::config {

namespace {

using enum ValueType;
const std::vector<KeyDef> kKeys(std::begin(rows::kRows), std::end(rows::kRows));

// "scopes[2].conditions[0].op" -> "scopes[].conditions[].op"
std::string strip_indices(std::string_view p) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '[') {
      size_t close = p.find(']', i);
      if (close == std::string_view::npos) return std::string(p);
      out += "[]";
      i = close;
    } else {
      out += p[i];
    }
  }
  return out;
}

// True when `pattern` (with "*" segments) matches `path` (indices already stripped).
bool pattern_matches(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    size_t pe = pattern.find('.');
    size_t qe = path.find('.');
    std::string_view ps = pattern.substr(0, pe);
    std::string_view qs = path.substr(0, qe);
    if (ps != "*" && ps != qs) return false;
    if ((pe == std::string_view::npos) != (qe == std::string_view::npos)) return false;
    if (pe == std::string_view::npos) return true;
    pattern.remove_prefix(pe + 1);
    path.remove_prefix(qe + 1);
  }
  return pattern.empty() && path.empty();
}

}  // namespace

const std::vector<KeyDef>& key_table() { return kKeys; }

namespace {
std::string format_bound(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

std::string Range::describe() const {
  const bool has_min = min != -std::numeric_limits<double>::infinity();
  const bool has_max = max != std::numeric_limits<double>::infinity();
  std::string lo = std::string(min_exclusive ? "> " : ">= ") + format_bound(min);
  std::string hi = std::string(max_exclusive ? "< " : "<= ") + format_bound(max);
  if (has_min && has_max && !min_exclusive && !max_exclusive)
    return "between " + format_bound(min) + " and " + format_bound(max);
  if (has_min && has_max) return lo + " and " + hi;
  if (has_min) return lo;
  if (has_max) return hi;
  return "any number";
}

std::string_view file_name(ConfigFile f) {
  switch (f) {
    case ConfigFile::kFleet:
      return "qe-fleet.json";
    case ConfigFile::kGates:
      return "quality-gates.json";
    case ConfigFile::kStorage:
      return "storage.json";
  }
  return "";
}

std::string_view key_prefix(ConfigFile f) {
  switch (f) {
    case ConfigFile::kFleet:
      return "";
    case ConfigFile::kGates:
      return "gates.";
    case ConfigFile::kStorage:
      return "storage.";
  }
  return "";
}

std::string_view type_name(ValueType t) {
  switch (t) {
    case kBool:
      return "boolean";
    case kInt:
      return "integer";
    case kNumber:
      return "number";
    case kString:
      return "string";
    case kStringList:
      return "array of strings";
    case kEnum:
      return "string";
    case kObject:
      return "object";
    case kArray:
      return "array of objects";
    case kMap:
      return "object";
  }
  return "";
}

const KeyDef* find_key(ConfigFile file, std::string_view concrete_path) {
  std::string p = strip_indices(concrete_path);
  for (const auto& k : kKeys) {
    if (k.file == file && pattern_matches(k.path, p)) return &k;
  }
  return nullptr;
}

std::vector<std::string> child_names(ConfigFile file, std::string_view parent_pattern) {
  std::vector<std::string> out;
  std::string parent = strip_indices(parent_pattern);
  for (const auto& k : kKeys) {
    if (k.file != file) continue;
    std::string_view p = k.path;
    size_t dot = p.rfind('.');
    std::string_view head = dot == std::string_view::npos ? std::string_view() : p.substr(0, dot);
    std::string_view leaf = dot == std::string_view::npos ? p : p.substr(dot + 1);
    if (leaf == "*") continue;
    if (pattern_matches(head, parent) || (head.empty() && parent.empty())) out.emplace_back(leaf);
  }
  return out;
}

}  // namespace aqe::config
