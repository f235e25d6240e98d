#include "aqe/scan/version.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <regex>
#include <tuple>

#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

// The grammar of PEP 440 appendix B (packaging.version.VERSION_PATTERN), case-insensitive.
const std::regex& pep440_pattern() {
  static const std::regex re(R"(^\s*v?(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*))"
                             R"((?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?)"
                             R"((?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?)"
                             R"((?:[-_.]?(dev)[-_.]?([0-9]+)?)?)"
                             R"((?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$)",
                             std::regex::icase | std::regex::ECMAScript | std::regex::optimize);
  return re;
}

std::optional<int64_t> to_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

int pre_kind(const std::string& label) {
  std::string l = to_lower(label);
  if (l == "a" || l == "alpha") return 0;
  if (l == "b" || l == "beta") return 1;
  return 2;  // c, rc, pre, preview
}

template <typename T>
int three_way(const T& a, const T& b) {
  if (a < b) return -1;
  if (b < a) return 1;
  return 0;
}

// The sort key of packaging.version._cmpkey, with -inf/+inf as the ends of each int range.
using LocalKey = std::vector<std::tuple<bool, int64_t, std::string>>;
using SortKey =
    std::tuple<int64_t, std::vector<int64_t>, std::pair<int, int64_t>, int64_t, int64_t, LocalKey>;

SortKey sort_key(const Pep440Version& v) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> release = v.release;
  while (!release.empty() && release.back() == 0) release.pop_back();
  // A dev release of a final version sorts before its pre-releases; a final sorts after them.
  std::pair<int, int64_t> pre = v.pre ? *v.pre : std::pair<int, int64_t>{3, 0};
  if (!v.pre && !v.post && v.dev) pre = {-1, 0};
  int64_t post = v.post ? *v.post : -1;
  int64_t dev = v.dev ? *v.dev : kMax;
  LocalKey local;
  for (const std::string& seg : v.local) {
    auto n = to_int(seg);
    // Numeric segments sort after alphanumeric ones.
    local.emplace_back(n.has_value(), n.value_or(0), n ? std::string() : seg);
  }
  return {v.epoch, release, pre, post, dev, local};
}

std::optional<SemVer> parse_semver_core(std::string_view core) {
  auto parts = split(core, '.');
  if (parts.size() != 3) return std::nullopt;
  uint64_t nums[3];
  for (size_t i = 0; i < 3; ++i) {
    const std::string& p = parts[i];
    if (p.empty() || (p.size() > 1 && p[0] == '0')) return std::nullopt;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), nums[i]);
    if (ec != std::errc() || end != p.data() + p.size()) return std::nullopt;
  }
  return SemVer{nums[0], nums[1], nums[2], {}};
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int compare_identifier(const std::string& a, const std::string& b) {
  bool an = all_digits(a), bn = all_digits(b);
  if (an && bn) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return three_way(a, b);
  }
  if (an != bn) return an ? -1 : 1;  // numeric identifiers have lower precedence
  return three_way(a, b);
}

// "1.2.*" as a prefix: the release segments before ".*".
std::optional<Pep440Version> prefix_of(std::string_view version) {
  if (!ends_with(version, ".*")) return std::nullopt;
  return parse_pep440(version.substr(0, version.size() - 2));
}

bool release_starts_with(const Pep440Version& v, const Pep440Version& prefix) {
  if (v.epoch != prefix.epoch) return false;
  for (size_t i = 0; i < prefix.release.size(); ++i) {
    int64_t seg = i < v.release.size() ? v.release[i] : 0;
    if (seg != prefix.release[i]) return false;
  }
  return true;
}

bool clause_admits(const SpecClause& c, const Pep440Version& v) {
  if (c.op == "===") return false;  // arbitrary equality is a string match: see spec_admits
  if (c.op == "==" || c.op == "!=") {
    bool equal = false;
    if (auto prefix = prefix_of(c.version)) {
      equal = release_starts_with(v, *prefix);
    } else if (auto want = parse_pep440(c.version)) {
      Pep440Version candidate = v;
      if (want->local.empty()) candidate.local.clear();  // "==1.0" matches "1.0+local"
      equal = compare_pep440(candidate, *want) == 0;
    }
    return c.op == "==" ? equal : !equal;
  }
  auto want = parse_pep440(c.version);
  if (!want) return false;
  int cmp = compare_pep440(v, *want);
  if (c.op == ">=") return cmp >= 0;
  if (c.op == "<=") return cmp <= 0;
  if (c.op == ">") return cmp > 0;
  if (c.op == "<") return cmp < 0;
  if (c.op == "~=") {
    if (cmp < 0 || want->release.size() < 2) return false;
    Pep440Version prefix = *want;
    prefix.release.pop_back();
    return release_starts_with(v, prefix);
  }
  return false;
}

constexpr std::string_view kOps[] = {"===", "~=", "==", "!=", "<=", ">=", "<", ">"};

std::optional<SpecClause> parse_clause(std::string_view text) {
  std::string_view t = trim(text);
  for (std::string_view op : kOps) {
    if (!starts_with(t, op)) continue;
    std::string version(trim(t.substr(op.size())));
    if (version.empty()) return std::nullopt;
    if (op != "===" &&
        !parse_pep440(ends_with(version, ".*") ? version.substr(0, version.size() - 2) : version))
      return std::nullopt;
    return SpecClause{std::string(op), version};
  }
  return std::nullopt;
}

std::string join_release(const std::vector<int64_t>& release, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i != 0) out += '.';
    out += std::to_string(i < release.size() ? release[i] : 0);
  }
  return out;
}

