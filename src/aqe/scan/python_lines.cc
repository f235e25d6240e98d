#include "aqe/scan/python_lines.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace aqe::scan {
namespace {

constexpr size_t kNone = LogicalLine::kNone;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\r'; }

bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string_view first_word(std::string_view source, size_t at) {
  size_t e = at;
  while (e < source.size() && is_word(source[e])) ++e;
  return source.substr(at, e - at);
}

// The keyword after `async` (async def / async with / async for).
std::string_view second_word(std::string_view source, size_t at) {
  size_t e = at;
  while (e < source.size() && is_word(source[e])) ++e;
  while (e < source.size() && is_blank(source[e])) ++e;
  return first_word(source, e);
}

size_t end_of_comment(std::string_view s, size_t i) {
  size_t e = s.find('\n', i);
  return e == std::string_view::npos ? s.size() : e;
}

// Byte classes of the lexer's inner loop: most bytes of a file are ordinary and are skipped
// in runs, one table lookup each.
enum ByteClass : unsigned char { kOrdinary = 0, kBlank, kNewline, kHash, kBackslash, kQuote, kOpen, kClose };

constexpr std::array<unsigned char, 256> kClass = [] {
  std::array<unsigned char, 256> t{};
  t[static_cast<unsigned char>(' ')] = kBlank;
  t[static_cast<unsigned char>('\t')] = kBlank;
  t[static_cast<unsigned char>('\f')] = kBlank;
  t[static_cast<unsigned char>('\r')] = kBlank;
  t[static_cast<unsigned char>('\n')] = kNewline;
  t[static_cast<unsigned char>('#')] = kHash;
  t[static_cast<unsigned char>('\\')] = kBackslash;
  t[static_cast<unsigned char>('"')] = kQuote;
  t[static_cast<unsigned char>('\'')] = kQuote;
  for (char c : {'(', '[', '{'}) t[static_cast<unsigned char>(c)] = kOpen;
  for (char c : {')', ']', '}'}) t[static_cast<unsigned char>(c)] = kClose;
  return t;
}();

unsigned char class_of(char c) { return kClass[static_cast<unsigned char>(c)]; }

// Whether the byte at `at` is escaped: an odd run of backslashes right before it, none of them
// before `from`.
bool escaped(std::string_view s, size_t from, size_t at) {
  size_t run = 0;
  while (at > from + run && s[at - 1 - run] == '\\') ++run;
  return (run & 1u) != 0;
}

}  // namespace

PythonLines::PythonLines(std::string_view source) : src_(source) {
  lex();
  link_parents();
}

// One past the closing quote of the literal opening at `i` (or the end of its line when it
// is not closed, as the tokenizer would stop there).
size_t PythonLines::skip_literal(size_t i) {
  const size_t n = src_.size();
  const char q = src_[i];
  if (i + 2 < n && src_[i + 1] == q && src_[i + 2] == q) {
    // Triple-quoted (docstrings, most of a literal's bytes): jump from quote to quote.
    const size_t body = i + 3;
    for (size_t j = body; j < n;) {
      const void* hit = std::memchr(src_.data() + j, q, n - j);
      if (hit == nullptr) break;
      const size_t at = static_cast<size_t>(static_cast<const char*>(hit) - src_.data());
      if (!escaped(src_, body, at) && at + 2 < n && src_[at + 1] == q && src_[at + 2] == q) return at + 3;
      j = at + 1;
    }
    balanced_ = false;
    return n;
  }
  for (size_t j = i + 1; j < n; ++j) {
    if (src_[j] == '\\') {
      ++j;
    } else if (src_[j] == q) {
      return j + 1;
    } else if (src_[j] == '\n') {
      balanced_ = false;
      return j;
    }
  }
  balanced_ = false;
  return n;
}

