// A fast reader for `coverage json` reports. nlohmann's DOM (and its SAX interface, which
// still builds a std::string per key and a callback per number) spends ~20x the 100 ms budget
// on a 10,000-file report; this reads only what the model holds (meta.branch_coverage, the
// totals, each file's summary counts and line lists) and skips the rest without allocating.
// It checks JSON syntax but not the UTF-8 of skipped strings. Anything it does not expect
// returns nullopt, and the caller falls back to nlohmann, which also words the parse errors.
#include <algorithm>
#include <charconv>

#include "aqe/coverage/coverage_py_json.h"

namespace aqe::coverage {

namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool at_end() {
    ws();
    return i_ == s_.size();
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    ws();
    return i_ < s_.size() && s_[i_] == c;
  }

  // A string; `out` gets it decoded (nullptr: skip).
  bool string(std::string* out) {
    if (!eat('"')) return false;
    if (out) out->clear();
    for (;;) {
      size_t start = i_;
      while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\' && static_cast<unsigned char>(s_[i_]) >= 0x20)
        ++i_;
      if (out) out->append(s_.substr(start, i_ - start));
      if (i_ >= s_.size() || static_cast<unsigned char>(s_[i_]) < 0x20) return false;
      if (s_[i_++] == '"') return true;
      if (!escape(out)) return false;
    }
  }

  bool number(int64_t* out) {
    ws();
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !digit(s_[i_])) return false;
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && digit(s_[i_])) ++i_;
    }
    const bool integer = i_ == s_.size() || (s_[i_] != '.' && s_[i_] != 'e' && s_[i_] != 'E');
    if (!integer) {
      if (out) return false;  // a fractional count is not what coverage.py writes
      if (s_[i_] == '.' && !digits()) return false;
      if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
        ++i_;
        if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
        --i_;
        if (!digits()) return false;
      }
      return true;
    }
    if (!out) return true;
    auto [end, ec] = std::from_chars(s_.data() + start, s_.data() + i_, *out);
    return ec == std::errc() && end == s_.data() + i_;
  }

  bool literal(bool* out) {
    ws();
    for (std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(i_, lit.size()) == lit) {
        i_ += lit.size();
        if (out != nullptr && lit == "null") return false;
        if (out != nullptr) *out = lit == "true";
        return true;
      }
    }
    return false;
  }

  bool skip_value(int depth = 0) {
    if (depth > 64) return false;
    ws();
    if (i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '"':
        return string(nullptr);
      case '{':
        return object([&](const std::string&) { return skip_value(depth + 1); });
      case '[':
        return array([&] { return skip_value(depth + 1); });
      case 't':
      case 'f':
      case 'n':
        return literal(nullptr);
      default:
        return number(nullptr);
    }
  }

  // Calls member(key) with the reader at each member's value.
  template <typename F>
  bool object(F&& member) {
    if (!eat('{')) return false;
    if (eat('}')) return true;
    do {
      if (!string(&key_) || !eat(':') || !member(key_)) return false;
    } while (eat(','));
    return eat('}');
  }

  template <typename F>
  bool array(F&& element) {
    if (!eat('[')) return false;
    if (eat(']')) return true;
    do {
      if (!element()) return false;
    } while (eat(','));
    return eat(']');
  }

  bool int_list(std::vector<int64_t>& out) {
    return array([&] {
      int64_t v = 0;
      if (!number(&v)) return false;
      out.push_back(v);
      return true;
    });
  }
  // [[from, to], ...]: coverage.py's branch arcs.
  bool arc_list(std::vector<std::pair<int64_t, int64_t>>& out) {
    return array([&] {
      std::vector<int64_t> pair;
      if (!int_list(pair) || pair.size() != 2) return false;
      out.emplace_back(pair[0], pair[1]);
      return true;
    });
  }
  // Validates a list of integers without converting or keeping them.
  bool skip_int_list() {
    return array([&] { return number(nullptr); });
  }

 private:
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool digits() {
    ++i_;
    if (i_ >= s_.size() || !digit(s_[i_])) return false;
    while (i_ < s_.size() && digit(s_[i_])) ++i_;
    return true;
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool hex4(unsigned& v) {
    if (i_ + 4 > s_.size()) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (digit(c))
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }
  bool escape(std::string* out) {
    if (i_ >= s_.size()) return false;
    const char e = s_[i_++];
    static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
    if (size_t k = kFrom.find(e); k != std::string_view::npos) {
      if (out) *out += kTo[k];
      return true;
    }
    unsigned cp = 0;
    if (e != 'u' || !hex4(cp)) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      unsigned lo = 0;
      if (s_.substr(i_, 2) != "\\u") return false;
      i_ += 2;
      if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return false;
    }
    if (out) append_utf8(*out, cp);
    return true;
  }
  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string key_;
};

// A file's "summary" or the report's "totals": the same four counts.
bool read_counts(Reader& r, int64_t& lines_covered, int64_t& lines_total, int64_t& branches_covered,
                 int64_t& branches_total) {
  return r.object([&](const std::string& k) {
    int64_t* target = k == "covered_lines"      ? &lines_covered
                      : k == "num_statements"   ? &lines_total
                      : k == "covered_branches" ? &branches_covered
                      : k == "num_branches"     ? &branches_total
                                                : nullptr;
    return target ? r.number(target) : r.skip_value();
  });
}

bool read_file_entry(Reader& r, FileCoverage& f, bool keep_lines) {
  return r.object([&](const std::string& k) {
    if (k == "summary")
      return read_counts(r, f.lines_covered, f.lines_total, f.branches_covered, f.branches_total);
    if (k == "executed_lines") return keep_lines ? r.int_list(f.covered_lines) : r.skip_int_list();
    if (k == "missing_lines") return keep_lines ? r.int_list(f.missing_lines) : r.skip_int_list();
    if (k == "missing_branches" && keep_lines) return r.arc_list(f.missing_branches);
    return r.skip_value();
  });
}

// coverage.py writes the lists sorted; checking is cheaper than sorting again.
void sort_lines(std::vector<int64_t>& lines) {
  if (!std::is_sorted(lines.begin(), lines.end())) std::sort(lines.begin(), lines.end());
}

}  // namespace

std::optional<CoverageReport> read_coverage_py_json(std::string_view text, const std::string& origin,
                                                    const ReadOptions& options) {
  Reader r(text);
  CoverageReport in;
  in.origin = origin;
  bool has_files = false;
  std::optional<Counts> totals;
  const bool ok = r.object([&](const std::string& k) {
    if (k == "meta") {
      return r.object([&](const std::string& mk) {
        return mk == "branch_coverage" && !r.peek('n') ? r.literal(&in.has_branches) : r.skip_value();
      });
    }
    if (k == "totals") {
      Counts& t = totals.emplace();
      return read_counts(r, t.lines_covered, t.lines_total, t.branches_covered, t.branches_total);
    }
    if (k != "files") return r.skip_value();
    has_files = true;
    return r.object([&](const std::string& file) {
      FileCoverage f;
      f.file = options.normalize ? options.normalize(file, options.project_dir) : file;
      f.line_data = true;
      const bool keep_lines = !options.keep_lines_for || options.keep_lines_for->count(f.file) > 0;
      if (!read_file_entry(r, f, keep_lines)) return false;
      sort_lines(f.covered_lines);
      sort_lines(f.missing_lines);
      in.files.push_back(std::move(f));
      return true;
    });
  });
  if (!ok || !r.at_end() || !has_files) return std::nullopt;
  in.totals = totals ? *totals : sum_of(in.files);
  return in;
}

}  // namespace aqe::coverage
