// --store-artifacts: after the run recorder has finished a run, what the command produced is
// stored as one artifact (store/artifact.h) and indexed in the state DB. Also the configured
// store (storage.json) for `aqe artifacts`.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "aqe/ci/ci.h"
#include "aqe/cli/command.h"
#include "aqe/state/db.h"
#include "aqe/store/artifact.h"
#include "aqe/store/retention.h"

namespace aqe::cli {

struct StoreFlags {
  bool store = false;
  std::string key;       // empty = <command>-<run id>[-<short commit>]
  std::string metadata;  // JSON object text; empty = {}
  bool overwrite = false;
};

// Adds --store-artifacts, --artifact-key, --metadata and --overwrite to `sub`.
void add_store_flags(CLI::App* sub, StoreFlags& flags);

// Checked before the command runs, so that a typo does not cost a whole test run: the key and
// the metadata JSON (exit 3, naming the flag and the position).
std::optional<Error> check_store_flags(const StoreFlags& flags,
                                       const std::map<std::string, std::string>& env);

// --metadata: a JSON object; `$VAR` and `${VAR}` in its string values (at any depth) are
// replaced by the environment's value (empty when unset), since CI guides pass them inside
// single quotes. Invalid JSON or not an object: exit 3 with the line and column.
Result<nlohmann::json> parse_metadata(const std::string& text, const std::map<std::string, std::string>& env);

// The store storage.json configures.
struct ArtifactStore {
  std::unique_ptr<store::Backend> backend;
  std::string prefix;  // s3.prefix without its trailing '/'; "" for the local backend
  store::Compression compression = store::Compression::kZstd;
  int level = 3;
  bool required = true;
  store::RetentionPolicy retention;
};

// Errors: storage.s3.bucket missing with backend s3, a level out of the algorithm's range,
// a missing AWS_* credential variable (exit 3, naming it).
Result<ArtifactStore> open_artifact_store(Context& ctx);

// Stores what `outcome` produced (execute: junit.xml, coverage.json; every command: the run
// record as run.json) under the flags' key, records it in the DB's artifact index, and sets
// outcome.data["artifact_key"]. A failure leaves the command's result as it is: an unreachable
// store is exit 4 (a warning with storage.required false), other failures their kind's code
// (store::exit_code_for); a command that already failed keeps its exit code.
void store_command_artifacts(Context& ctx, CommandOutcome& outcome, const StoreFlags& flags, state::Db* db,
                             int64_t run_id, const ci::CiFacts& facts);

// The manifest as `aqe artifacts list` shows it: {key, branch, commit, class, created_at,
// size_bytes, files [{name, size, sha256}], metadata}.
nlohmann::json artifact_json(const store::Manifest& manifest);

// An index row for the manifest, stored through `backend` (its name()).
state::ArtifactRow artifact_row(const store::Manifest& manifest, const std::string& backend);

}  // namespace aqe::cli
