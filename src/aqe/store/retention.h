// Retention: an artifact's class comes from what it is (a release tag, a security scan, the main
// branch, another branch), each class keeps artifacts for its number of days, and the newest
// keep_latest_n of each branch are always kept. Because the class is part of the key
// (<prefix>/<class>/...), the age limits can also be enforced by the bucket itself through the
// S3 lifecycle configuration that lifecycle_configuration() returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/store/artifact.h"

namespace aqe::store {

// What the class of an artifact is chosen from.
struct ClassInputs {
  std::string branch;        // empty or "unknown" = not known
  bool release_tag = false;  // the build is of a tag (GitHub GITHUB_REF_TYPE=tag, GitLab CI_COMMIT_TAG)
  std::string command;       // "security-scan" = security findings
};

// "release", "security", "main" (main or master), "feature" (any other branch), "default".
std::string retention_class(const ClassInputs& in);

// Days per class; 0 = kept without an age limit.
struct RetentionPolicy {
  int64_t default_days = 30, feature_days = 7, main_days = 90, release_days = 365, security_days = 365;
  int64_t keep_latest_n = 5;
  int64_t days_of(std::string_view retention_class) const;
  // The config key that sets the class's days, for messages: "retention.feature_branches".
  static std::string_view key_of(std::string_view retention_class);
};

struct PruneDecision {
  Manifest manifest;
  std::string reason;  // why it goes
};

// The artifacts `policy` removes at `now`: older than their class's days and not among the
// newest keep_latest_n of their branch. An unreadable created_at is kept (never a guess).
std::vector<PruneDecision> plan_prune(const std::vector<Manifest>& artifacts, const RetentionPolicy& policy,
                                      std::chrono::system_clock::time_point now);

// The S3 lifecycle configuration (PutBucketLifecycleConfiguration's JSON form, as
// `aws s3api put-bucket-lifecycle-configuration --lifecycle-configuration file://x.json` takes
// it): one Expiration rule per class with an age limit, filtered on <prefix>/<class>/, and one
// AbortIncompleteMultipartUpload rule for the whole prefix.
nlohmann::json lifecycle_configuration(const RetentionPolicy& policy, std::string_view prefix);

}  // namespace aqe::store
