#include "aqe/scan/scan_engine.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>

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

std::string redact(std::string_view secret) { return std::string(secret.substr(0, 4)) + "****"; }

Result<std::unique_ptr<ScanEngine>> ScanEngine::build(const std::vector<CustomRule>& custom, bool code_rules,
                                                      const std::filesystem::path& cache_dir) {
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
                                      builtin.generic_name_suffixes, cache_dir);
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
  f.fingerprint = fingerprint(r.id, file, m.secret);
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
  f.snippet = snippet_of(line_at(data, m.begin));
  constexpr size_t kMaxContent = 512;
  f.fingerprint = fingerprint(m.rule_id, file,
                              without_space(data.substr(m.begin, std::min(m.end - m.begin, kMaxContent))));
  return f;
}

FileFindings ScanEngine::scan_text(std::string_view data, std::string_view display_path, Worker& w) const {
  FileFindings out;
  for (const SecretMatch& m : secrets_->scan(data, w.secrets)) {
    if (has_marker(line_at(data, m.begin), false) || has_marker(line_at(data, m.secret_begin), false)) {
      ++out.suppressed;
      continue;
    }
    Finding f = secret_finding(m, display_path);
    const LineCol at = line_col(data, m.begin);
    f.line = at.line;
    f.column = at.column;
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
    out.findings.push_back(code_finding(m, data, display_path));
  }
  return out;
}

}  // namespace aqe::scan
