#include "aqe/gen/segments.h"

#include <tree_sitter/api.h>

#include <algorithm>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "aqe/util/strings.h"

extern "C" const TSLanguage* tree_sitter_python(void);

namespace aqe::gen {

namespace {

class ParsedTree {
 public:
  explicit ParsedTree(std::string_view text) : parser_(ts_parser_new()) {
    ts_parser_set_language(parser_, tree_sitter_python());
    tree_ = ts_parser_parse_string(parser_, nullptr, text.data(), static_cast<uint32_t>(text.size()));
  }
  ~ParsedTree() {
    if (tree_ != nullptr) ts_tree_delete(tree_);
    ts_parser_delete(parser_);
  }
  ParsedTree(const ParsedTree&) = delete;
  ParsedTree& operator=(const ParsedTree&) = delete;
  TSTree* tree() const { return tree_; }

 private:
  TSParser* parser_;
  TSTree* tree_ = nullptr;
};

bool is(TSNode n, const char* type) { return std::strcmp(ts_node_type(n), type) == 0; }

TSNode field(TSNode n, const char* name) {
  return ts_node_child_by_field_name(n, name, static_cast<uint32_t>(std::strlen(name)));
}

std::string_view text_of(std::string_view src, TSNode n) {
  return src.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
}

int64_t first_row(TSNode n) { return static_cast<int64_t>(ts_node_start_point(n).row) + 1; }

int64_t last_row(TSNode n) {
  const TSPoint end = ts_node_end_point(n);
  int64_t row = static_cast<int64_t>(end.row) + 1;
  // A node that ends at column 0 ends with the previous line's newline.
  if (end.column == 0 && end.row > ts_node_start_point(n).row) --row;
  return row;
}

// The definition inside a decorated_definition, or n itself.
TSNode definition_of(TSNode n) { return is(n, "decorated_definition") ? field(n, "definition") : n; }

bool is_docstring(TSNode n) {
  if (!is(n, "expression_statement") || ts_node_named_child_count(n) != 1) return false;
  TSNode c = ts_node_named_child(n, 0);
  return is(c, "string") || is(c, "concatenated_string");
}

bool is_import(TSNode n) {
  return is(n, "import_statement") || is(n, "import_from_statement") || is(n, "future_import_statement");
}

// Whitespace runs (newlines of a long parameter list too) as one space.
std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// "def add(a, b) -> int" / "class Stack(Base)", the decorators on the lines before.
std::string signature_of(std::string_view src, TSNode n) {
  std::string out;
  if (is(n, "decorated_definition")) {
    for (uint32_t i = 0; i < ts_node_named_child_count(n); ++i) {
      TSNode d = ts_node_named_child(n, i);
      if (is(d, "decorator")) out += collapse(text_of(src, d)) + "\n";
    }
  }
  TSNode def = definition_of(n);
  TSNode body = field(def, "body");
  uint32_t end = ts_node_is_null(body) ? ts_node_end_byte(def) : ts_node_start_byte(body);
  // The header ends at its ':' (a comment after it is not part of the signature).
  for (uint32_t i = 0; i < ts_node_child_count(def); ++i) {
    TSNode c = ts_node_child(def, i);
    if (ts_node_start_byte(c) >= end) break;
    if (is(c, ":")) end = ts_node_start_byte(c);
  }
  return out + collapse(src.substr(ts_node_start_byte(def), end - ts_node_start_byte(def)));
}

std::string name_of(std::string_view src, TSNode n) {
  TSNode name = field(definition_of(n), "name");
  return ts_node_is_null(name) ? std::string() : std::string(text_of(src, name));
}

// The row of a definition's header ':'.
int64_t header_end_row(TSNode def) {
  TSNode body = field(def, "body");
  int64_t row = first_row(def);
  for (uint32_t i = 0; i < ts_node_child_count(def); ++i) {
    TSNode c = ts_node_child(def, i);
    if (!ts_node_is_null(body) && ts_node_start_byte(c) >= ts_node_start_byte(body)) break;
    if (is(c, ":")) row = first_row(c);
  }
  return row;
}

void add_range(std::vector<LineRange>& ranges, int64_t first, int64_t last) {
  if (!ranges.empty() && first <= ranges.back().second + 1) {
    ranges.back().second = std::max(ranges.back().second, last);
    return;
  }
  ranges.emplace_back(first, last);
}

std::string first_line_of(std::string_view text) {
  constexpr size_t kMax = 100;
  std::string_view line = text.substr(0, text.find('\n'));
  std::string out(line.substr(0, kMax));
  if (line.size() > kMax || line.size() < text.size()) out += " ...";
  return out;
}

void add_class(std::string_view src, TSNode c, ModuleOutline& o) {
  TSNode def = definition_of(c);
  const std::string name = name_of(src, c);
  TopLevelName top{name, signature_of(src, c), {}, true};
  TSNode body = field(def, "body");
  const bool whole = last_row(c) - first_row(c) + 1 <= kWholeClassLines;
  Segment rest{SegmentKind::kClassBody, name, name + "_body", {}, name, {}, {}};
  add_range(rest.ranges, first_row(c), header_end_row(def));
  for (uint32_t i = 0; !ts_node_is_null(body) && i < ts_node_named_child_count(body); ++i) {
    TSNode m = ts_node_named_child(body, i);
    if (is(m, "comment") || is_docstring(m)) continue;
    if (is(definition_of(m), "function_definition")) {
      const std::string method = name_of(src, m);
      top.methods.emplace_back(method, signature_of(src, m));
      if (!whole)
        o.units.push_back({SegmentKind::kMethod,
                           name + "." + method,
                           name + "_" + method,
                           {{first_row(m), last_row(m)}},
                           name,
                           {},
                           {}});
      continue;
    }
    add_range(rest.ranges, first_row(m), last_row(m));
  }
  if (whole) {
    o.units.push_back({SegmentKind::kClass, name, name, {{first_row(c), last_row(c)}}, {}, {}, {}});
  } else {
    o.units.push_back(std::move(rest));
  }
  o.names.push_back(std::move(top));
}

// A file name part: ASCII letters, digits and '_' (anything else as '_'), unique in the module
// ignoring case (case-insensitive file systems); a repeated one gets its first line appended.
void assign_file_ids(std::vector<Segment>& units) {
  std::set<std::string> seen;
  for (auto& u : units) {
    std::string id;
    for (char ch : u.file_id) {
      const bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
      id += word ? ch : '_';
    }
    if (id.empty()) id = "unnamed";
    if (!seen.insert(to_lower(id)).second) id += "_" + std::to_string(u.first_line());
    seen.insert(to_lower(id));
    u.file_id = std::move(id);
  }
}

int64_t line_count(std::string_view source) {
  int64_t n = static_cast<int64_t>(std::count(source.begin(), source.end(), '\n'));
  if (!source.empty() && source.back() != '\n') ++n;
  return n;
}

}  // namespace

std::string_view kind_name(SegmentKind k) {
  switch (k) {
    case SegmentKind::kFunction:
      return "function";
    case SegmentKind::kClass:
      return "class";
    case SegmentKind::kMethod:
      return "method";
    case SegmentKind::kClassBody:
      return "class_body";
    case SegmentKind::kModule:
      return "module";
  }
  return "module";
}

ModuleOutline outline_module(std::string_view source) {
  ModuleOutline o;
  const int64_t lines = line_count(source);
  o.owner.assign(static_cast<size_t>(lines) + 1, -1);
  ParsedTree parsed(source);
  if (parsed.tree() == nullptr || ts_node_has_error(ts_tree_root_node(parsed.tree()))) {
    // No reliable structure: the whole file is one segment, as one prompt per module was.
    o.parsed = false;
    o.units.push_back(
        {SegmentKind::kModule, "", "module_level", {{1, std::max<int64_t>(lines, 1)}}, {}, {}, {}});
    std::fill(o.owner.begin() + 1, o.owner.end(), 0);
    return o;
  }
  TSNode root = ts_tree_root_node(parsed.tree());
  Segment module{SegmentKind::kModule, "", "module_level", {}, {}, {}, {}};
  for (uint32_t i = 0; i < ts_node_named_child_count(root); ++i) {
    TSNode c = ts_node_named_child(root, i);
    if (is(c, "comment") || is_docstring(c)) continue;
    if (is_import(c)) {
      o.imports.emplace_back(text_of(source, c));
      continue;
    }
    TSNode def = definition_of(c);
    if (is(def, "function_definition")) {
      const std::string name = name_of(source, c);
      o.units.push_back({SegmentKind::kFunction, name, name, {{first_row(c), last_row(c)}}, {}, {}, {}});
      o.names.push_back({name, signature_of(source, c), {}, false});
      continue;
    }
    if (is(def, "class_definition")) {
      add_class(source, c, o);
      continue;
    }
    if (is(c, "expression_statement") && ts_node_named_child_count(c) > 0 &&
        is(ts_node_named_child(c, 0), "assignment"))
      o.assignments.push_back(first_line_of(text_of(source, c)));
    add_range(module.ranges, first_row(c), last_row(c));
  }
  if (!module.ranges.empty()) o.units.push_back(std::move(module));
  std::stable_sort(o.units.begin(), o.units.end(),
                   [](const Segment& a, const Segment& b) { return a.first_line() < b.first_line(); });
  assign_file_ids(o.units);
  for (size_t u = 0; u < o.units.size(); ++u)
    for (const auto& [first, last] : o.units[u].ranges)
      for (int64_t l = std::max<int64_t>(first, 1); l <= last && l <= lines; ++l)
        o.owner[static_cast<size_t>(l)] = static_cast<int>(u);
  return o;
}

std::vector<Segment> uncovered_segments(const ModuleOutline& o, const std::vector<int64_t>& missing_lines,
                                        const std::vector<Arc>& missing_branches) {
  std::vector<Segment> units = o.units;
  auto owner_of = [&](int64_t line) -> int {
    return line >= 1 && static_cast<size_t>(line) < o.owner.size() ? o.owner[static_cast<size_t>(line)] : -1;
  };
  for (int64_t l : missing_lines)
    if (int u = owner_of(l); u >= 0) units[static_cast<size_t>(u)].missing_lines.push_back(l);
  for (const Arc& a : missing_branches)
    if (int u = owner_of(a.first); u >= 0) units[static_cast<size_t>(u)].missing_branches.push_back(a);
  std::vector<Segment> out;
  for (auto& u : units) {
    if (u.missing_lines.empty() && u.missing_branches.empty()) continue;
    std::sort(u.missing_lines.begin(), u.missing_lines.end());
    out.push_back(std::move(u));
  }
  auto later = [](const Segment& s) {
    return s.kind == SegmentKind::kClassBody || s.kind == SegmentKind::kModule;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Segment& a, const Segment& b) { return !later(a) && later(b); });
  return out;
}

