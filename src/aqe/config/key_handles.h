// Typed handles for the scalar and list keys of the key table: callers read
// `c.get(kExecuteParallel)`, so a misspelt handle does not compile. Each handle is declared once,
// in AQE_CONFIG_KEYS, and a static_assert checks it against its row in key_rows.h (name and
// type), as ccache checks its statistics enum against its table; so does a unit test, which
// also checks that every such row has a handle.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/config/key_rows.h"

namespace aqe::config {

template <typename T>
struct Key {
  std::string_view name;  // full key name: "execute.parallel", "gates.threshold", "storage.backend"
};

// The C++ type a handle reads, for the consistency test against the table's ValueType.
enum class HandleType { kBool, kInt, kNumber, kString, kStrings };

template <typename T>
constexpr HandleType handle_type();
template <>
constexpr HandleType handle_type<bool>() {
  return HandleType::kBool;
}
template <>
constexpr HandleType handle_type<int64_t>() {
  return HandleType::kInt;
}
template <>
constexpr HandleType handle_type<double>() {
  return HandleType::kNumber;
}
template <>
constexpr HandleType handle_type<std::string>() {
  return HandleType::kString;
}
template <>
constexpr HandleType handle_type<std::vector<std::string>>() {
  return HandleType::kStrings;
}

using Strings = std::vector<std::string>;

constexpr bool reads_as(HandleType h, ValueType t) {
  switch (h) {
    case HandleType::kBool:
      return t == ValueType::kBool;
    case HandleType::kInt:
      return t == ValueType::kInt;
    case HandleType::kNumber:
      return t == ValueType::kNumber;
    case HandleType::kString:
      return t == ValueType::kString || t == ValueType::kEnum;
    case HandleType::kStrings:
      return t == ValueType::kStringList;
  }
  return false;
}

// True when `full_name` ("gates.threshold") is a scalar or list row of the table that a handle
// of type `h` can read.
consteval bool declared_key(std::string_view full_name, HandleType h) {
  ConfigFile file = ConfigFile::kFleet;
  std::string_view path = full_name;
  if (path.starts_with("gates.")) {
    file = ConfigFile::kGates;
    path.remove_prefix(6);
  } else if (path.starts_with("storage.")) {
    file = ConfigFile::kStorage;
    path.remove_prefix(8);
  }
  for (const KeyDef& k : rows::kRows) {
    if (k.file == file && k.path == path) return reads_as(h, k.type);
  }
  return false;
}

// X(handle, C++ type, full key name). Enums read as std::string.
// NOLINTBEGIN(cppcoreguidelines-macro-usage)
#define AQE_CONFIG_KEYS(X)                                                             \
  X(kStateDir, std::string, "state_dir")                                               \
  X(kStateRequired, bool, "state_required")                                            \
  X(kProjectSourceDirs, Strings, "project.source_dirs")                                \
  X(kProjectTestDirs, Strings, "project.test_dirs")                                    \
  X(kProjectExclude, Strings, "project.exclude")                                       \
  X(kPythonInterpreter, std::string, "python.interpreter")                             \
  X(kGenerateOutput, std::string, "generate.output")                                   \
  X(kGenerateFramework, std::string, "generate.framework")                             \
  X(kGenerateEngine, std::string, "generate.engine")                                   \
  X(kGenerateTimeBudgetS, double, "generate.time_budget_s")                            \
  X(kGenerateCoverageTarget, double, "generate.coverage_target")                       \
  X(kGenerateRunBudgetS, double, "generate.run_budget_s")                              \
  X(kGenerateParallel, bool, "generate.parallel")                                      \
  X(kExecuteFramework, std::string, "execute.framework")                               \
  X(kExecuteParallel, bool, "execute.parallel")                                        \
  X(kExecuteWorkers, int64_t, "execute.workers")                                       \
  X(kExecuteTimeoutS, double, "execute.timeout_s")                                     \
  X(kExecuteTestTimeoutS, double, "execute.test_timeout_s")                            \
  X(kExecuteRetries, int64_t, "execute.retries")                                       \
  X(kExecuteCoverage, bool, "execute.coverage")                                        \
  X(kExecuteFlakyPolicy, std::string, "execute.flaky_policy")                          \
  X(kLlmProvider, std::string, "llm.provider")                                         \
  X(kLlmModel, std::string, "llm.model")                                               \
  X(kLlmBaseUrl, std::string, "llm.base_url")                                          \
  X(kLlmRouting, bool, "llm.routing")                                                  \
  X(kLlmTiers, Strings, "llm.tiers")                                                   \
  X(kLlmMaxCostUsdPerRun, double, "llm.max_cost_usd_per_run")                          \
  X(kLlmCache, bool, "llm.cache")                                                      \
  X(kLlmTimeoutS, double, "llm.timeout_s")                                             \
  X(kLlmMaxRetries, int64_t, "llm.max_retries")                                        \
  X(kLlmMaxAttempts, int64_t, "llm.max_attempts")                                      \
  X(kUsageDailyLimitUsd, double, "usage.daily_limit_usd")                              \
  X(kUsageMonthlyLimitUsd, double, "usage.monthly_limit_usd")                          \
  X(kSecurityExclude, Strings, "security.exclude")                                     \
  X(kSecurityAdvisoriesDir, std::string, "security.advisories_dir")                    \
  X(kSecurityMaxFileSizeKb, int64_t, "security.max_file_size_kb")                      \
  X(kPipelineStages, Strings, "pipeline.stages")                                       \
  X(kLogLevel, std::string, "log.level")                                               \
  X(kLogFile, std::string, "log.file")                                                 \
  X(kGatesThreshold, double, "gates.threshold")                                        \
  X(kGatesDiffBase, std::string, "gates.diff_base")                                    \
  X(kGatesWeightsLineCoverage, double, "gates.weights.line_coverage")                  \
  X(kGatesWeightsBranchCoverage, double, "gates.weights.branch_coverage")              \
  X(kGatesWeightsTestPassRate, double, "gates.weights.test_pass_rate")                 \
  X(kGatesWeightsSecurity, double, "gates.weights.security")                           \
  X(kStorageRequired, bool, "storage.required")                                        \
  X(kStorageBackend, std::string, "storage.backend")                                   \
  X(kStorageLocalPath, std::string, "storage.local.path")                              \
  X(kStorageS3Bucket, std::string, "storage.s3.bucket")                                \
  X(kStorageS3Region, std::string, "storage.s3.region")                                \
  X(kStorageS3Prefix, std::string, "storage.s3.prefix")                                \
  X(kStorageS3EndpointUrl, std::string, "storage.s3.endpoint_url")                     \
  X(kStorageS3ForcePathStyle, bool, "storage.s3.force_path_style")                     \
  X(kStorageCompressionAlgorithm, std::string, "storage.compression.algorithm")        \
  X(kStorageCompressionLevel, int64_t, "storage.compression.level")                    \
  X(kStorageRetentionDefaultDays, int64_t, "storage.retention.default_days")           \
  X(kStorageRetentionFeatureBranches, int64_t, "storage.retention.feature_branches")   \
  X(kStorageRetentionMainBranch, int64_t, "storage.retention.main_branch")             \
  X(kStorageRetentionReleaseTags, int64_t, "storage.retention.release_tags")           \
  X(kStorageRetentionSecurityFindings, int64_t, "storage.retention.security_findings") \
  X(kStorageRetentionKeepLatestN, int64_t, "storage.retention.keep_latest_n")

#define AQE_DECLARE_KEY(handle, type, name) \
  inline constexpr Key<type> handle{name};  \
  static_assert(declared_key(name, handle_type<type>()), "key_rows.h has no row " name " of this type");
AQE_CONFIG_KEYS(AQE_DECLARE_KEY)
#undef AQE_DECLARE_KEY

// Every handle with the type it reads, for the consistency test.
struct HandleInfo {
  std::string_view name;
  HandleType type;
};
#define AQE_HANDLE_INFO(handle, type, name) HandleInfo{name, handle_type<type>()},
inline constexpr HandleInfo kAllHandles[] = {AQE_CONFIG_KEYS(AQE_HANDLE_INFO)};
#undef AQE_HANDLE_INFO
// NOLINTEND(cppcoreguidelines-macro-usage)

}  // namespace aqe::config
