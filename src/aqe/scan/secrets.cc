#include "aqe/scan/secrets.h"

#include <hs.h>
#include <xxhash.h>

#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <cmath>

#include "aqe/util/file_content.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

constexpr size_t kConfirmWindow = 4096;

struct RawHit {
  unsigned id;
  size_t from;
  size_t to;
};

int collect_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned /*flags*/, void* ctx) {
  static_cast<std::vector<RawHit>*>(ctx)->push_back({id, static_cast<size_t>(from), static_cast<size_t>(to)});
  return 0;
}

Error regex_error(const SecretRule& r, const std::string& what) {
  return make_error("RULE_INVALID", r.origin + ": rule '" + r.id + "': invalid regex: " + what,
                    "rules use the common subset of PCRE and ECMAScript syntax: no lookaround, "
                    "no backreferences, no inline flags (use case_insensitive)",
                    ExitCode::kUsage);
}

std::string_view line_around(std::string_view data, size_t pos) {
  size_t b = data.rfind('\n', pos == 0 ? 0 : pos - 1);
  b = (b == std::string_view::npos || pos == 0) ? 0 : b + 1;
  size_t e = data.find('\n', pos);
  if (e == std::string_view::npos) e = data.size();
  return data.substr(b, e - b);
}

bool has_letter_and_digit(std::string_view s) {
  bool letter = false, digit = false;
  for (unsigned char c : s) {
    letter = letter || std::isalpha(c);
    digit = digit || std::isdigit(c);
  }
  return letter && digit;
}

// A value of letters only counts as secret-shaped when it reads like random letters, not like
// words: at least 20 of them, both cases well mixed (a fifth to four fifths upper case) and at
// most half the neighbouring pairs lower case (CamelCase words run mostly lower case), with
// the entropy of random text. 96 % of random 20-letter strings pass; identifiers such as
// `ThisIsMyApplicationSecretName` or `XMLHttpRequestEventTarget` do not.
bool random_letters(std::string_view s) {
  if (s.size() < 20) return false;
  size_t upper = 0, lower_pairs = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!std::isalpha(c)) return false;
    upper += std::isupper(c) != 0 ? 1 : 0;
    if (i > 0 && std::islower(c) && std::islower(static_cast<unsigned char>(s[i - 1]))) ++lower_pairs;
  }
  const double n = static_cast<double>(s.size());
  return upper >= n / 5 && upper <= n * 4 / 5 && lower_pairs * 2 <= s.size() - 1 && shannon_entropy(s) >= 3.5;
}

// A JWT's header is base64url JSON ({"alg": ...}); "eyJ" followed by noise is not a token.
bool jwt_header_is_json(std::string_view token) {
  const std::string_view header = token.substr(0, token.find('.'));
  std::string decoded;
  unsigned bits = 0;
  int count = 0;
  for (char c : header) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-' || c == '+') v = 62;
    if (c == '_' || c == '/') v = 63;
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      decoded.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  ParsedJson parsed = parse_json(decoded);
  return !parsed.error && parsed.value.is_object() && member(parsed.value, "alg") != nullptr;
}

// Hyperscan's SOM tracking cannot hold large bounded repeats ("Pattern is too large"), so the
// prefilter pattern relaxes them to an open lower bound; the exact regex confirms afterwards.
std::string relax_for_hyperscan(const std::string& re) {
  constexpr int kMaxBound = 48, kKeptMin = 16;
  // A number of at most 9 digits at `i` (the bounds are small); -1 when there is none.
  auto number = [&](size_t& i) {
    const size_t from = i;
    while (i < re.size() && i - from < 9 && re[i] >= '0' && re[i] <= '9') ++i;
    return i == from ? -1 : std::stoi(re.substr(from, i - from));
  };
  std::string out;
  out.reserve(re.size());
  size_t i = 0;
  while (i < re.size()) {
    // A quantifier {lo}, {lo,} or {lo,hi}, its brace not escaped.
    size_t j = i + 1;
    const int lo = re[i] == '{' ? number(j) : -1;
    int hi = lo;
    bool quantifier = lo >= 0 && j < re.size();
    if (quantifier && re[j] == ',') {
      ++j;
      hi = j < re.size() && re[j] >= '0' && re[j] <= '9' ? number(j) : -1;
    }
    quantifier = quantifier && j < re.size() && re[j] == '}';
    if (!quantifier) {
      out.push_back(re[i++]);
      continue;
    }
    const bool escaped = i > 0 && re[i - 1] == '\\';
    if (!escaped && (hi > kMaxBound || lo > kMaxBound)) {
      out += "{" + std::to_string(std::min(lo, kKeptMin)) + ",}";
    } else {
      out.append(re, i, j + 1 - i);
    }
    i = j + 1;
  }
  return out;
}