std::string numbered_source(std::string_view source, const Segment& s) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < source.size();) {
    size_t nl = source.find('\n', pos);
    if (nl == std::string_view::npos) nl = source.size();
    lines.push_back(source.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::string out;
  for (size_t r = 0; r < s.ranges.size(); ++r) {
    if (r > 0) out += "      ...\n";
    for (int64_t l = s.ranges[r].first; l <= s.ranges[r].second; ++l) {
      if (l < 1 || static_cast<size_t>(l) > lines.size()) break;
      const bool missing = std::binary_search(s.missing_lines.begin(), s.missing_lines.end(), l);
      out += fmt::format("{}{:>5}  {}\n", missing ? '>' : ' ', l, lines[static_cast<size_t>(l) - 1]);
    }
  }
  return out;
}

namespace {

std::string indented(std::string_view text) {
  std::string out = "    ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

}  // namespace

std::string segment_context(const ModuleOutline& o, const Segment& s) {
  std::string out;
  for (const auto& i : o.imports) out += i + "\n";
  if (!o.imports.empty() && (!o.assignments.empty() || !o.names.empty())) out += "\n";
  for (const auto& a : o.assignments) out += a + "\n";
  const bool shown_whole = s.kind == SegmentKind::kFunction || s.kind == SegmentKind::kClass;
  for (const auto& n : o.names) {
    if (shown_whole && n.name == s.name) continue;
    if (!n.is_class) {
      out += n.signature + ": ...\n";
      continue;
    }
    out += n.signature + ":\n";
    size_t listed = 0;
    for (const auto& [method, sig] : n.methods) {
      if (s.kind == SegmentKind::kMethod && s.name == n.name + "." + method) continue;
      out += indented(sig) + ": ...\n";
      ++listed;
    }
    if (listed == 0) out += "    ...\n";
  }
  return out;
}

std::string describe(const Segment& s) {
  switch (s.kind) {
    case SegmentKind::kFunction:
      return "function `" + s.name + "`";
    case SegmentKind::kClass:
      return "class `" + s.name + "`";
    case SegmentKind::kMethod:
      return "method `" + s.name + "`";
    case SegmentKind::kClassBody:
      return "body of class `" + s.name + "` (its methods left out)";
    case SegmentKind::kModule:
      return "module-level code";
  }
  return "module-level code";
}

}  // namespace aqe::gen
