// Internal to state/: the versioned schema of aqe.db and its migrations.
#pragma once

#include <sqlite3.h>

#include <filesystem>

#include "aqe/util/result.h"

namespace aqe::state {

// The user_version this binary migrates a database to.
int latest_schema_version();

// Brings the database to latest_schema_version(), each migration in one BEGIN IMMEDIATE
// transaction together with its user_version bump, so concurrent processes serialize on the
// write lock and the later one finds the work done. A newer database is an error (exit 3).
Status migrate(sqlite3* db, const std::filesystem::path& file);
// The same, up to version `target` (at most latest_schema_version()): for tests that need a
// database as an older aqe left it.
Status migrate_to(sqlite3* db, const std::filesystem::path& file, int target);

Result<int> read_user_version(sqlite3* db, const std::filesystem::path& file);

}  // namespace aqe::state