// Same patterns, flags and Hyperscan version = same database.
std::string database_key(const std::vector<std::string>& patterns, const std::vector<unsigned>& flags) {
  std::string all = hs_version();
  for (size_t i = 0; i < patterns.size(); ++i) all += "\n" + std::to_string(flags[i]) + ":" + patterns[i];
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(all.data(), all.size())));
  return buf;
}

// A cache file is "aqe-hsdb1 <digest>\n" + the serialized database, the digest over the
// database key and the bytes: a file written for another pattern set (renamed, restored from
// a poisoned CI cache) or cut short is compiled again, never used to blind the rules.
constexpr std::string_view kCacheMagic = "aqe-hsdb1 ";

std::string cache_digest(std::string_view key, std::string_view bytes) {
  XXH3_state_t* st = XXH3_createState();
  XXH3_128bits_reset(st);
  XXH3_128bits_update(st, key.data(), key.size());
  XXH3_128bits_update(st, bytes.data(), bytes.size());
  const XXH128_hash_t h = XXH3_128bits_digest(st);
  XXH3_freeState(st);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

hs_database_t* load_database(const std::filesystem::path& path, const std::string& key) {
  // Mapped, not copied: the databases are megabytes and every scan loads them.
  FileContent file;
  std::string buffer;
  if (!file.open(path.string(), buffer).ok()) return nullptr;
  const std::string_view all = file.data();
  const size_t eol = all.find('\n');
  if (!all.starts_with(kCacheMagic) || eol == std::string_view::npos) return nullptr;
  const std::string_view digest = all.substr(kCacheMagic.size(), eol - kCacheMagic.size());
  const std::string_view bytes = all.substr(eol + 1);
  if (digest != cache_digest(key, bytes)) return nullptr;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) return nullptr;
  return db;
}

// The cache is an optimisation: a failure to write it is not an error.
void store_database(const hs_database_t* db, const std::filesystem::path& path, const std::string& key) {
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db, &bytes, &size) != HS_SUCCESS) return;
  const std::string_view view(bytes, size);
  std::string file = std::string(kCacheMagic) + cache_digest(key, view) + "\n";
  file.append(view);
  std::free(bytes);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  (void)write_file_atomic(path, file);
}

constexpr auto kIcase = std::regex::ECMAScript | std::regex::icase;

std::regex extract_regex(const SecretRule& r) {
  return std::regex(r.regex, r.case_insensitive ? kIcase : std::regex::ECMAScript);
}

Status validate_regexes(const SecretRule& r) {
  try {
    std::regex extract = extract_regex(r);
    if (extract.mark_count() < static_cast<unsigned>(r.secret_group)) {
      return regex_error(r, "it has no capture group " + std::to_string(r.secret_group));
    }
    for (const auto& a : r.allowlist) std::regex allow(a, kIcase);
  } catch (const std::regex_error& e) {
    return regex_error(r, e.what());
  }
  return ok_status();
}

}  // namespace

