#include "aqe/config/keys.h"

#include <string>

namespace aqe::config {

namespace {

using enum ValueType;
constexpr auto F = ConfigFile::kFleet;
constexpr auto G = ConfigFile::kGates;
constexpr auto S = ConfigFile::kStorage;

// clang-format off
const std::vector<KeyDef> kKeys = {
  // ---- qe-fleet.json ----
  {F, "$schema", kString, "", "", "", "", "Optional JSON-schema reference; ignored by aqe."},
  {F, "state_dir", kString, R"(".aqe")", "QE_STATE_DIR", "", "", "Directory of aqe's state database (aqe.db: runs, test durations, coverage snapshots, findings), relative to the project."},
  {F, "project", kObject, "", "", "", "", "What the project's code and tests are."},
  {F, "project.source_dirs", kStringList, R"(["src"])", "", "", "", "Directories holding the code under test."},
  {F, "project.test_dirs", kStringList, R"(["tests"])", "", "", "", "Directories holding the tests."},
  {F, "project.exclude", kStringList, "[]", "", "", "", "Glob patterns excluded from generation and scanning."},
  {F, "python", kObject, "", "", "", "", "The Python interpreter that runs tests."},
  {F, "python.interpreter", kString, "", "QE_PYTHON", "--python", "", "Interpreter path or name. Unset: <project>/.venv/bin/python, <project>/venv/bin/python, then python3 on PATH."},
  {F, "generate", kObject, "", "", "", "", "Test generation."},
  {F, "generate.output", kString, R"("tests/generated")", "", "--output", "", "Directory generated tests are written to; nothing is written outside it."},
  {F, "generate.framework", kEnum, R"("pytest")", "", "--framework", "pytest", "Test framework of the generated tests."},
  {F, "generate.engine", kEnum, R"("auto")", "", "--engine", "auto|builtin|llm", "auto = llm when an API key is set, else builtin."},
  {F, "generate.time_budget_s", kNumber, "10", "", "--time-budget", "", "Exploration time per module, seconds."},
  {F, "generate.coverage_target", kNumber, "100", "", "--coverage-target", "", "Percent of a module's lines+branches (as the explorer traces them) at which its exploration stops early; 100 = explore until the call or time budget."},
  {F, "generate.run_budget_s", kNumber, "0", "", "--run-budget", "", "Wall-clock budget of the whole run, seconds (exit 5 when used up); 0 = 1.5 x time_budget_s per module per worker + 60."},
  {F, "generate.parallel", kBool, "false", "", "--parallel", "", "Spread modules over one worker per core."},
  {F, "execute", kObject, "", "", "", "", "Test execution."},
  {F, "execute.framework", kEnum, R"("pytest")", "", "--framework", "pytest|junit", "pytest, or junit: any command that writes JUnit XML."},
  {F, "execute.parallel", kBool, "false", "", "--parallel", "", "Run on up to one worker per core; aqe picks the count from stored durations."},
  {F, "execute.workers", kInt, "0", "", "--workers", "", "Force this many workers (0 = decided by execute.parallel)."},
  {F, "execute.timeout_s", kNumber, "0", "QE_EXECUTE_TIMEOUT", "--timeout", "", "Wall-clock limit of the whole run in seconds (0 = none); exceeded = exit 5."},
  {F, "execute.test_timeout_s", kNumber, "0", "", "--test-timeout", "", "Limit per test in seconds (0 = none); a test over it is reported and the run goes on."},
  {F, "execute.retries", kInt, "0", "", "--retries", "", "Re-runs of a failed test; pass on retry = flaky."},
  {F, "execute.coverage", kBool, "false", "", "--coverage", "", "Measure line and branch coverage with coverage.py."},
  {F, "execute.flaky_policy", kEnum, R"("fail")", "", "--flaky-policy", "fail|pass", "Whether flaky tests fail the run (fail) or count as passed (pass)."},
  {F, "llm", kObject, "", "", "", "", "Optional language-model engine."},
  {F, "llm.provider", kEnum, R"("anthropic")", "", "", "anthropic|openai", "Model API provider; keys come from ANTHROPIC_API_KEY / OPENAI_API_KEY."},
  {F, "llm.model", kString, "", "", "", "", "Model name; unset = the provider's default."},
  {F, "llm.base_url", kString, "", "", "", "", "OpenAI-compatible base URL (e.g. a local server)."},
  {F, "llm.routing", kBool, "false", "QE_ROUTING_ENABLED", "", "", "Route simple modules to a cheaper model."},
  {F, "llm.max_cost_usd_per_run", kNumber, "1.0", "", "", "", "Stop calling the model once a run has spent this much."},
  {F, "llm.cache", kBool, "true", "", "", "", "Cache responses by content hash in QE_CACHE_DIR."},
  {F, "llm.timeout_s", kNumber, "60", "", "", "", "Timeout of one model call, seconds."},
  {F, "llm.max_retries", kInt, "3", "", "", "", "Retries of a failed model call before exit 4."},
  {F, "usage", kObject, "", "", "", "", "AI cost limits."},
  {F, "usage.daily_limit_usd", kNumber, "0", "", "--daily-limit", "", "Daily spending limit in USD (0 = none)."},
  {F, "usage.monthly_limit_usd", kNumber, "0", "", "--monthly-limit", "", "Monthly spending limit in USD (0 = none)."},
  {F, "security", kObject, "", "", "", "", "Security scanning."},
  {F, "security.exclude", kStringList, "[]", "", "", "", "Extra glob patterns the scanner skips."},
  {F, "security.advisories_dir", kString, "", "QE_ADVISORIES_DIR", "--advisories", "", "Offline OSV advisory database (directory of OSV JSON files)."},
  {F, "security.max_file_size_kb", kInt, "2048", "", "", "", "Files larger than this are skipped and reported."},
  {F, "security.rules", kArray, "[]", "", "", "", "Custom secret rules, added to the built-in ones."},
  {F, "security.rules[].id", kString, "", "", "", "", "Rule id."},
  {F, "security.rules[].description", kString, "", "", "", "", "What the rule finds."},
  {F, "security.rules[].regex", kString, "", "", "", "", "Pattern (Hyperscan syntax, ASCII)."},
  {F, "security.rules[].severity", kEnum, R"("high")", "", "", "critical|high|medium|low", "Severity of a finding."},
  {F, "security.rules[].keywords", kStringList, "[]", "", "", "", "Words one of which must appear on the line."},
  {F, "security.rules[].entropy", kNumber, "0", "", "", "", "Minimum Shannon entropy of the match."},
  {F, "pipeline", kObject, "", "", "", "", "CI pipeline description."},
  {F, "pipeline.stages", kStringList, "[]", "", "", "", "Commands the CI pipeline runs, in order (documentation for templates)."},
  {F, "log", kObject, "", "", "", "", "Logging (to stderr)."},
  {F, "log.level", kEnum, R"("warn")", "QE_LOG_LEVEL", "", "trace|debug|info|warn|error|off", "Log level; --verbose sets debug."},
  {F, "log.file", kString, "", "QE_LOG_FILE", "", "", "Also write the log to this file."},

  // ---- quality-gates.json ----
  {G, "$schema", kString, "", "", "", "", "Optional JSON-schema reference; ignored by aqe."},
  {G, "threshold", kNumber, "80", "", "--threshold", "", "Minimum quality score (0-100)."},
  {G, "diff_base", kString, "", "", "--base", "", "Git ref diff_coverage compares with; default: the CI's target branch, else origin/main, else main."},
  {G, "weights", kObject, "", "", "", "", "Weights of the metrics in the score."},
  {G, "weights.line_coverage", kNumber, "0.4", "", "", "", "Weight of line coverage."},
  {G, "weights.branch_coverage", kNumber, "0.2", "", "", "", "Weight of branch coverage."},
  {G, "weights.test_pass_rate", kNumber, "0.3", "", "", "", "Weight of the test pass rate."},
  {G, "weights.security", kNumber, "0.1", "", "", "", "Weight of the security score."},
  {G, "conditions", kArray, "[]", "", "", "", "Hard conditions; all must hold."},
  {G, "conditions[].metric", kString, "", "", "", "", "Metric name, e.g. line_coverage, security_critical."},
  {G, "conditions[].op", kEnum, "", "", "", "<|<=|>|>=|==|!=", "Comparison."},
  {G, "conditions[].value", kNumber, "", "", "", "", "Value compared against."},
  {G, "profiles", kMap, "{}", "", "--profile", "", "Named profiles chosen by branch or event."},
  {G, "profiles.*", kObject, "", "", "", "", "A profile."},
  {G, "profiles.*.branches", kStringList, "[]", "", "", "", "Branch globs this profile applies to (e.g. main, feature/*)."},
  {G, "profiles.*.events", kStringList, "[]", "", "", "", "CI events this profile applies to (e.g. pull_request)."},
  {G, "profiles.*.threshold", kNumber, "", "", "", "", "Score threshold in this profile."},
  {G, "profiles.*.blocking", kBool, "true", "", "", "", "Whether a failed gate fails the job in this profile."},
  {G, "profiles.*.skip", kBool, "false", "", "", "", "Skip the gate entirely (reported as skipped)."},
  {G, "profiles.*.conditions", kArray, "[]", "", "", "", "Conditions in this profile."},
  {G, "profiles.*.conditions[].metric", kString, "", "", "", "", "Metric name."},
  {G, "profiles.*.conditions[].op", kEnum, "", "", "", "<|<=|>|>=|==|!=", "Comparison."},
  {G, "profiles.*.conditions[].value", kNumber, "", "", "", "", "Value compared against."},
  {G, "scopes", kArray, "[]", "", "", "", "Per-component thresholds."},
  {G, "scopes[].path", kString, "", "", "", "", "Path prefix of the component."},
  {G, "scopes[].threshold", kNumber, "", "", "", "", "Score threshold for the component."},
  {G, "scopes[].conditions", kArray, "[]", "", "", "", "Conditions for the component."},
  {G, "scopes[].conditions[].metric", kString, "", "", "", "", "Metric name."},
  {G, "scopes[].conditions[].op", kEnum, "", "", "", "<|<=|>|>=|==|!=", "Comparison."},
  {G, "scopes[].conditions[].value", kNumber, "", "", "", "", "Value compared against."},

  // ---- storage.json ----
  {S, "$schema", kString, "", "", "", "", "Optional JSON-schema reference; ignored by aqe."},
  {S, "backend", kEnum, R"("local")", "", "", "local|s3", "Where artifacts are kept."},
  {S, "local", kObject, "", "", "", "", "Local backend."},
  {S, "local.path", kString, R"(".aqe/artifacts")", "", "", "", "Directory of the local artifact store."},
  {S, "s3", kObject, "", "", "", "", "S3 backend; credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN."},
  {S, "s3.bucket", kString, "", "", "", "", "Bucket name."},
  {S, "s3.region", kString, R"("us-east-1")", "", "", "", "Region."},
  {S, "s3.prefix", kString, R"("aqe/")", "", "", "", "Key prefix inside the bucket."},
  {S, "s3.endpoint_url", kString, "", "", "", "", "Endpoint of an S3-compatible service."},
  {S, "s3.force_path_style", kBool, "false", "", "", "", "Path-style addressing (most S3-compatible servers)."},
  {S, "compression", kObject, "", "", "", "", "Artifact compression."},
  {S, "compression.algorithm", kEnum, R"("zstd")", "", "", "zstd|gzip|none", "Compression algorithm."},
  {S, "compression.level", kInt, "3", "", "", "", "Compression level."},
  {S, "retention", kObject, "", "", "", "", "How long artifacts are kept."},
  {S, "retention.default_days", kInt, "30", "", "", "", "Days an artifact is kept by default."},
  {S, "retention.feature_branches", kInt, "7", "", "", "", "Days for artifacts of feature branches."},
  {S, "retention.main_branch", kInt, "90", "", "", "", "Days for artifacts of the main branch."},
  {S, "retention.release_tags", kInt, "365", "", "", "", "Days for artifacts of release tags."},
  {S, "retention.security_findings", kInt, "365", "", "", "", "Days for security-finding artifacts."},
  {S, "retention.keep_latest_n", kInt, "5", "", "", "", "Always keep the newest N artifacts per branch."},
};
// clang-format on

// "scopes[2].conditions[0].op" -> "scopes[].conditions[].op"
std::string strip_indices(std::string_view p) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '[') {
      size_t close = p.find(']', i);
      if (close == std::string_view::npos) return std::string(p);
      out += "[]";
      i = close;
    } else {
      out += p[i];
    }
  }
  return out;
}

