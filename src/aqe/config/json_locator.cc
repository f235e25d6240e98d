#include "aqe/config/json_locator.h"

#include <vector>

#include <nlohmann/json.hpp>

namespace aqe::config {

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : t_(text) {}

  std::map<std::string, TextPos> run() {
    skip_ws();
    value("", i_);
    return out_;
  }
  std::vector<std::pair<std::string, TextPos>> duplicates() {
    run();
    return dups_;
  }

 private:
  void advance() {
    if (t_[i_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++i_;
  }
  void skip_ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t')) advance();
  }
  std::string string_token() {
    const size_t start = i_;
    bool escaped = false;
    advance();  // opening quote
    while (i_ < t_.size() && t_[i_] != '"') {
      if (t_[i_] == '\\' && i_ + 1 < t_.size()) {
        advance();
        escaped = true;
      }
      advance();
    }
    if (i_ < t_.size()) advance();  // closing quote
    std::string_view raw = t_.substr(start, i_ - start);
    if (!escaped) return std::string(raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0));
    // The text was accepted by nlohmann, so the token is a valid JSON string: let it decode
    // the escapes exactly ("\u0061" and "a" are the same key).
    auto decoded = nlohmann::json::parse(raw, nullptr, false);
    return decoded.is_string() ? decoded.get<std::string>() : std::string(raw);
  }
  void record(const std::string& path) { out_.emplace(path, TextPos{line_, col_}); }

  void value(const std::string& path, size_t /*start*/) {
    if (i_ >= t_.size()) return;
    char c = t_[i_];
    if (c == '{') {
      advance();
      skip_ws();
      while (i_ < t_.size() && t_[i_] != '}') {
        const size_t before = i_;
        TextPos key_pos{line_, col_};
        std::string key = string_token();
        std::string child = path.empty() ? key : path + "." + key;
        if (!out_.emplace(child, key_pos).second) dups_.emplace_back(child, key_pos);
        skip_ws();
        if (i_ < t_.size() && t_[i_] == ':') advance();
        skip_ws();
        value(child, i_);
        skip_ws();
        if (i_ < t_.size() && t_[i_] == ',') advance();
        skip_ws();
        if (i_ == before) break;  // not JSON nlohmann accepted; stop rather than spin
      }
      if (i_ < t_.size()) advance();
    } else if (c == '[') {
      advance();
      skip_ws();
      int index = 0;
      while (i_ < t_.size() && t_[i_] != ']') {
        const size_t before = i_;
        std::string child = path + "[" + std::to_string(index++) + "]";
        record(child);
        value(child, i_);
        skip_ws();
        if (i_ < t_.size() && t_[i_] == ',') advance();
        skip_ws();
        if (i_ == before) break;
      }
      if (i_ < t_.size()) advance();
    } else if (c == '"') {
      string_token();
    } else {
      while (i_ < t_.size() && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']' && t_[i_] != ' ' &&
             t_[i_] != '\n' && t_[i_] != '\r' && t_[i_] != '\t')
        advance();
    }
  }

  std::string_view t_;
  size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
  std::map<std::string, TextPos> out_;
  std::vector<std::pair<std::string, TextPos>> dups_;
};

}  // namespace

std::map<std::string, TextPos> locate_members(std::string_view json_text) { return Scanner(json_text).run(); }

std::vector<std::pair<std::string, TextPos>> duplicate_members(std::string_view json_text) {
  return Scanner(json_text).duplicates();
}

}  // namespace aqe::config
