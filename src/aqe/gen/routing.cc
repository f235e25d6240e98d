#include "aqe/gen/routing.h"

#include <algorithm>
#include <set>

#include "aqe/util/strings.h"

namespace aqe::gen {

std::vector<std::string> default_tiers(std::string_view provider) {
  if (provider == "openai") return {"gpt-4o-mini", "gpt-4o"};
  return {"claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"};
}

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (pos < text.size()) out.push_back(text.substr(pos));
      break;
    }
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The first dotted name of `s` ("a.b as c" -> "a.b").
std::string_view first_name(std::string_view s) {
  s = strip(s);
  size_t end = 0;
  while (end < s.size() && !is_space(s[end]) && s[end] != ',' && s[end] != '(' && s[end] != ';') ++end;
  return s.substr(0, end);
}

bool keyword_line(std::string_view line, std::string_view kw) {
  return starts_with(line, kw) && (line.size() == kw.size() || line[kw.size()] == ' ' ||
                                   line[kw.size()] == '(' || line[kw.size()] == ':');
}

}  // namespace

int64_t count_imports(std::string_view source) {
  std::set<std::string, std::less<>> names;
  for (std::string_view line : lines_of(source)) {
    if (keyword_line(line, "import")) {
      std::string_view rest = line.substr(6);
      if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
      size_t pos = 0;
      while (pos <= rest.size()) {
        size_t comma = rest.find(',', pos);
        std::string_view part =
            rest.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        std::string_view name = first_name(part);
        if (!name.empty()) names.emplace(name);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
      }
    } else if (keyword_line(line, "from")) {
      std::string_view name = first_name(line.substr(4));
      if (!name.empty() && name != "__future__") names.emplace(name);
    }
  }
  return static_cast<int64_t>(names.size());
}

Complexity estimate_complexity(std::string_view source) {
  Complexity c;
  c.measured = false;
  c.imports = count_imports(source);
  for (std::string_view line : lines_of(source)) {
    std::string_view s = strip(line);
    if (s.empty() || s.front() == '#') continue;
    ++c.statements;
    for (std::string_view kw : {"if", "elif", "for", "while", "except", "case", "async for"})
      if (keyword_line(s, kw)) {
        c.branches += 2;
        break;
      }
  }
  return c;
}

bool is_simple(const Complexity& c) {
  return c.statements <= kSimpleMaxStatements && c.branches <= kSimpleMaxBranches &&
         c.imports <= kSimpleMaxImports;
}

size_t start_tier(const Complexity& c, size_t tiers) {
  if (tiers <= 1 || is_simple(c)) return 0;
  return 1;
}

size_t next_tier(size_t current, size_t tiers) { return tiers == 0 ? 0 : std::min(current + 1, tiers - 1); }

Saving compute_saving(const std::vector<RecordedCall>& calls, const std::string& strongest,
                      const std::map<std::string, llm::Price>& overrides) {
  Saving s;
  double actual = 0, top = 0;
  bool actual_known = true;
  const auto top_price = llm::find_price(strongest, overrides);
  for (const auto& c : calls) {
    if (auto p = llm::find_price(c.model, overrides)) {
      actual += llm::cost_usd(c.tokens, *p);
    } else {
      actual_known = false;
    }
    if (top_price) top += llm::cost_usd(c.tokens, *top_price);
  }
  if (actual_known) s.actual_usd = actual;
  if (top_price) s.strongest_usd = top;
  if (s.actual_usd && s.strongest_usd) s.saving_usd = *s.strongest_usd - *s.actual_usd;
  return s;
}

}  // namespace aqe::gen
