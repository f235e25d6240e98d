#include "aqe/scan/scan_engine.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

std::string_view line_at(std::string_view data, size_t pos) {
  size_t b = pos == 0 ? 0 : data.rfind('\n', pos - 1);
  b = (b == std::string_view::npos || pos == 0) ? 0 : b + 1;
  size_t e = data.find('\n', pos);
  if (e == std::string_view::npos) e = data.size();
  return data.substr(b, e - b);
}

bool has_marker(std::string_view line, bool code) {
  if (line.find("aqe:allow") != std::string_view::npos) return true;
  if (!code) return line.find("gitleaks:allow") != std::string_view::npos;
  return line.find("nosec") != std::string_view::npos;
}

// `# nosec` alone covers every code rule; `# nosec B602 py-eval` only the rules it names (by
// bandit id or aqe id).
bool nosec_covers(const CodeMatch& m, const std::vector<CodeRuleMeta>& meta) {
  if (!m.nosec) return false;
  if (m.nosec->empty()) return true;
  auto rule =
      std::find_if(meta.begin(), meta.end(), [&](const CodeRuleMeta& c) { return c.id == m.rule_id; });
  return std::any_of(m.nosec->begin(), m.nosec->end(), [&](const std::string& id) {
    return id == m.rule_id || (rule != meta.end() && !rule->bandit.empty() && id == rule->bandit);
  });
}

