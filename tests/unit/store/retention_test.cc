#include "aqe/store/retention.h"

#include <gtest/gtest.h>

#include "aqe/util/time.h"

namespace aqe::store {
namespace {

using std::chrono::hours;
using std::chrono::system_clock;

Manifest artifact(std::string key, std::string branch, std::string cls, system_clock::time_point created) {
  Manifest m;
  m.key = std::move(key);
  m.branch = std::move(branch);
  m.retention_class = std::move(cls);
  m.created_at = iso8601_utc(created);
  return m;
}

std::vector<std::string> keys(const std::vector<PruneDecision>& plan) {
  std::vector<std::string> out;
  for (const auto& d : plan) out.push_back(d.manifest.key);
  return out;
}

TEST(RetentionClass, FromTagCommandAndBranch) {
  EXPECT_EQ(retention_class({"main", true, "execute"}), "release");
  EXPECT_EQ(retention_class({"feature/x", false, "security-scan"}), "security");
  EXPECT_EQ(retention_class({"main", false, "execute"}), "main");
  EXPECT_EQ(retention_class({"master", false, "execute"}), "main");
  EXPECT_EQ(retention_class({"feature/x", false, "execute"}), "feature");
  EXPECT_EQ(retention_class({"unknown", false, "execute"}), "default");
  EXPECT_EQ(retention_class({"", false, "generate"}), "default");
}

TEST(PlanPrune, RemovesOnlyExpiredArtifactsBeyondTheNewestNOfTheirBranch) {
  const auto now = system_clock::now();
  RetentionPolicy p;
  p.feature_days = 7;
  p.main_days = 90;
  p.keep_latest_n = 2;
  const std::vector<Manifest> all = {
      artifact("f-new", "feature/x", "feature", now - hours(1)),
      artifact("f-old1", "feature/x", "feature", now - hours(24 * 8)),
      artifact("f-old2", "feature/x", "feature", now - hours(24 * 9)),
      artifact("f-old3", "feature/x", "feature", now - hours(24 * 6)),  // the second newest: kept
      artifact("m-old", "main", "main", now - hours(24 * 30)),
      artifact("m-older", "main", "main", now - hours(24 * 31)),  // past keep_latest_n, within 90 days
      artifact("m-oldest", "main", "main", now - hours(24 * 91)),
  };
  const auto plan = plan_prune(all, p, now);
  EXPECT_EQ(keys(plan), (std::vector<std::string>{"f-old1", "f-old2", "m-oldest"}));
  EXPECT_NE(plan[0].reason.find("8 days old, retention.feature_branches is 7"), std::string::npos)
      << plan[0].reason;
  EXPECT_NE(plan[0].reason.find("newest 2 of branch feature/x"), std::string::npos) << plan[0].reason;
}

TEST(PlanPrune, ZeroDaysAndUnreadableTimesAreKept) {
  const auto now = system_clock::now();
  RetentionPolicy p;
  p.keep_latest_n = 0;
  p.feature_days = 0;
  Manifest bad = artifact("bad", "b", "default", now);
  bad.created_at = "yesterday";
  const auto plan = plan_prune({artifact("f", "x", "feature", now - hours(24 * 400)), bad,
                                artifact("d", "b", "default", now - hours(24 * 31))},
                               p, now);
  EXPECT_EQ(keys(plan), (std::vector<std::string>{"d"}));
}

TEST(Lifecycle, OneRulePerClassWithDaysAndAnAbortRule) {
  RetentionPolicy p;
  p.security_days = 0;
  const auto doc = lifecycle_configuration(p, "ci/aqe/");
  const auto& rules = doc["Rules"];
  ASSERT_EQ(rules.size(), 5u);  // default, feature, main, release; security has no age limit
  EXPECT_EQ(rules[1]["Filter"]["Prefix"], "ci/aqe/feature/");
  EXPECT_EQ(rules[1]["Expiration"]["Days"], 7);
  EXPECT_EQ(rules[1]["Status"], "Enabled");
  EXPECT_EQ(rules[4]["Filter"]["Prefix"], "ci/aqe/");
  EXPECT_EQ(rules[4]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"], 1);
  EXPECT_EQ(lifecycle_configuration(p, "")["Rules"][0]["Filter"]["Prefix"], "default/");
}

}  // namespace
}  // namespace aqe::store
