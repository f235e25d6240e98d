#include "aqe/util/json.h"

#include <cctype>

namespace aqe {

namespace {

using nlohmann::json;

// nlohmann's DOM builder behind a SAX that counts depth and keeps the error instead of throwing
// (parse() throws out_of_range, not parse_error, for 1e999).
class BoundedDomSax {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit BoundedDomSax(json& root) : dom_(root, /*allow_exceptions=*/false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) { return dom_.number_float(v, s); }
  bool string(string_t& v) { return dom_.string(v); }
  bool binary(binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return enter() && dom_.start_object(n); }
  bool key(string_t& k) { return dom_.key(k); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return enter() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    position_ = position;
    reason_ = ex.what();
    return false;
  }

  bool too_deep() const { return too_deep_; }
  std::size_t position() const { return position_; }
  const std::string& reason() const { return reason_; }

 private:
  bool enter() {
    if (++depth_ <= kMaxJsonDepth) return true;
    too_deep_ = true;
    return false;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  int depth_ = 0;
  bool too_deep_ = false;
  std::size_t position_ = 0;
  std::string reason_;
};

// The byte that opens the first container nested deeper than the bound; the text before it
// has been accepted by the parser, so strings and brackets are well formed up to there.
size_t offset_of_depth(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if ((c == '[' || c == '{') && ++depth > kMaxJsonDepth)
      return i;
    else if (c == ']' || c == '}')
      --depth;
  }
  return text.size();
}

// nlohmann reports the byte after the offending token; users want its first character.
size_t start_of_token_before(std::string_view text, size_t byte) {
  if (byte == 0) return 0;
  if (byte > text.size()) return text.size();
  size_t i = byte - 1;
  if (text[i] == '"' && i > 0) {
    size_t open = text.rfind('"', i - 1);
    return open == std::string_view::npos ? i : open;
  }
  auto in_token = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
  };
  while (i > 0 && in_token(text[i - 1]) && std::isalnum(static_cast<unsigned char>(text[i]))) --i;
  return i;
}

// nlohmann quotes the bytes it last read, which are the user's: as \xNN when not printable
// ASCII, so that the message is valid UTF-8 (for JSON) and safe on a terminal.
std::string escaped(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
      continue;
    }
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." -> the
// reason; the position is the caller's to word.
std::string reason_of(const std::string& what) {
  std::string r = what;
  if (r.rfind("[json.exception.", 0) == 0) {
    size_t close = r.find("] ");
    if (close != std::string::npos) r = r.substr(close + 2);
  }
  if (r.rfind("parse error", 0) == 0) {
    size_t colon = r.find(": ");
    if (colon != std::string::npos) r = r.substr(colon + 2);
  }
  return escaped(r);
}

}  // namespace

ParsedJson parse_json(std::string_view text) {
  ParsedJson out;
  BoundedDomSax sax(out.value);
  if (json::sax_parse(text.begin(), text.end(), &sax)) return out;
  out.value = json(json::value_t::discarded);
  if (sax.too_deep()) {
    out.error = JsonSyntaxError{offset_of_depth(text),
                                "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
  } else {
    out.error = JsonSyntaxError{start_of_token_before(text, sax.position()), reason_of(sax.reason())};
  }
  return out;
}

std::string dump_json(const json& doc, int indent) {
  return doc.dump(indent, ' ', false, json::error_handler_t::replace);
}

const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string string_or(const json& obj, std::string_view key, std::string_view fallback) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string(fallback);
}

double number_or(const json& obj, std::string_view key, double fallback) {
  const json* v = member(obj, key);
  return v && v->is_number() ? v->get<double>() : fallback;
}

bool bool_or(const json& obj, std::string_view key, bool fallback) {
  const json* v = member(obj, key);
  return v && v->is_boolean() ? v->get<bool>() : fallback;
}

std::vector<std::string> strings_of(const json& obj, std::string_view key) {
  std::vector<std::string> out;
  const json* v = member(obj, key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : *v) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace aqe