hs_database_t* cached_database(const std::vector<std::string>& patterns, const std::vector<unsigned>& flags,
                               const std::filesystem::path& cache_dir, std::string_view name,
                               DatabaseFailure& failure) {
  std::filesystem::path cached;
  const std::string key = cache_dir.empty() ? std::string() : database_key(patterns, flags);
  if (!cache_dir.empty()) {
    cached = cache_dir / (std::string(name) + "-" + key + ".hsdb");
    if (hs_database_t* db = load_database(cached, key)) return db;
  }
  std::vector<const char*> exprs;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < patterns.size(); ++i) {
    exprs.push_back(patterns[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                       HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    failure.message = err != nullptr && err->message != nullptr ? err->message : "compile failed";
    failure.expression = err != nullptr ? err->expression : -1;
    hs_free_compile_error(err);
    return nullptr;
  }
  if (!cached.empty()) store_database(db, cached, key);
  return db;
}

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0.0;
  int counts[256] = {};
  for (unsigned char c : s) ++counts[c];
  double h = 0.0;
  const double n = static_cast<double>(s.size());
  for (int c : counts) {
    if (c == 0) continue;
    double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

SecretScratch::~SecretScratch() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
}

SecretMatcher::~SecretMatcher() {
  if (code_db_ != nullptr && code_db_ != db_) hs_free_database(code_db_);
  if (db_ != nullptr) hs_free_database(db_);
}

Result<std::unique_ptr<SecretMatcher>> SecretMatcher::build(std::vector<SecretRule> rules,
                                                            const std::vector<std::string>& global_allowlist,
                                                            std::vector<std::string> generic_name_suffixes,
                                                            const std::filesystem::path& cache_dir,
                                                            bool python_only) {
  std::unique_ptr<SecretMatcher> m(new SecretMatcher());
  m->generic_name_suffixes_ = std::move(generic_name_suffixes);
  // The global allowlist is built-in data (compiled by the unit tests), not user input.
  m->global_allow_source_ = global_allowlist;
  for (const auto& r : rules) {
    if (r.prevalidated) continue;
    auto valid = validate_regexes(r);
    if (!valid.ok()) return valid.error();
  }
  m->compiled_ = std::make_unique<Compiled[]>(rules.size());
  std::vector<std::string> relaxed;
  std::vector<unsigned> flags;
  for (const auto& r : rules) {
    relaxed.push_back(relax_for_hyperscan(r.prefilter.empty() ? r.regex : r.prefilter));
    flags.push_back(HS_FLAG_SOM_LEFTMOST | (r.case_insensitive ? HS_FLAG_CASELESS : 0u));
  }
  // Python sources get a database without the config-file rules: those match words that are
  // everywhere in Python (`pass`, `token`), and Hyperscan's cost grows with the matches it must
  // report, even when confirm() would drop them.
  std::vector<std::string> code_patterns;
  std::vector<unsigned> code_flags;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].config_files_only) continue;
    code_patterns.push_back(relaxed[i]);
    code_flags.push_back(flags[i]);
    m->code_rule_.push_back(i);
  }
  const bool separate = m->code_rule_.size() != rules.size() && !code_patterns.empty();
  DatabaseFailure failure;
  // A failed pattern is named by its rule: `to_rule` maps the database's pattern index.
  auto failed = [&](auto to_rule, size_t count) -> Error {
    if (failure.expression >= 0 && static_cast<size_t>(failure.expression) < count)
      return regex_error(rules[to_rule(static_cast<size_t>(failure.expression))], failure.message);
    return make_error("RULE_INVALID", "secret rules: " + failure.message);
  };
  // A scan of Python files only never needs the database of every rule (loading it is a fifth
  // of such a scan's start-up): every rule it holds besides the code database's is a built-in
  // config-file rule, compiled by the unit tests.
  if (!(python_only && separate)) {
    m->db_ = cached_database(relaxed, flags, cache_dir, "secrets", failure);
    if (m->db_ == nullptr) return failed([](size_t i) { return i; }, rules.size());
  }
  if (!separate) {
    m->code_db_ = m->db_;
  } else {
    m->code_db_ = cached_database(code_patterns, code_flags, cache_dir, "secrets-code", failure);
    if (m->code_db_ == nullptr)
      return failed([&](size_t i) { return m->code_rule_[i]; }, code_patterns.size());
  }
  m->rules_ = std::move(rules);
  return m;
}

Status SecretMatcher::make_scratch(SecretScratch& scratch) const {
  // One scratch serves both databases: the second call grows it to fit either.
  if ((db_ != nullptr && hs_alloc_scratch(db_, scratch.out()) != HS_SUCCESS) ||
      (code_db_ != nullptr && hs_alloc_scratch(code_db_, scratch.out()) != HS_SUCCESS)) {
    return make_error("SCAN_FAILED", "cannot allocate Hyperscan scratch space", "", ExitCode::kFailure);
  }
  return ok_status();
}

// Regexes that failed validation never get here (build() rejects them), so the compile
// cannot throw for user rules; built-in ones are compiled by the unit tests.
const SecretMatcher::Compiled& SecretMatcher::compiled(size_t rule) const {
  Compiled& c = compiled_[rule];
  std::call_once(c.once, [&] {
    const SecretRule& r = rules_[rule];
    c.extract = extract_regex(r);
    for (const auto& a : r.allowlist) c.allow.emplace_back(a, kIcase);
  });
  return c;
}

const std::vector<std::regex>& SecretMatcher::global_allow() const {
  std::call_once(global_allow_once_, [&] {
    for (const auto& a : global_allow_source_) global_allow_.emplace_back(a, std::regex::ECMAScript);
  });
  return global_allow_;
}

bool SecretMatcher::allowed(const Compiled& c, const std::string& secret, bool global) const {
  if (global) {
    for (const auto& re : global_allow()) {
      if (std::regex_search(secret, re)) return true;
    }
  }
  for (const auto& re : c.allow) {
    if (std::regex_search(secret, re)) return true;
  }
  return false;
}

bool SecretMatcher::metadata_name(std::string_view data, size_t begin) const {
  auto name_char = [&](size_t i) {
    return std::isalnum(static_cast<unsigned char>(data[i])) || data[i] == '_' || data[i] == '-' ||
           data[i] == '.';
  };
  if (begin < data.size() && !name_char(begin)) ++begin;  // the character before the name
  size_t e = begin;
  while (e < data.size() && name_char(e)) ++e;
  std::string name = to_lower(data.substr(begin, e - begin));
  return std::any_of(generic_name_suffixes_.begin(), generic_name_suffixes_.end(),
                     [&](const std::string& s) { return ends_with(name, s); });
}

