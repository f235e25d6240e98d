// aqe artifacts list|get|delete|sync|prune|lifecycle: the artifacts of the configured store (storage.json),
// read from the backend's manifests (the store is the truth; the state DB's index follows it).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "aqe/cli/artifacts_upload.h"
#include "aqe/cli/command.h"
#include "aqe/state/db.h"
#include "aqe/util/strings.h"
#include "aqe/util/time.h"

namespace aqe::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ListFlags {
  std::string branch, since, key_prefix;
};

struct KeyFlags {
  std::string key, output;
};

// "7d", "12h", "30m", "2w" -> the ISO 8601 time that long ago.
Result<std::string> since_cutoff(const std::string& text) {
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  const std::string unit = end ? std::string(end) : "";
  long long seconds_per = 0;
  if (unit == "m") seconds_per = 60;
  if (unit == "h") seconds_per = 3600;
  if (unit == "d") seconds_per = 86400;
  if (unit == "w") seconds_per = 7 * 86400;
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) || seconds_per == 0 || n < 0 ||
      n > 100LL * 366) {
    return make_error("USAGE", "--since: invalid age '" + printable(text) + "'",
                      "a number and a unit: m, h, d or w, e.g. --since 7d");
  }
  return iso8601_utc(std::chrono::system_clock::now() - std::chrono::seconds(n * seconds_per));
}

CommandOutcome store_error(const std::string& command, const store::StoreFailure& f) {
  return error_outcome(command, store::to_error(f));
}

std::string human_size(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const double kib = static_cast<double>(bytes) / 1024.0;
  char buf[32];
  if (kib < 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", kib);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", kib / 1024.0);
  }
  return buf;
}