void PythonLines::lex() {
  const size_t n = src_.size();
  size_t i = 0;
  while (i < n) {
    const size_t line_start = i;
    int col = 0;
    while (i < n && (src_[i] == ' ' || src_[i] == '\t' || src_[i] == '\f')) {
      col = src_[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
      ++i;
    }
    if (i >= n) break;
    if (src_[i] == '\n' || src_[i] == '\r') {
      ++i;
      continue;
    }
    if (src_[i] == '#') {
      size_t e = end_of_comment(src_, i);
      comments_.emplace_back(i, e);
      i = e;
      continue;
    }
    LogicalLine line;
    line.begin = line_start;
    line.code = i;
    line.indent = col;
    int depth = 0;
    size_t last = kNone;
    bool open = true;
    while (open && i < n) {
      switch (class_of(src_[i])) {
        case kOrdinary: {
          size_t j = i + 1;
          while (j < n && class_of(src_[j]) == kOrdinary) ++j;
          last = j - 1;
          i = j;
          break;
        }
        case kBlank:
          ++i;
          break;
        case kNewline:
          if (depth == 0) {
            open = false;
          } else {
            ++i;
          }
          break;
        case kHash: {
          size_t e = end_of_comment(src_, i);
          comments_.emplace_back(i, e);
          i = e;
          break;
        }
        case kBackslash:
          if (i + 1 < n && (src_[i + 1] == '\n' || src_[i + 1] == '\r')) {
            i += src_[i + 1] == '\r' && i + 2 < n && src_[i + 2] == '\n' ? 3 : 2;
          } else {
            last = i++;
          }
          break;
        case kQuote: {
          size_t e = skip_literal(i);
          literals_.emplace_back(i, e);
          last = e - 1;
          i = e;
          break;
        }
        case kOpen:
          ++depth;
          last = i++;
          break;
        default:  // kClose
          if (depth > 0) --depth;
          last = i++;
          break;
      }
    }
    if (depth > 0) balanced_ = false;
    line.end = i;
    if (line.end > line.code && src_[line.end - 1] == '\r') --line.end;
    if (last != kNone && src_[last] == ':') line.colon = last;
    lines_.push_back(line);
    if (i < n) ++i;
  }
}

void PythonLines::link_parents() {
  std::vector<size_t> open;  // indices of lines whose block may still hold later lines
  for (size_t i = 0; i < lines_.size(); ++i) {
    while (!open.empty() && lines_[open.back()].indent >= lines_[i].indent) open.pop_back();
    lines_[i].parent = open.empty() ? kNone : open.back();
    open.push_back(i);
  }
}

const std::pair<size_t, size_t>* PythonLines::span_at(const Spans& spans, size_t pos) {
  auto it = std::upper_bound(spans.begin(), spans.end(), pos,
                             [](size_t p, const std::pair<size_t, size_t>& s) { return p < s.first; });
  if (it == spans.begin()) return nullptr;
  --it;
  return pos < it->second ? &*it : nullptr;
}

size_t PythonLines::inside(const Spans& spans, size_t pos) {
  const auto* span = span_at(spans, pos);
  return span == nullptr ? kNone : span->first;
}

size_t PythonLines::literal_end(size_t pos) const {
  const auto* span = span_at(literals_, pos);
  return span == nullptr ? kNone : span->second;
}

size_t PythonLines::line_of(size_t pos) const {
  auto it = std::upper_bound(lines_.begin(), lines_.end(), pos,
                             [](size_t p, const LogicalLine& l) { return p < l.begin; });
  if (it == lines_.begin()) return kNone;
  --it;
  return pos <= it->end ? static_cast<size_t>(it - lines_.begin()) : kNone;
}

PythonSnippet::PythonSnippet(std::string_view source, const PythonLines& lines,
                             const std::vector<size_t>& chosen) {
  const auto& all = lines.lines();
  enum : unsigned char { kChosen = 1, kEnclosing = 2 };
  std::vector<unsigned char> mark(all.size(), 0);
  for (size_t c : chosen) {
    mark[c] |= kChosen;
    for (size_t p = all[c].parent; p != kNone && (mark[p] & kEnclosing) == 0; p = all[p].parent)
      mark[p] |= kEnclosing;
  }
  for (size_t i = 0; i < all.size(); ++i) {
    if (mark[i] == 0) continue;
    if (!emit(source, all[i], (mark[i] & kChosen) != 0, (mark[i] & kEnclosing) != 0)) {
      text_.clear();
      segments_.clear();
      return;
    }
  }
}

void PythonSnippet::copy(std::string_view source, size_t from, size_t size) {
  segments_.push_back({text_.size(), from, size});
  text_.append(source.substr(from, size));
}

// A chosen line is copied whole (a header gets ' pass' as its body unless lines of its block
// follow); an enclosing line that is not a chosen one only provides nesting, so it becomes
// 'if 1:' unless it is a def or class, whose name some rules read.
bool PythonSnippet::emit(std::string_view source, const LogicalLine& line, bool chosen, bool has_body) {
  std::string_view indent = source.substr(line.begin, line.code - line.begin);
  std::string_view word = first_word(source, line.code);
  if (word == "async") word = second_word(source, line.code);
  if (has_body && line.colon == kNone) return false;
  if (!chosen) {
    text_ += indent;
    if (word == "def" || word == "class") {
      copy(source, line.code, line.colon + 1 - line.code);
      text_ += "\n";
    } else {
      text_ += "if 1:\n";
    }
    return true;
  }
  if (word == "case") return false;
  if (word == "elif" || word == "else") text_.append(indent).append("if 1: pass\n");
  if (word == "except" || word == "finally") text_.append(indent).append("try: pass\n");
  text_ += indent;
  if (line.colon != kNone) {
    copy(source, line.code, line.colon + 1 - line.code);
    text_ += has_body ? "\n" : " pass\n";
    return true;
  }
  copy(source, line.code, line.end - line.code);
  text_ += "\n";
  if (source[line.code] == '@') text_.append(indent).append("def _(): pass\n");
  return true;
}

const PythonSnippet::Segment* PythonSnippet::segment_at(size_t at) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), at,
                             [](size_t a, const Segment& s) { return a < s.at; });
  if (it == segments_.begin()) return nullptr;
  --it;
  return at < it->at + it->size ? &*it : nullptr;
}

size_t PythonSnippet::original(size_t at) const {
  const Segment* s = segment_at(at);
  return s == nullptr ? kNone : s->from + (at - s->at);
}

size_t PythonSnippet::source_run(size_t at, size_t length) const {
  const Segment* s = segment_at(at);
  return s == nullptr ? 0 : std::min(length, s->at + s->size - at);
}

}  // namespace aqe::scan
