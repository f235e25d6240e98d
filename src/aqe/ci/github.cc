// GitHub Actions' rules, from its documentation of workflow commands: data escapes %, CR, LF;
// properties also ':' and ','; multi-line outputs use a heredoc with a delimiter.
#include "aqe/ci/github.h"

#include <random>

namespace aqe::ci {

namespace {

const char* level_word(Annotation::Level l) {
  switch (l) {
    case Annotation::Level::kError:
      return "error";
    case Annotation::Level::kWarning:
      return "warning";
    case Annotation::Level::kNotice:
      return "notice";
  }
  return "notice";
}

// Where a UTF-8 string may be cut at or before `n` bytes without splitting a character.
size_t utf8_boundary(std::string_view s, size_t n) {
  if (n >= s.size()) return s.size();
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

std::string hex_escape(unsigned char ch) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[ch >> 4] + kHex[ch & 0xf];
}

}  // namespace

std::string escape_data(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    if (ch == '%')
      out += "%25";
    else if (ch == '\r')
      out += "%0D";
    else if (ch == '\n')
      out += "%0A";
    else if ((static_cast<unsigned char>(ch) < 0x20 && ch != '\t') || ch == 0x7f)
      out += hex_escape(static_cast<unsigned char>(ch));  // ESC and friends never reach the log raw
    else
      out += ch;
  }
  return out;
}

std::string escape_property(std::string_view s) {
  std::string out;
  for (char ch : escape_data(s)) {
    if (ch == ':')
      out += "%3A";
    else if (ch == ',')
      out += "%2C";
    else
      out += ch;
  }
  return out;
}

std::string format_annotation(const Annotation& a) {
  std::string props;
  auto add = [&](const char* key, const std::string& value) {
    props += props.empty() ? ' ' : ',';
    props += key;
    props += '=';
    props += value;
  };
  if (!a.file.empty()) add("file", escape_property(a.file));
  if (a.line > 0) add("line", std::to_string(a.line));
  if (!a.title.empty()) add("title", escape_property(a.title));
  return "::" + std::string(level_word(a.level)) + props + "::" + escape_data(a.message);
}

std::vector<std::string> spend_budget(const std::vector<Annotation>& all,
                                      const std::set<std::string>& changed_files, std::string_view title,
                                      std::string_view what, AnnotationBudget budget) {
  // A step-level annotation (no file: the gate's failed condition) is about the whole change.
  std::vector<const Annotation*> changed, rest;
  for (const auto& a : all) {
    (a.file.empty() || a.in_changed_file || changed_files.count(a.file) ? changed : rest).push_back(&a);
  }
  // One notice is kept for the count of what was left out.
  size_t left[3] = {budget.errors, budget.warnings, budget.notices > 0 ? budget.notices - 1 : 0};
  std::vector<std::string> out;
  size_t dropped = 0, dropped_changed = 0;
  for (const auto* group : {&changed, &rest}) {
    for (const Annotation* a : *group) {
      size_t& room = left[static_cast<int>(a->level)];
      if (room > 0) {
        --room;
        out.push_back(format_annotation(*a));
      } else {
        ++dropped;
        if (group == &changed) ++dropped_changed;
      }
    }
  }
  if (dropped > 0 && budget.notices > 0) {
    std::string msg = std::to_string(dropped) + " more " + std::string(what) + " not annotated";
    if (dropped_changed > 0) msg += " (" + std::to_string(dropped_changed) + " of them in changed files)";
    msg += ": GitHub shows " + std::to_string(budget.errors) + " errors and " +
           std::to_string(budget.warnings) + " warnings per step; the step summary and --json list them";
    Annotation n;
    n.level = Annotation::Level::kNotice;
    n.title = std::string(title);
    n.message = msg;
    out.push_back(format_annotation(n));
  }
  return out;
}

std::string random_delimiter() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string d = "aqe_delim_";
  for (int i = 0; i < 4; ++i) {
    const uint32_t v = rd();
    for (int b = 0; b < 8; ++b) d += kHex[(v >> (4 * b)) & 0xf];
  }
  return d;
}

std::string output_entry(std::string_view name, std::string_view value, const std::string& delimiter) {
  if (value.find_first_of("\r\n") == std::string_view::npos) {
    return std::string(name) + "=" + std::string(value) + "\n";
  }
  // The runner ends the value at the first line equal to the delimiter.
  std::string delim = delimiter;
  while (value.find(delim) != std::string_view::npos) delim += "_x";
  return std::string(name) + "<<" + delim + "\n" + std::string(value) + "\n" + delim + "\n";
}

std::string output_entries(const std::vector<std::pair<std::string, std::string>>& outputs,
                           const std::string& delimiter) {
  std::string out;
  for (const auto& [name, value] : outputs) out += output_entry(name, value, delimiter);
  return out;
}

std::string markdown_text(std::string_view s, size_t max_bytes) {
  const size_t cut = utf8_boundary(s, max_bytes);
  std::string out;
  out.reserve(cut + 8);
  for (size_t i = 0; i < cut; ++i) {
    const auto ch = static_cast<unsigned char>(s[i]);
    if (ch < 0x20 || ch == 0x7f)
      out += ' ';
    else if (std::string_view("\\`*_[]<>()|~&!#$").find(static_cast<char>(ch)) != std::string_view::npos)
      out += std::string("\\") + static_cast<char>(ch);
    else
      out += static_cast<char>(ch);
  }
  if (cut < s.size()) out += "…";
  return out;
}

std::string fit_summary(std::string md, size_t limit) {
  if (md.size() <= limit) return md;
  static constexpr size_t kTail = 64;  // room for the "… and N more lines" line
  size_t cut = md.rfind('\n', limit > kTail ? limit - kTail : 0);
  cut = cut == std::string::npos ? 0 : cut + 1;
  size_t lines = 0;
  for (size_t i = cut; i < md.size(); ++i) lines += md[i] == '\n';
  if (md.back() != '\n') ++lines;
  md.resize(cut);
  md += "\n… and " + std::to_string(lines) + " more lines\n";
  return md;
}

}  // namespace aqe::ci
