// .gitignore matching, hand-written: Debian ships no C/C++ library for it (libgit2 is not in
// the allowed set). Covers what real repositories use: comments, negation, directory-only
// patterns, anchoring, *, ?, [...] classes and ** in all three positions.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace aqe::scan {

// Shell-style glob over '/'-separated paths: '*' and '?' stop at '/', '**' crosses it.
bool glob_match(std::string_view pattern, std::string_view path);

class IgnoreFile {
 public:
  IgnoreFile() = default;
  // `base` is the directory the patterns are relative to, as a '/'-separated path relative to
  // the walk root ("" for the root itself).
  IgnoreFile(std::string base, std::string_view text);
  static IgnoreFile from_globs(const std::vector<std::string>& globs);

  // The verdict of the last pattern matching `path` (relative to the walk root):
  // +1 ignored, -1 re-included by '!', 0 no pattern matched.
  int verdict(std::string_view path, bool is_dir) const;
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string glob;
    bool negated = false;
    bool dir_only = false;
    bool anchored = false;  // contains a '/' before the end: matched against the whole path
  };
  void add_line(std::string_view line);

  std::string base_;
  std::vector<Pattern> patterns_;
};

}  // namespace aqe::scan