CommandOutcome run_list(Context& ctx, const ListFlags& f) {
  const std::string command = "artifacts list";
  std::string cutoff;
  if (!f.since.empty()) {
    auto c = since_cutoff(f.since);
    if (!c) return error_outcome(command, c.error());
    cutoff = *c;
  }
  auto st = open_artifact_store(ctx);
  if (!st) return error_outcome(command, st.error());
  auto refs = store::list_artifacts(*st->backend, st->prefix);
  if (!refs) return store_error(command, refs.failure());
  std::vector<store::Manifest> found;
  for (const auto& ref : *refs) {
    if (!f.branch.empty() && ref.branch != f.branch) continue;
    if (!f.key_prefix.empty() && !ref.key.starts_with(f.key_prefix)) continue;
    auto m = store::read_manifest(*st->backend, ref);
    // Deleted between the listing and the read: another process got there first.
    if (!m && m.failure().kind == store::FailureKind::kNotFound) continue;
    if (!m) return store_error(command, m.failure());
    if (!cutoff.empty() && m->created_at < cutoff) continue;
    found.push_back(std::move(*m));
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
  CommandOutcome out;
  out.command = command;
  json list = json::array();
  std::string text;
  for (const auto& m : found) {
    json j = artifact_json(m);
    text += printable(m.key) + "  " + (m.branch.empty() ? "-" : printable(m.branch)) + "  " +
            m.retention_class + "  " + m.created_at + "  " + std::to_string(m.files.size()) + " files  " +
            human_size(j["size_bytes"].get<uint64_t>()) + "\n";
    list.push_back(std::move(j));
  }
  out.data = {{"backend", st->backend->name()}, {"artifacts", list}};
  out.text = found.empty() ? "No artifacts in " + printable(st->backend->name()) + "\n"
                           : std::to_string(found.size()) + " artifact(s) in " +
                                 printable(st->backend->name()) + ", newest first:\n" + text;
  return out;
}

CommandOutcome run_get(Context& ctx, const KeyFlags& f) {
  const std::string command = "artifacts get";
  auto st = open_artifact_store(ctx);
  if (!st) return error_outcome(command, st.error());
  const fs::path dest = fs::path(f.output).is_absolute() ? fs::path(f.output) : ctx.project_dir / f.output;
  auto m = store::fetch_artifact(*st->backend, st->prefix, f.key, dest);
  if (!m) return store_error(command, m.failure());
  CommandOutcome out;
  out.command = command;
  out.data = artifact_json(*m);
  out.data["output"] = dest.lexically_normal().string();
  out.data["verified"] = true;  // fetch_artifact checked every size and sha256
  out.text = "Fetched " + printable(m->key) + " into " + printable(dest.lexically_normal().string()) + " (" +
             std::to_string(m->files.size()) + " files, sha256 verified):\n";
  for (const auto& file : m->files)
    out.text += "  " + printable(file.name) + "  " + human_size(file.size) + "\n";
  return out;
}

CommandOutcome run_delete(Context& ctx, const KeyFlags& f) {
  const std::string command = "artifacts delete";
  auto st = open_artifact_store(ctx);
  if (!st) return error_outcome(command, st.error());
  auto ref = store::find_artifact(*st->backend, st->prefix, f.key);
  if (!ref) return store_error(command, ref.failure());
  if (auto r = store::remove_artifact(*st->backend, *ref); !r) return store_error(command, r.failure());
  CommandOutcome out;
  out.command = command;
  out.data = {{"key", f.key}, {"deleted", true}, {"branch", ref->branch}, {"class", ref->retention_class}};
  out.text = "Deleted " + printable(f.key) + " from " + printable(st->backend->name()) + "\n";
  auto db = state::Db::open(ctx.state_dir());
  if (!db) {
    out.warnings.push_back("the artifact index was not updated: " + db.error().message);
  } else if (auto d = db->delete_artifact(f.key); !d) {
    out.warnings.push_back("the artifact index was not updated: " + d.error().message);
  }
  return out;
}

// The index is a cache of the manifests: every artifact of the store gets its row, and rows of
// artifacts the store no longer has go (another job, or the bucket's lifecycle, removed them).
CommandOutcome run_sync(Context& ctx) {
  const std::string command = "artifacts sync";
  auto st = open_artifact_store(ctx);
  if (!st) return error_outcome(command, st.error());
  auto db = state::Db::open(ctx.state_dir());
  if (!db) return error_outcome(command, db.error());
  auto refs = store::list_artifacts(*st->backend, st->prefix);
  if (!refs) return store_error(command, refs.failure());
  const std::string backend = st->backend->name();
  std::set<std::string> present;
  int64_t indexed = 0;
  for (const auto& ref : *refs) {
    auto m = store::read_manifest(*st->backend, ref);
    if (!m && m.failure().kind == store::FailureKind::kNotFound) continue;  // deleted meanwhile
    if (!m) return store_error(command, m.failure());
    if (auto put = db->put_artifact(artifact_row(*m, backend)); !put)
      return error_outcome(command, put.error());
    present.insert(m->key);
    ++indexed;
  }
  auto rows = db->list_artifacts();
  if (!rows) return error_outcome(command, rows.error());
  json removed = json::array();
  for (const auto& row : *rows) {
    // Rows of another backend (the config changed) are not this store's to judge.
    if (row.backend != backend || present.contains(row.key)) continue;
    if (auto d = db->delete_artifact(row.key); !d) return error_outcome(command, d.error());
    removed.push_back(row.key);
  }
  CommandOutcome out;
  out.command = command;
  out.data = {{"backend", backend}, {"indexed", indexed}, {"removed", removed}};
  out.text = "Indexed " + std::to_string(indexed) + " artifact(s) of " + printable(backend) + "; removed " +
             std::to_string(removed.size()) + " stale row(s)\n";
  return out;
}

CommandOutcome run_prune(Context& ctx, bool dry_run) {
  const std::string command = "artifacts prune";
  auto st = open_artifact_store(ctx);
  if (!st) return error_outcome(command, st.error());
  auto refs = store::list_artifacts(*st->backend, st->prefix);
  if (!refs) return store_error(command, refs.failure());
  std::vector<store::Manifest> all;
  std::map<std::string, store::ArtifactRef> ref_of;
  for (const auto& ref : *refs) {
    auto m = store::read_manifest(*st->backend, ref);
    if (!m && m.failure().kind == store::FailureKind::kNotFound) continue;
    if (!m) return store_error(command, m.failure());
    ref_of.emplace(m->key, ref);
    all.push_back(std::move(*m));
  }
  const auto plan = store::plan_prune(all, st->retention, std::chrono::system_clock::now());
  CommandOutcome out;
  out.command = command;
  std::optional<state::Db> db;
  if (!dry_run) {
    if (auto opened = state::Db::open(ctx.state_dir())) {
      db.emplace(std::move(*opened));
    } else {
      out.warnings.push_back("the artifact index will not be updated: " + opened.error().message);
    }
  }
  json removed = json::array();
  std::string text;
  for (const auto& d : plan) {
    if (!dry_run) {
      if (auto r = store::remove_artifact(*st->backend, ref_of.at(d.manifest.key)); !r) {
        // What is removed so far stays reported; the rest waits for the next prune.
        Error e = store::to_error(r.failure());
        out.exit_code = e.exit_code;
        out.errors.push_back(std::move(e));
        break;
      }
      if (db) {
        if (auto del = db->delete_artifact(d.manifest.key); !del)
          out.warnings.push_back("the artifact index was not updated: " + del.error().message);
      }
    }
    json j = artifact_json(d.manifest);
    j["reason"] = d.reason;
    removed.push_back(std::move(j));
    text += (dry_run ? "would remove " : "removed ") + printable(d.manifest.key) + " (" +
            printable(d.reason) + ")\n";
  }
  out.data = {{"backend", st->backend->name()},
              {"dry_run", dry_run},
              {"removed", removed},
              {"kept", static_cast<int64_t>(all.size()) - static_cast<int64_t>(removed.size())}};
  out.text = text + std::to_string(removed.size()) + (dry_run ? " would be removed, " : " removed, ") +
             std::to_string(all.size() - removed.size()) + " kept in " + printable(st->backend->name()) +
             "\n";
  return out;
}

CommandOutcome run_lifecycle(Context& ctx) {
  const std::string command = "artifacts lifecycle";
  auto st = open_artifact_store(ctx);
  if (!st) return error_outcome(command, st.error());
  CommandOutcome out;
  out.command = command;
  out.data = store::lifecycle_configuration(st->retention, st->prefix);
  // The text form is the document itself, ready for put-bucket-lifecycle-configuration.
  out.text = out.data.dump(2) + "\n";
  return out;
}

}  // namespace