// Poetry's "^X.Y.Z": up to the next change of the leftmost non-zero segment.
std::vector<SpecClause> caret(const std::string& base, const Pep440Version& v) {
  std::vector<int64_t> upper;
  size_t given = v.release.size();
  size_t i = 0;
  while (i + 1 < given && v.release[i] == 0) ++i;
  for (size_t k = 0; k < i; ++k) upper.push_back(0);
  upper.push_back((i < given ? v.release[i] : 0) + 1);
  return {{">=", base}, {"<", join_release(upper, upper.size())}};
}

// Poetry's "~X.Y.Z": patch-level changes when minor is given, minor-level when only major is.
std::vector<SpecClause> tilde(const std::string& base, const Pep440Version& v) {
  const size_t keep = v.release.size() >= 2 ? 2 : 1;
  std::vector<int64_t> upper(keep, 0);
  for (size_t k = 0; k < keep && k < v.release.size(); ++k) upper[k] = v.release[k];
  upper[keep - 1] += 1;
  return {{">=", base}, {"<", join_release(upper, upper.size())}};
}

}  // namespace

std::optional<Pep440Version> parse_pep440(std::string_view text) {
  // std::regex recurses per character; no version is this long (see parse_pep508).
  constexpr size_t kMaxVersionBytes = 256;
  if (text.size() > kMaxVersionBytes) return std::nullopt;
  std::string s(text);
  std::smatch m;
  if (!std::regex_match(s, m, pep440_pattern())) return std::nullopt;
  Pep440Version v;
  if (m[1].matched) v.epoch = to_int(m[1].str()).value_or(0);
  for (const std::string& seg : split(m[2].str(), '.')) {
    auto n = to_int(seg);
    if (!n) return std::nullopt;
    v.release.push_back(*n);
  }
  if (m[3].matched) v.pre = std::pair<int, int64_t>{pre_kind(m[3].str()), to_int(m[4].str()).value_or(0)};
  if (m[5].matched) {
    v.post = to_int(m[5].str());
  } else if (m[6].matched) {
    v.post = m[7].matched ? to_int(m[7].str()) : std::optional<int64_t>(0);
  }
  if (m[8].matched) v.dev = m[9].matched ? to_int(m[9].str()) : std::optional<int64_t>(0);
  if (m[10].matched) {
    std::string local = to_lower(m[10].str());
    std::replace(local.begin(), local.end(), '-', '.');
    std::replace(local.begin(), local.end(), '_', '.');
    v.local = split(local, '.');
  }
  return v;
}

int compare_pep440(const Pep440Version& a, const Pep440Version& b) {
  return three_way(sort_key(a), sort_key(b));
}

std::optional<SemVer> parse_semver(std::string_view text) {
  std::string_view t = trim(text);
  if (starts_with(t, "v") || starts_with(t, "=")) t.remove_prefix(1);
  if (size_t plus = t.find('+'); plus != std::string_view::npos) t = t.substr(0, plus);
  std::string_view pre;
  if (size_t dash = t.find('-'); dash != std::string_view::npos) {
    pre = t.substr(dash + 1);
    t = t.substr(0, dash);
    if (pre.empty()) return std::nullopt;
  }
  auto v = parse_semver_core(t);
  if (!v) return std::nullopt;
  if (!pre.empty()) {
    v->pre = split(pre, '.');
    for (const std::string& id : v->pre)
      if (id.empty()) return std::nullopt;
  }
  return v;
}

int compare_semver(const SemVer& a, const SemVer& b) {
  if (int c = three_way(std::tie(a.major, a.minor, a.patch), std::tie(b.major, b.minor, b.patch)); c != 0)
    return c;
  // A pre-release sorts before its release.
  if (a.pre.empty() != b.pre.empty()) return a.pre.empty() ? 1 : -1;
  for (size_t i = 0; i < std::min(a.pre.size(), b.pre.size()); ++i) {
    if (int c = compare_identifier(a.pre[i], b.pre[i]); c != 0) return c;
  }
  return three_way(a.pre.size(), b.pre.size());
}

std::optional<std::vector<SpecClause>> parse_specifier(std::string_view text) {
  std::vector<SpecClause> out;
  if (trim(text).empty()) return out;
  for (const std::string& part : split(text, ',')) {
    auto clause = parse_clause(part);
    if (!clause) return std::nullopt;
    out.push_back(std::move(*clause));
  }
  return out;
}

bool spec_admits(const std::vector<SpecClause>& spec, const Pep440Version& v) {
  return std::all_of(spec.begin(), spec.end(), [&](const SpecClause& c) {
    if (c.op != "===") return clause_admits(c, v);
    auto want = parse_pep440(c.version);
    return want && compare_pep440(*want, v) == 0;
  });
}

std::optional<std::string> pinned_version(const std::vector<SpecClause>& spec) {
  for (const SpecClause& c : spec) {
    if ((c.op == "==" || c.op == "===") && !ends_with(c.version, ".*")) return c.version;
  }
  return std::nullopt;
}

std::optional<std::vector<SpecClause>> poetry_constraint(std::string_view text) {
  std::vector<SpecClause> out;
  for (const std::string& raw : split(text, ',')) {
    std::string part(trim(raw));
    if (part.empty() || part == "*") continue;
    char lead = part[0];
    if (lead == '^' || (lead == '~' && part.size() > 1 && part[1] != '=')) {
      std::string base(trim(std::string_view(part).substr(1)));
      auto v = parse_pep440(base);
      if (!v) return std::nullopt;
      auto clauses = lead == '^' ? caret(base, *v) : tilde(base, *v);
      out.insert(out.end(), clauses.begin(), clauses.end());
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(lead)) != 0) part = "==" + part;  // a bare version pins
    auto clause = parse_clause(part);
    if (!clause) return std::nullopt;
    out.push_back(std::move(*clause));
  }
  return out;
}

}  // namespace aqe::scan
