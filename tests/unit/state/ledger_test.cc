// The usage ledger's schema step 3 (tokens by kind, outcome): rows written by an older aqe
// survive the migration with their values, and the new columns round-trip.
#include <gtest/gtest.h>

#include "aqe/state/db.h"
#include "aqe/state/schema.h"
#include "temp_dir.h"

namespace aqe::state {
namespace {

TEST(Ledger, MigratingFromVersion2KeepsEveryUsageRow) {
  aqe::testing::TempDir tmp;
  const auto state = tmp.path() / ".aqe";
  std::filesystem::create_directories(state);
  const auto file = state / "aqe.db";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
  ASSERT_TRUE(migrate_to(raw, file, 2));
  ASSERT_EQ(sqlite3_exec(raw,
                         "INSERT INTO usage (at, command, provider, model, input_tokens, output_tokens, "
                         "cost_usd, cache_hit) VALUES ('2026-01-02T03:04:05Z', 'generate', 'openai', "
                         "'gpt-x', 11, 22, 0.125, 1)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);

  auto db = Db::open(state);
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->schema_version(), Db::current_schema_version());
  auto rows = db->usage_since("");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  const UsageRow& r = (*rows)[0];
  EXPECT_EQ(r.at, "2026-01-02T03:04:05Z");
  EXPECT_EQ(r.model, "gpt-x");
  EXPECT_EQ(r.input_tokens, 11);
  EXPECT_EQ(r.output_tokens, 22);
  EXPECT_DOUBLE_EQ(r.cost_usd, 0.125);
  EXPECT_TRUE(r.cache_hit);
  EXPECT_EQ(r.cache_write_tokens, 0);
  EXPECT_EQ(r.cache_read_tokens, 0);
  EXPECT_EQ(r.reasoning_tokens, 0);
  EXPECT_EQ(r.outcome, "ok");
}

TEST(Ledger, TokenKindsAndOutcomeRoundTrip) {
  aqe::testing::TempDir tmp;
  auto db = Db::open(tmp.path() / ".aqe");
  ASSERT_TRUE(db);
  UsageRow u;
  u.at = "2026-05-01T00:00:00Z";
  u.command = "generate";
  u.provider = "anthropic";
  u.model = "claude-x";
  u.input_tokens = 1;
  u.output_tokens = 2;
  u.cache_write_tokens = 3;
  u.cache_read_tokens = 4;
  u.reasoning_tokens = 5;
  u.outcome = "error";
  ASSERT_TRUE(db->record_usage(u));
  auto rows = db->usage_since("2026-05-01T00:00:00Z");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].cache_write_tokens, 3);
  EXPECT_EQ((*rows)[0].cache_read_tokens, 4);
  EXPECT_EQ((*rows)[0].reasoning_tokens, 5);
  EXPECT_EQ((*rows)[0].outcome, "error");
  EXPECT_TRUE(db->usage_since("2026-05-01T00:00:01Z")->empty());
}

}  // namespace
}  // namespace aqe::state