// True when `pattern` (with "*" segments) matches `path` (indices already stripped).
bool pattern_matches(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    size_t pe = pattern.find('.');
    size_t qe = path.find('.');
    std::string_view ps = pattern.substr(0, pe);
    std::string_view qs = path.substr(0, qe);
    if (ps != "*" && ps != qs) return false;
    if ((pe == std::string_view::npos) != (qe == std::string_view::npos)) return false;
    if (pe == std::string_view::npos) return true;
    pattern.remove_prefix(pe + 1);
    path.remove_prefix(qe + 1);
  }
  return pattern.empty() && path.empty();
}

}  // namespace

const std::vector<KeyDef>& key_table() { return kKeys; }

std::string_view file_name(ConfigFile f) {
  switch (f) {
    case ConfigFile::kFleet:
      return "qe-fleet.json";
    case ConfigFile::kGates:
      return "quality-gates.json";
    case ConfigFile::kStorage:
      return "storage.json";
  }
  return "";
}

std::string_view key_prefix(ConfigFile f) {
  switch (f) {
    case ConfigFile::kFleet:
      return "";
    case ConfigFile::kGates:
      return "gates.";
    case ConfigFile::kStorage:
      return "storage.";
  }
  return "";
}

std::string_view type_name(ValueType t) {
  switch (t) {
    case kBool:
      return "boolean";
    case kInt:
      return "integer";
    case kNumber:
      return "number";
    case kString:
      return "string";
    case kStringList:
      return "array of strings";
    case kEnum:
      return "string";
    case kObject:
      return "object";
    case kArray:
      return "array of objects";
    case kMap:
      return "object";
  }
  return "";
}

const KeyDef* find_key(ConfigFile file, std::string_view concrete_path) {
  std::string p = strip_indices(concrete_path);
  for (const auto& k : kKeys) {
    if (k.file == file && pattern_matches(k.path, p)) return &k;
  }
  return nullptr;
}

std::vector<std::string> child_names(ConfigFile file, std::string_view parent_pattern) {
  std::vector<std::string> out;
  std::string parent = strip_indices(parent_pattern);
  for (const auto& k : kKeys) {
    if (k.file != file) continue;
    std::string_view p = k.path;
    size_t dot = p.rfind('.');
    std::string_view head = dot == std::string_view::npos ? std::string_view() : p.substr(0, dot);
    std::string_view leaf = dot == std::string_view::npos ? p : p.substr(dot + 1);
    if (leaf == "*") continue;
    if (pattern_matches(head, parent) || (head.empty() && parent.empty())) out.emplace_back(leaf);
  }
  return out;
}

}  // namespace aqe::config
