// A module cut into the parts the model engine asks about one prompt at a time (CoverUp's
// segments), from tree-sitter's parse of the source:
//   - each top-level function (`async def` too; its decorators and nested defs included);
//   - a top-level class of at most kWholeClassLines lines as a whole; a larger one as one segment
//     per method plus a `class_body` segment of its header and other statements (attributes);
//   - the module-level statements other than imports, definitions and docstrings (`module`).
// A segment is asked about when it holds an uncovered statement line or the line a missing
// branch arc starts from. Which unit a line belongs to depends on the source only, so a
// segment's name (and its test file's) is the same on every run over the same source.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aqe::gen {

inline constexpr int64_t kWholeClassLines = 30;

enum class SegmentKind { kFunction, kClass, kMethod, kClassBody, kModule };
std::string_view kind_name(SegmentKind k);  // function | class | method | class_body | module

using LineRange = std::pair<int64_t, int64_t>;  // 1-based, inclusive
using Arc = std::pair<int64_t, int64_t>;        // [from, to]; to < 0: leaves the code object

struct Segment {
  SegmentKind kind = SegmentKind::kFunction;
  std::string name;     // "sign", "Stack", "Stack.push"; the class's for class_body; "" for module
  std::string file_id;  // unique in the module (for its test file): "sign", "Stack_push", "module_level"
  std::vector<LineRange> ranges;  // the lines it shows, ascending
  std::string owner_class;        // a method's or class body's class
  // Filled by uncovered_segments(): the module's uncovered lines and missing arcs inside it.
  std::vector<int64_t> missing_lines;
  std::vector<Arc> missing_branches;
  int64_t first_line() const { return ranges.empty() ? 0 : ranges.front().first; }
  int64_t last_line() const { return ranges.empty() ? 0 : ranges.back().second; }
};

// A top-level function or class as the prompt's context shows it.
struct TopLevelName {
  std::string name;
  std::string signature;  // "def add(a, b)", "class Stack(Base)"; decorators on the lines before
  std::vector<std::pair<std::string, std::string>> methods;  // a class's: name, signature
  bool is_class = false;
};

struct ModuleOutline {
  std::vector<Segment> units;            // every segment the module has, in source order
  std::vector<std::string> imports;      // the top-level import statements' text
  std::vector<std::string> assignments;  // the first line of each top-level assignment
  std::vector<TopLevelName> names;
  std::vector<int> owner;  // line -> index in units; -1: none (imports, blanks, docstrings)
  bool parsed = true;      // false: syntax errors; the whole file is one `module` unit
};

ModuleOutline outline_module(std::string_view source);

// The units holding an uncovered line or the start of a missing arc, with those filled in, in
// the order they are asked: functions, methods and whole classes by line first, then class
// bodies and module-level code (which a test of any function covers by importing the module).
std::vector<Segment> uncovered_segments(const ModuleOutline& o, const std::vector<int64_t>& missing_lines,
                                        const std::vector<Arc>& missing_branches);

// The segment's lines, each after its number, with '>' in front of the uncovered ones.
std::string numbered_source(std::string_view source, const Segment& s);

// What the model needs of the rest of the module: its imports, top-level assignments and the
// signatures of its other top-level names (for a method: its class's header and other methods).
std::string segment_context(const ModuleOutline& o, const Segment& s);

// "function `sign`", "method `Stack.push`", "module-level code".
std::string describe(const Segment& s);

}  // namespace aqe::gen