void add_artifacts_commands(CLI::App& app, CommandList& commands) {
  CLI::App* group = app.add_subcommand(
      "artifacts", "Stored artifacts (storage.json): list, get, delete, sync, prune, lifecycle");

  auto lf = std::make_shared<ListFlags>();
  CLI::App* list = group->add_subcommand("list", "Artifacts in the store, newest first");
  list->add_option("--branch", lf->branch, "Only artifacts of this branch")->type_name("BRANCH");
  list->add_option("--since", lf->since, "Only artifacts created within this age (30m, 12h, 7d, 2w)")
      ->type_name("AGE");
  list->add_option("--key-prefix", lf->key_prefix, "Only keys starting with this")->type_name("PREFIX");
  commands.push_back({"artifacts list", list, [lf](Context& ctx) { return run_list(ctx, *lf); }});

  auto gf = std::make_shared<KeyFlags>();
  CLI::App* get = group->add_subcommand("get", "Fetch an artifact's files, every sha256 verified");
  get->add_option("key", gf->key, "Artifact key")->required();
  get->add_option("--output,-o", gf->output, "Directory to write the files to (must not exist or be empty)")
      ->type_name("DIR")
      ->required();
  commands.push_back({"artifacts get", get, [gf](Context& ctx) { return run_get(ctx, *gf); }});

  auto df = std::make_shared<KeyFlags>();
  CLI::App* del = group->add_subcommand("delete", "Delete an artifact (its manifest first)");
  del->add_option("key", df->key, "Artifact key")->required();
  commands.push_back({"artifacts delete", del, [df](Context& ctx) { return run_delete(ctx, *df); }});

  CLI::App* sync =
      group->add_subcommand("sync", "Rebuild the state DB's artifact index from the store's manifests");
  commands.push_back({"artifacts sync", sync, run_sync});

  auto dry_run = std::make_shared<bool>(false);
  CLI::App* prune =
      group->add_subcommand("prune", "Remove artifacts past their retention (storage.json retention)");
  prune->add_flag("--dry-run", *dry_run, "Print what would be removed and why; remove nothing");
  commands.push_back(
      {"artifacts prune", prune, [dry_run](Context& ctx) { return run_prune(ctx, *dry_run); }});

  CLI::App* lifecycle = group->add_subcommand(
      "lifecycle", "Print the S3 lifecycle configuration that enforces the retention days in the bucket");
  commands.push_back({"artifacts lifecycle", lifecycle, run_lifecycle});
}

}  // namespace aqe::cli