std::string snippet_of(std::string_view line) {
  std::string s(trim(line));
  constexpr size_t kMax = 160;
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

std::string without_space(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

}  // namespace

std::string fingerprint(std::string_view rule_id, std::string_view file, std::string_view content) {
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  XXH3_64bits_update(st, rule_id.data(), rule_id.size());
  XXH3_64bits_update(st, "\0", 1);
  XXH3_64bits_update(st, file.data(), file.size());
  XXH3_64bits_update(st, "\0", 1);
  XXH3_64bits_update(st, content.data(), content.size());
  unsigned long long h = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", h);
  return buf;
}

// At most a quarter of the secret and never more than 4 characters: a 6-character password
// shows 1, so the shown prefix does not leave a guess within reach.
std::string redact(std::string_view secret) {
  constexpr size_t kMaxShown = 4;
  return std::string(secret.substr(0, std::min(kMaxShown, secret.size() / 4))) + "****";
}

std::string redact_span(std::string_view line, size_t begin, size_t length) {
  begin = std::min(begin, line.size());
  length = std::min(length, line.size() - begin);
  return std::string(line.substr(0, begin)) + redact(line.substr(begin, length)) +
         std::string(line.substr(begin + length));
}

std::string secret_context(std::string_view line, size_t begin, size_t length, int occurrence) {
  begin = std::min(begin, line.size());
  length = std::min(length, line.size() - begin);
  // The secret itself is left out entirely (not even its length), so the fingerprint cannot
  // confirm a guess; the occurrence index keeps two same-shaped lines of a file apart.
  return without_space(line.substr(0, begin)) + '\x01' + without_space(line.substr(begin + length)) + '\x01' +
         std::to_string(occurrence);
}

std::optional<Finding> keystore_finding(std::string_view display_path) {
  const std::string lower = to_lower(display_path);
  if (!ends_with(lower, ".p12") && !ends_with(lower, ".pfx") && !ends_with(lower, ".jks") &&
      !ends_with(lower, ".keystore"))
    return std::nullopt;
  Finding f;
  f.rule_id = std::string(kKeystoreRule);
  f.category = "secret";
  f.severity = Severity::kHigh;
  f.confidence = "medium";
  f.cwe = "CWE-798";
  f.file = std::string(display_path);
  f.line = 1;
  f.column = 1;
  f.message = "PKCS#12 or Java keystore file (private keys; binary content not checked)";
  f.fingerprint = fingerprint(f.rule_id, display_path, "");
  return f;
}

Result<std::unique_ptr<ScanEngine>> ScanEngine::build(const std::vector<CustomRule>& custom, bool code_rules,
                                                      const std::filesystem::path& cache_dir,
                                                      bool python_only) {
  const RuleSet& builtin = builtin_rule_set();
  if (builtin.secrets.empty()) {
    return make_error("SCAN_FAILED", "built-in rules.json did not load", "this is a build defect",
                      ExitCode::kFailure);
  }
  std::vector<SecretRule> rules = builtin.secrets;
  for (const CustomRule& c : custom) {
    auto r = to_secret_rule(c);
    if (!r.ok()) return r.error();
    rules.push_back(std::move(r.value()));
  }
  std::unique_ptr<ScanEngine> e(new ScanEngine());
  auto secrets = SecretMatcher::build(std::move(rules), builtin.global_allowlist,
                                      builtin.generic_name_suffixes, cache_dir, python_only);
  if (!secrets.ok()) return secrets.error();
  e->secrets_ = std::move(secrets.value());
  if (code_rules) {
    auto code = PythonRules::build(cache_dir);
    if (!code.ok()) return code.error();
    e->code_ = std::move(code.value());
  }
  e->code_meta_ = builtin.code;
  e->code_rules_ = code_rules;
  return e;
}

Status ScanEngine::init_worker(Worker& w) const {
  auto s = secrets_->make_scratch(w.secrets);
  if (!s.ok() || code_ == nullptr) return s;
  return code_->make_scratch(w.triggers);
}

Finding ScanEngine::secret_finding(const SecretMatch& m, std::string_view file) const {
  const SecretRule& r = secrets_->rules()[m.rule];
  Finding f;
  f.rule_id = r.id;
  f.category = "secret";
  f.severity = r.severity;
  f.confidence = r.confidence;
  f.cwe = r.cwe;
  f.file = std::string(file);
  f.message = r.description;
  f.snippet = redact(m.secret);
  f.legacy_fingerprint = fingerprint(r.id, file, m.secret);
  return f;
}

Finding ScanEngine::code_finding(const CodeMatch& m, std::string_view data, std::string_view file) const {
  Finding f;
  f.rule_id = m.rule_id;
  f.category = "code";
  f.file = std::string(file);
  f.line = m.line;
  f.column = m.column;
  auto meta = std::find_if(code_meta_.begin(), code_meta_.end(),
                           [&](const CodeRuleMeta& c) { return c.id == m.rule_id; });
  if (meta != code_meta_.end()) {
    f.severity = meta->severity;
    f.confidence = meta->confidence;
    f.cwe = meta->cwe;
    f.message = meta->description + ": " + m.detail;
  } else {
    f.message = m.detail;
  }
  if (m.severity) f.severity = *m.severity;
  constexpr size_t kMaxContent = 512;
  f.fingerprint = fingerprint(m.rule_id, file,
                              without_space(data.substr(m.begin, std::min(m.end - m.begin, kMaxContent))));
  f.legacy_fingerprint = f.fingerprint;
  const std::string_view line = line_at(data, m.begin);
  if (m.rule_id != "py-hardcoded-password") {
    f.snippet = snippet_of(line);
    return f;
  }
  // The match is the string literal: its text between the quotes is the secret.
  const std::string_view literal = data.substr(m.begin, m.end - m.begin);
  const size_t open = literal.find_first_of("\"'");
  const size_t close = literal.find_last_of("\"'");
  size_t from = open == std::string_view::npos ? 0 : open;
  while (from < literal.size() && (literal[from] == '"' || literal[from] == '\'')) ++from;
  size_t to = close == std::string_view::npos ? literal.size() : close + 1;
  while (to > from && (literal[to - 1] == '"' || literal[to - 1] == '\'')) --to;
  const size_t in_line = static_cast<size_t>(data.data() + m.begin - line.data()) + from;
  f.secret_span = {in_line, to - from};
  f.snippet = snippet_of(redact_span(line, in_line, to - from));
  return f;
}

FileFindings ScanEngine::scan_text(std::string_view data, std::string_view display_path, Worker& w) const {
  FileFindings out;
  // How many times a rule already found a secret on a line of this shape (the count of
  // earlier identical lines): part of the secret's fingerprint.
  std::map<std::string, int> seen;
  auto secret_fingerprint = [&](const std::string& rule, std::string_view line, size_t begin, size_t length) {
    const int n = seen[rule + '\0' + secret_context(line, begin, length, 0)]++;
    return fingerprint(rule, display_path, secret_context(line, begin, length, n));
  };
  const bool python = is_python_file(display_path);
  for (const SecretMatch& m : secrets_->scan(data, w.secrets, python)) {
    if (has_marker(line_at(data, m.begin), false) || has_marker(line_at(data, m.secret_begin), false)) {
      ++out.suppressed;
      continue;
    }
    Finding f = secret_finding(m, display_path);
    const LineCol at = line_col(data, m.begin);
    f.line = at.line;
    f.column = at.column;
    const std::string_view line = line_at(data, m.secret_begin);
    const size_t in_line = static_cast<size_t>(data.data() + m.secret_begin - line.data());
    f.fingerprint = secret_fingerprint(f.rule_id, line, in_line, m.secret.size());
    out.findings.push_back(std::move(f));
  }
  if (!code_rules_ || !is_python_file(display_path)) return out;
  std::vector<TriggerHit> hits = code_->triggers(data, w.triggers);
  if (hits.empty()) return out;
  bool parse_failed = false;
  std::vector<CodeMatch> matches = code_->check(data, display_path, hits, w.parser, parse_failed);
  if (parse_failed) {
    out.warning =
        std::string(display_path) + ": not valid Python for the parser; code rules skipped, secret rules ran";
    return out;
  }
  for (const CodeMatch& m : matches) {
    // The secret rules already reported this literal with more detail.
    bool dup = m.rule_id == "py-hardcoded-password" &&
               std::any_of(out.findings.begin(), out.findings.end(),
                           [&](const Finding& f) { return f.line == m.line; });
    if (dup) continue;
    if (line_at(data, m.begin).find("aqe:allow") != std::string_view::npos || nosec_covers(m, code_meta_)) {
      ++out.suppressed;
      continue;
    }
    Finding f = code_finding(m, data, display_path);
    if (f.secret_span.second > 0) {
      const std::string_view line = line_at(data, m.begin);
      f.fingerprint = secret_fingerprint(f.rule_id, line, f.secret_span.first, f.secret_span.second);
    }
    out.findings.push_back(std::move(f));
  }
  return out;
}

}  // namespace aqe::scan
