// The exit codes of the product contract (shared/design/PRODUCT.md). Pipelines depend on them.
#pragma once

namespace aqe {

enum class ExitCode : int {
  kSuccess = 0,
  kFailure = 1,     // the job ran and found failure (tests failed, findings, limit exceeded)
  kGateFailed = 2,  // quality gate failed with --fail-on-error
  kUsage = 3,       // usage, configuration or input error
  kTransient = 4,   // transient external error: safe to retry
  kTimeout = 5,
  kInterrupted = 130,
};

inline int to_int(ExitCode c) { return static_cast<int>(c); }

}  // namespace aqe
