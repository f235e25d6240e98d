// The rows of the key table (one per key), constexpr so that the typed handles of
// key_handles.h are checked against them at compile time. Read it through keys.h's key_table().
#pragma once

#include "aqe/config/keys.h"

namespace aqe::config::rows {

using enum ValueType;
constexpr auto F = ConfigFile::kFleet;
constexpr auto G = ConfigFile::kGates;
constexpr auto S = ConfigFile::kStorage;
constexpr auto B = KeyStatus::kBuilt;
constexpr auto P = KeyStatus::kPlanned;
// A limit in seconds beyond which a value is a typo (1e300), not a wish; a week also keeps the
// milliseconds of std::chrono far from overflow.
constexpr double kWeekS = 7 * 24 * 3600;

// clang-format off
inline constexpr KeyDef kRows[] = {
  // ---- qe-fleet.json ----
  {F, B, "$schema", kString, "", "", "", "", kUnbounded, "Optional JSON-schema reference; ignored by aqe."},
  {F, B, "state_dir", kString, R"(".aqe")", "QE_STATE_DIR", "", "", kUnbounded, "Directory of aqe's state database (aqe.db: runs, test durations, coverage snapshots, findings), relative to the project."},
  {F, B, "state_required", kBool, "true", "QE_STATE_REQUIRED", "", "", kUnbounded, "When a run's results cannot be stored (state DB locked, read-only, full): exit 4, retry-safe (true), or only warn (false)."},
  {F, B, "project", kObject, "", "", "", "", kUnbounded, "What the project's code and tests are."},
  {F, B, "project.source_dirs", kStringList, R"(["src"])", "", "", "", kUnbounded, "Directories holding the code under test; when none exists, the project's layout decides (src/, else its top-level packages)."},
  {F, B, "project.test_dirs", kStringList, R"(["tests"])", "", "", "", kUnbounded, "Directories holding the tests; security-scan counts files under them as test code."},
  {F, B, "project.exclude", kStringList, "[]", "", "", "", kUnbounded, "Glob patterns excluded from generation and scanning."},
  {F, B, "python", kObject, "", "", "", "", kUnbounded, "The Python interpreter that runs tests."},
  {F, B, "python.interpreter", kString, "", "QE_PYTHON", "--python", "", kUnbounded, "Interpreter path or name. Unset: <project>/.venv/bin/python, <project>/venv/bin/python, then python3 on PATH."},
  {F, B, "generate", kObject, "", "", "", "", kUnbounded, "Test generation."},
  {F, B, "generate.output", kString, R"("tests/generated")", "", "--output", "", kUnbounded, "Directory generated tests are written to; nothing is written outside it."},
  {F, B, "generate.framework", kEnum, R"("pytest")", "", "--framework", "pytest", kUnbounded, "Test framework of the generated tests."},
  {F, B, "generate.engine", kEnum, R"("auto")", "", "--engine", "auto|builtin|llm", kUnbounded, "builtin = no model; auto = built-in first, then the model for modules still below generate.coverage_target, when the provider's API key (or llm.base_url) is set, else builtin; llm = the model only."},
  {F, B, "generate.time_budget_s", kNumber, "10", "", "--time-budget", "", above_up_to(0, kWeekS), "Exploration per module, seconds: a budget of 1,000 calls per second of it (the same calls on any machine), stopped at 80 % of it on a machine too slow for that rate."},
  {F, B, "generate.coverage_target", kNumber, "100", "", "--coverage-target", "", above_up_to(0, 100), "Percent of a module's lines+branches (as the explorer traces them) at which its exploration stops early; 100 = explore until the call or time budget."},
  {F, B, "generate.run_budget_s", kNumber, "0", "", "--run-budget", "", between(0, kWeekS), "Wall-clock budget of the whole run, seconds (exit 5 when used up); 0 = 1.5 x time_budget_s per module per worker + 60."},
  {F, B, "generate.parallel", kBool, "false", "", "--parallel", "", kUnbounded, "Spread modules over one worker per core."},
  {F, B, "execute", kObject, "", "", "", "", kUnbounded, "Test execution."},
  {F, B, "execute.framework", kEnum, R"("pytest")", "", "--framework", "pytest|junit", kUnbounded, "pytest, or junit: any command that writes JUnit XML."},
  {F, B, "execute.parallel", kBool, "false", "", "--parallel", "", kUnbounded, "Run on up to one worker per core; aqe picks the count from stored durations."},
  {F, B, "execute.workers", kInt, "0", "", "--workers", "", at_least(0), "Force this many workers (0 = decided by execute.parallel)."},
  {F, B, "execute.timeout_s", kNumber, "0", "QE_EXECUTE_TIMEOUT", "--timeout", "", between(0, kWeekS), "Wall-clock limit of the whole run in seconds (0 = none); exceeded = exit 5."},
  {F, B, "execute.test_timeout_s", kNumber, "0", "", "--test-timeout", "", between(0, kWeekS), "Limit per test in seconds (0 = none); a test over it is reported and the run goes on."},
  {F, B, "execute.retries", kInt, "0", "", "--retries", "", at_least(0), "Re-runs of a failed test; pass on retry = flaky."},
  {F, B, "execute.coverage", kBool, "false", "", "--coverage", "", kUnbounded, "Measure line and branch coverage with coverage.py."},
  {F, B, "execute.flaky_policy", kEnum, R"("fail")", "", "--flaky-policy", "fail|pass", kUnbounded, "Whether flaky tests fail the run (fail) or count as passed (pass)."},
  {F, B, "llm", kObject, "", "", "", "", kUnbounded, "Optional language-model engine."},
  {F, B, "llm.provider", kEnum, R"("anthropic")", "", "", "anthropic|openai", kUnbounded, "Model API provider; keys come from ANTHROPIC_API_KEY / OPENAI_API_KEY (never from a file)."},
  {F, B, "llm.model", kString, "", "", "--model", "", kUnbounded, "Model name; unset = claude-haiku-4-5 (anthropic) or gpt-4o-mini (openai)."},
  {F, B, "llm.base_url", kString, "", "", "", "", kUnbounded, "OpenAI-compatible base URL (e.g. a local server)."},
  {F, B, "llm.routing", kBool, "false", "QE_ROUTING_ENABLED", "", "", kUnbounded, "Pick a model tier (llm.tiers) per module: the cheapest for simple modules (statements, branches, imports), the next one for complex ones; each segment starts on its module's tier and goes one tier up after each discarded candidate; an explicit --model turns it off."},
  {F, B, "llm.tiers", kStringList, "[]", "", "", "", kUnbounded, "Model ids for routing, cheapest first; [] = claude-haiku-4-5, claude-sonnet-4-5, claude-opus-4-5 (anthropic) or gpt-4o-mini, gpt-4o (openai)."},
  {F, B, "llm.max_cost_usd_per_run", kNumber, "1.0", "", "", "", at_least(0), "Before each model call: a call whose worst case (prompt bytes/3 + max output tokens, at the model's prices) would take the run past this is not made (exit 1, kept tests stay); 0 = no limit."},
  {F, B, "llm.prices", kMap, "{}", "", "", "", kUnbounded, "Prices of models the built-in table lacks or prices differently (a local server's model, a negotiated rate), USD per million tokens by model id; they take precedence over the table."},
  {F, B, "llm.prices.*", kObject, "", "", "", "", kUnbounded, "One model's prices; input and output are required."},
  {F, B, "llm.prices.*.input", kNumber, "", "", "", "", at_least(0), "Uncached input tokens."},
  {F, B, "llm.prices.*.output", kNumber, "", "", "", "", at_least(0), "Output tokens."},
  {F, B, "llm.prices.*.cache_write", kNumber, "", "", "", "", at_least(0), "Input written to the prompt cache (unset = input)."},
  {F, B, "llm.prices.*.cache_read", kNumber, "", "", "", "", at_least(0), "Input read from the prompt cache (unset = input)."},
  {F, B, "llm.prices.*.reasoning", kNumber, "", "", "", "", at_least(0), "Reasoning output tokens (unset = output)."},
  {F, B, "llm.cache", kBool, "true", "", "", "", kUnbounded, "Cache responses by content hash in QE_CACHE_DIR."},
  {F, B, "llm.timeout_s", kNumber, "60", "", "", "", above_up_to(0, kWeekS), "Timeout of one model call, retries included, seconds."},
  {F, B, "llm.max_retries", kInt, "3", "", "", "", at_least(0), "Retries of a failed model call before exit 4."},
  {F, B, "llm.max_attempts", kInt, "3", "", "", "", at_least(1), "Prompts per segment (function, method or module-level code): the first and the re-prompts with a discarded candidate's failure."},
  {F, B, "usage", kObject, "", "", "", "", kUnbounded, "AI cost limits."},
  {F, B, "usage.daily_limit_usd", kNumber, "0", "", "--daily-limit", "", at_least(0), "Spending limit per UTC day in USD, checked by `aqe usage alert` and before each model call of `aqe generate` (0 = none)."},
  {F, B, "usage.monthly_limit_usd", kNumber, "0", "", "--monthly-limit", "", at_least(0), "Spending limit per UTC month in USD, checked by `aqe usage alert` and before each model call of `aqe generate` (0 = none)."},
  {F, B, "security", kObject, "", "", "", "", kUnbounded, "Security scanning."},
  {F, B, "security.exclude", kStringList, "[]", "", "", "", kUnbounded, "Extra glob patterns the scanner skips."},
  {F, B, "security.advisories_dir", kString, "", "QE_ADVISORIES_DIR", "--advisories", "", kUnbounded, "Offline OSV advisory database (directory of OSV JSON files)."},
  {F, B, "security.max_file_size_kb", kInt, "2048", "", "", "", at_least(1), "Files larger than this are skipped and reported."},
  {F, B, "security.rules", kArray, "[]", "", "", "", kUnbounded, "Custom secret rules, added to the built-in ones."},
  {F, B, "security.rules[].id", kString, "", "", "", "", kUnbounded, "Rule id."},
  {F, B, "security.rules[].description", kString, "", "", "", "", kUnbounded, "What the rule finds."},
  {F, B, "security.rules[].regex", kString, "", "", "", "", kUnbounded, "Pattern (Hyperscan syntax, ASCII)."},
  {F, B, "security.rules[].severity", kEnum, R"("high")", "", "", "critical|high|medium|low", kUnbounded, "Severity of a finding."},
  {F, B, "security.rules[].keywords", kStringList, "[]", "", "", "", kUnbounded, "Words one of which must appear on the line."},
  {F, B, "security.rules[].entropy", kNumber, "0", "", "", "", between(0, 8), "Minimum Shannon entropy of the match."},
  {F, B, "security.rules[].allowlist", kStringList, "[]", "", "", "", kUnbounded, "Regexes (ECMAScript, case-insensitive) searched in a matched secret; a secret one of them finds is not reported."},
  {F, P, "pipeline", kObject, "", "", "", "", kUnbounded, "CI pipeline description."},
  {F, P, "pipeline.stages", kStringList, "[]", "", "", "", kUnbounded, "Commands the CI pipeline runs, in order (documentation for templates)."},
  {F, B, "log", kObject, "", "", "", "", kUnbounded, "Logging (to stderr)."},
  {F, B, "log.level", kEnum, R"("warn")", "QE_LOG_LEVEL", "", "trace|debug|info|warn|error|off", kUnbounded, "Log level; --verbose sets debug."},
  {F, B, "log.file", kString, "", "QE_LOG_FILE", "", "", kUnbounded, "Also write the log to this file."},

  // ---- quality-gates.json ----
  {G, B, "$schema", kString, "", "", "", "", kUnbounded, "Optional JSON-schema reference; ignored by aqe."},
  {G, B, "threshold", kNumber, "80", "", "--threshold", "", between(0, 100), "Minimum quality score."},
  {G, B, "diff_base", kString, "", "", "--base", "", kUnbounded, "Git ref diff_coverage compares with; default: the CI's target branch, else the branch origin/HEAD points to, else origin/main, origin/master, main, master (the first that exists)."},
  {G, B, "weights", kObject, "", "", "", "", kUnbounded, "Weights of the metrics in the score."},
  {G, B, "weights.line_coverage", kNumber, "0.4", "", "", "", at_least(0), "Weight of line coverage."},
  {G, B, "weights.branch_coverage", kNumber, "0.2", "", "", "", at_least(0), "Weight of branch coverage."},
  {G, B, "weights.test_pass_rate", kNumber, "0.3", "", "", "", at_least(0), "Weight of the test pass rate."},
  {G, B, "weights.security", kNumber, "0.1", "", "", "", at_least(0), "Weight of the security score."},
  {G, B, "conditions", kArray, "[]", "", "", "", kUnbounded, "Hard conditions; all must hold."},
  {G, B, "conditions[].metric", kString, "", "", "", "", kUnbounded, "Metric name, e.g. line_coverage, security_critical."},
  {G, B, "conditions[].op", kEnum, "", "", "", "<|<=|>|>=|==|!=", kUnbounded, "Comparison."},
  {G, B, "conditions[].value", kNumber, "", "", "", "", kUnbounded, "Value compared against."},
  {G, B, "profiles", kMap, "{}", "", "--profile", "", kUnbounded, "Named profiles chosen by branch or event."},
  {G, B, "profiles.*", kObject, "", "", "", "", kUnbounded, "A profile."},
  {G, B, "profiles.*.branches", kStringList, "[]", "", "", "", kUnbounded, "Branch globs this profile applies to (e.g. main, feature/*)."},
  {G, B, "profiles.*.events", kStringList, "[]", "", "", "", kUnbounded, "CI events this profile applies to (e.g. pull_request)."},
  {G, B, "profiles.*.threshold", kNumber, "", "", "", "", between(0, 100), "Score threshold in this profile."},
  {G, B, "profiles.*.blocking", kBool, "true", "", "", "", kUnbounded, "Whether a failed gate fails the job in this profile."},
  {G, B, "profiles.*.skip", kBool, "false", "", "", "", kUnbounded, "Skip the gate entirely (reported as skipped)."},
  {G, B, "profiles.*.conditions", kArray, "[]", "", "", "", kUnbounded, "Conditions in this profile."},
  {G, B, "profiles.*.conditions[].metric", kString, "", "", "", "", kUnbounded, "Metric name."},
  {G, B, "profiles.*.conditions[].op", kEnum, "", "", "", "<|<=|>|>=|==|!=", kUnbounded, "Comparison."},
  {G, B, "profiles.*.conditions[].value", kNumber, "", "", "", "", kUnbounded, "Value compared against."},
  {G, B, "scopes", kArray, "[]", "", "", "", kUnbounded, "Per-component thresholds."},
  {G, B, "scopes[].path", kString, "", "", "", "", kUnbounded, "Path prefix of the component."},
  {G, B, "scopes[].threshold", kNumber, "", "", "", "", between(0, 100), "Score threshold for the component."},
  {G, B, "scopes[].conditions", kArray, "[]", "", "", "", kUnbounded, "Conditions for the component."},
  {G, B, "scopes[].conditions[].metric", kString, "", "", "", "", kUnbounded, "Metric name."},
  {G, B, "scopes[].conditions[].op", kEnum, "", "", "", "<|<=|>|>=|==|!=", kUnbounded, "Comparison."},
  {G, B, "scopes[].conditions[].value", kNumber, "", "", "", "", kUnbounded, "Value compared against."},

  // ---- storage.json ----
  {S, B, "$schema", kString, "", "", "", "", kUnbounded, "Optional JSON-schema reference; ignored by aqe."},
  {S, B, "required", kBool, "true", "", "", "", kUnbounded, "When artifacts cannot be stored because the store is unreachable (--store-artifacts): exit 4, retry-safe (true), or only warn (false). Credential, permission and configuration errors fail either way."},
  {S, B, "backend", kEnum, R"("local")", "", "", "local|s3", kUnbounded, "Where artifacts are kept."},
  {S, B, "local", kObject, "", "", "", "", kUnbounded, "Local backend."},
  {S, B, "local.path", kString, R"(".aqe/artifacts")", "", "", "", kUnbounded, "Directory of the local artifact store."},
  {S, B, "s3", kObject, "", "", "", "", kUnbounded, "S3 backend; credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN."},
  {S, B, "s3.bucket", kString, "", "", "", "", kUnbounded, "Bucket name."},
  {S, B, "s3.region", kString, R"("us-east-1")", "", "", "", kUnbounded, "Region."},
  {S, B, "s3.prefix", kString, R"("aqe/")", "", "", "", kUnbounded, "Key prefix inside the bucket."},
  {S, B, "s3.endpoint_url", kString, "", "", "", "", kUnbounded, "Endpoint of an S3-compatible service."},
  {S, B, "s3.force_path_style", kBool, "false", "", "", "", kUnbounded, "Path-style addressing (most S3-compatible servers)."},
  {S, B, "compression", kObject, "", "", "", "", kUnbounded, "Artifact compression."},
  {S, B, "compression.algorithm", kEnum, R"("zstd")", "", "", "zstd|gzip|none", kUnbounded, "Compression algorithm."},
  {S, B, "compression.level", kInt, "3", "", "", "", at_least(0), "Compression level: zstd 0..19 (0 = libzstd's default), gzip 0..9."},
  {S, B, "retention", kObject, "", "", "", "", kUnbounded, "How long artifacts are kept."},
  {S, B, "retention.default_days", kInt, "30", "", "", "", at_least(0), "Days an artifact of no known branch is kept (class default; 0 = no age limit)."},
  {S, B, "retention.feature_branches", kInt, "7", "", "", "", at_least(0), "Days for artifacts of branches other than main/master (class feature)."},
  {S, B, "retention.main_branch", kInt, "90", "", "", "", at_least(0), "Days for artifacts of main or master (class main)."},
  {S, B, "retention.release_tags", kInt, "365", "", "", "", at_least(0), "Days for artifacts of tag builds: GITHUB_REF_TYPE=tag, CI_COMMIT_TAG (class release)."},
  {S, B, "retention.security_findings", kInt, "365", "", "", "", at_least(0), "Days for artifacts of security-scan (class security)."},
  {S, B, "retention.keep_latest_n", kInt, "5", "", "", "", at_least(0), "aqe artifacts prune always keeps the newest N artifacts of each branch."},
};
// clang-format on

}  // namespace aqe::config::rows