bool SecretMatcher::confirm(std::string_view data, size_t begin, size_t end, size_t rule,
                            SecretMatch& out) const {
  const SecretRule& r = rules_[rule];
  const Compiled& c = compiled(rule);
  std::cmatch m;
  // The relaxed prefilter may end early or late; the exact regex gets room to find its own end.
  const size_t window_end = std::min(data.size(), std::max(end, begin + kConfirmWindow));
  auto match_at = [&](size_t at) {
    auto flags = std::regex_constants::match_continuous;
    if (at > 0) flags |= std::regex_constants::match_prev_avail;
    return at < window_end &&
           std::regex_search(data.data() + at, data.data() + window_end, m, c.extract, flags);
  };
  // Hyperscan reports the leftmost start: when one alternative takes the character before a
  // name (`[^A-Za-z0-9]pass` in `DB_PASSWORD`) and another starts at the name, the match may
  // start one character early for the alternative that holds.
  if (!match_at(begin)) {
    if (std::isalnum(static_cast<unsigned char>(data[begin])) || !match_at(begin + 1)) return false;
    ++begin;
  }
  size_t g = static_cast<size_t>(r.secret_group);
  if (!m[g].matched) return false;
  out.rule = rule;
  out.begin = begin + static_cast<size_t>(m.position(0));
  out.end = out.begin + static_cast<size_t>(m.length(0));
  out.secret_begin = begin + static_cast<size_t>(m.position(g));
  // A rule may take the character before a name (`[^A-Za-z0-9]pass`): the finding starts at
  // the name, on its own line.
  while (out.begin < out.secret_begin && std::isspace(static_cast<unsigned char>(data[out.begin])))
    ++out.begin;
  out.secret = m[g].str();
  if (r.entropy > 0 && shannon_entropy(out.secret) < r.entropy) return false;
  if (r.require_mixed && !has_letter_and_digit(out.secret) && !random_letters(out.secret)) return false;
  if (r.generic && metadata_name(data, out.begin)) return false;
  if (r.jwt_header && !jwt_header_is_json(out.secret)) return false;
  if (!r.keywords.empty()) {
    std::string line = to_lower(line_around(data, out.begin));
    bool any = std::any_of(r.keywords.begin(), r.keywords.end(),
                           [&](const std::string& k) { return line.find(k) != std::string::npos; });
    if (!any) return false;
  }
  return !allowed(c, out.secret, !r.skip_global_allowlist);
}

std::vector<SecretMatch> SecretMatcher::scan(std::string_view data, SecretScratch& scratch,
                                             bool code_file) const {
  std::vector<RawHit> hits;
  // Without the database of every rule (python_only) each file is scanned as Python.
  code_file = code_file || db_ == nullptr;
  hs_database_t* db = code_file ? code_db_ : db_;
  if (data.empty() || db == nullptr) return {};
  hs_scan(db, data.data(), static_cast<unsigned>(data.size()), 0, scratch.get(), collect_hit, &hits);
  if (hits.empty()) return {};
  if (code_file) {
    for (RawHit& h : hits) h.id = static_cast<unsigned>(code_rule_[h.id]);
  }
  // Hyperscan reports every end offset; keep the longest span per (rule, start).
  std::sort(hits.begin(), hits.end(), [](const RawHit& a, const RawHit& b) {
    return a.id != b.id ? a.id < b.id : a.from != b.from ? a.from < b.from : a.to > b.to;
  });
  std::vector<SecretMatch> found;
  size_t covered_until = 0;
  unsigned last_id = ~0u;
  for (const RawHit& h : hits) {
    if (h.id != last_id) covered_until = 0;
    last_id = h.id;
    if (h.from < covered_until) continue;
    SecretMatch m;
    if (!confirm(data, h.from, h.to, h.id, m)) continue;
    covered_until = m.end;
    found.push_back(std::move(m));
  }
  // A generic rule (password = "...") yields to a specific one on the same text, and two
  // specific rules finding a secret at the same place report it once (the first listed wins:
  // a GCP service-account key is not also a PEM key).
  std::vector<SecretMatch> kept;
  for (const auto& m : found) {
    bool shadowed = std::any_of(found.begin(), found.end(), [&](const SecretMatch& o) {
      if (rules_[m.rule].generic) return !rules_[o.rule].generic && o.begin < m.end && m.begin < o.end;
      return !rules_[o.rule].generic && o.rule < m.rule && o.secret_begin == m.secret_begin;
    });
    if (!shadowed) kept.push_back(m);
  }
  std::sort(kept.begin(), kept.end(), [](const SecretMatch& a, const SecretMatch& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.rule < b.rule;
  });
  return kept;
}

}  // namespace aqe::scan
