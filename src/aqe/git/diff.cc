// Unified diffs as `git diff -U0` prints them: the files and the lines each one adds.
#include <charconv>

#include "aqe/git/git.h"
#include "aqe/util/strings.h"

namespace aqe::git {

namespace {

Error diff_error(int line_no, const std::string& what) {
  return make_error(std::string(kDiffInvalid),
                    "git diff output line " + std::to_string(line_no) + ": " + what,
                    "report this with the output of the git diff command");
}

// git quotes paths with unusual bytes C-style: "a/t\303\251st \"x\".py".
std::string unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  s = s.substr(1, s.size() - 2);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char e = s[++i];
    if (e >= '0' && e <= '7') {
      int v = 0;
      for (int k = 0; k < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k, ++i) v = v * 8 + (s[i] - '0');
      --i;
      out += static_cast<char>(v);
      continue;
    }
    static constexpr std::string_view kFrom = "abfnrtv\\\"", kTo = "\a\b\f\n\r\t\v\\\"";
    const size_t k = kFrom.find(e);
    out += k == std::string_view::npos ? e : kTo[k];
  }
  return out;
}

// "--- a/x", "+++ b/x", "rename to x": the path, without the prefix; "" for /dev/null.
std::string path_of(std::string_view raw, std::string_view prefix) {
  // git ends a ---/+++ path that contains a space with a tab.
  if (!raw.empty() && raw.back() == '\t') raw.remove_suffix(1);
  std::string p = unquote(raw);
  if (p == "/dev/null") return "";
  if (!prefix.empty() && starts_with(p, prefix)) p = p.substr(prefix.size());
  return p;
}

bool parse_count(std::string_view s, int64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// "-3,2" / "+4" -> (start, count); a count left out means 1.
bool parse_range(std::string_view s, int64_t& start, int64_t& count) {
  if (s.size() < 2) return false;
  s.remove_prefix(1);
  size_t comma = s.find(',');
  count = 1;
  if (comma != std::string_view::npos && !parse_count(s.substr(comma + 1), count)) return false;
  return parse_count(s.substr(0, comma), start);
}

struct Hunk {
  int64_t old_left = 0, new_left = 0, next_new = 0;
  bool open() const { return old_left > 0 || new_left > 0; }
};

// "@@ -a,b +c,d @@ context"
bool parse_hunk_header(std::string_view line, Hunk& h) {
  auto parts = split(line.substr(0, line.find(" @@", 2)), ' ');
  if (parts.size() != 3 || parts[0] != "@@" || parts[1][0] != '-' || parts[2][0] != '+') return false;
  int64_t old_start = 0, new_start = 0;
  if (!parse_range(parts[1], old_start, h.old_left) || !parse_range(parts[2], new_start, h.new_left))
    return false;
  h.next_new = new_start;
  return true;
}

// A line inside a hunk; the counts tell it apart from a header ("--- x" may be a removed "-- x").
Status hunk_line(std::string_view line, Hunk& h, ChangedFile& f, int line_no) {
  const char c = line.empty() ? ' ' : line[0];
  if (c == '+') {
    if (h.new_left-- <= 0) return diff_error(line_no, "more added lines than the hunk header counts");
    f.added_lines.push_back(h.next_new++);
  } else if (c == '-') {
    if (h.old_left-- <= 0) return diff_error(line_no, "more removed lines than the hunk header counts");
  } else if (c == ' ') {
    --h.old_left;
    --h.new_left;
    ++h.next_new;
  } else if (c != '\\') {  // "\ No newline at end of file" belongs to the line before it
    return diff_error(line_no, "unexpected line inside a hunk: '" + std::string(line.substr(0, 40)) + "'");
  }
  return ok_status();
}

void header_line(std::string_view line, ChangedFile& f) {
  if (starts_with(line, "new file mode")) {
    f.added = true;
  } else if (starts_with(line, "deleted file mode")) {
    f.deleted = true;
  } else if (starts_with(line, "rename from ")) {
    f.renamed = true;
    f.old_path = path_of(line.substr(12), "");
  } else if (starts_with(line, "rename to ")) {
    f.path = path_of(line.substr(10), "");
  } else if (starts_with(line, "--- ")) {
    f.old_path = path_of(line.substr(4), "a/");
  } else if (starts_with(line, "+++ ")) {
    f.path = path_of(line.substr(4), "b/");
  } else if (starts_with(line, "Binary files ")) {
    f.binary = true;
  }
}

// "diff --git a/x b/x": both paths, for changes without ---/+++ lines (mode only, binary).
// Unambiguous only when both are equal, which is the case that needs it.
void paths_from_git_line(std::string_view rest, ChangedFile& f) {
  if (rest.size() % 2 == 0 || rest.size() < 7) return;
  size_t half = (rest.size() - 1) / 2;
  std::string_view a = rest.substr(0, half), b = rest.substr(half + 1);
  if (!starts_with(a, "a/") || !starts_with(b, "b/") || a.substr(2) != b.substr(2)) return;
  f.old_path = f.path = std::string(b.substr(2));
}

}  // namespace

Result<std::vector<ChangedFile>> parse_unified_diff(std::string_view text) {
  std::vector<ChangedFile> files;
  Hunk hunk;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (hunk.open()) {
      if (auto st = hunk_line(line, hunk, files.back(), line_no); !st) return st.error();
      continue;
    }
    if (starts_with(line, "diff --git ")) {
      files.emplace_back();
      paths_from_git_line(line.substr(11), files.back());
      continue;
    }
    if (line.empty() || starts_with(line, "\\")) continue;
    if (files.empty()) return diff_error(line_no, "text before the first 'diff --git' line");
    if (starts_with(line, "@@ ")) {
      if (!parse_hunk_header(line, hunk))
        return diff_error(line_no, "malformed hunk header '" + std::string(line) + "'");
      continue;
    }
    const bool content = line[0] == '+' || line[0] == '-' || line[0] == ' ';
    if (content && !starts_with(line, "--- ") && !starts_with(line, "+++ "))
      return diff_error(line_no, "a content line outside any hunk (the hunk header counts fewer lines)");
    header_line(line, files.back());
  }
  if (hunk.open()) return diff_error(line_no, "the diff ends inside a hunk");
  for (auto& f : files) {
    if (f.deleted) f.path.clear();
    if (f.added) f.old_path.clear();
  }
  return files;
}

}  // namespace aqe::git
