#include "aqe/cli/artifacts_upload.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <utility>

#include "aqe/util/fs.h"
#include "aqe/util/strings.h"
#include "aqe/util/time.h"

namespace aqe::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool is_var_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_var_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// $VAR and ${VAR}; a '$' that starts neither is kept as it is.
std::string expand_vars(const std::string& s, const std::map<std::string, std::string>& env) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    size_t name_start = i + 1;
    const bool braced = s[name_start] == '{';
    if (braced) ++name_start;
    size_t end = name_start;
    if (end < s.size() && is_var_start(s[end])) {
      ++end;
      while (end < s.size() && is_var_char(s[end])) ++end;
    }
    if (end == name_start || (braced && (end >= s.size() || s[end] != '}'))) {
      out += s[i++];
      continue;
    }
    auto it = env.find(s.substr(name_start, end - name_start));
    if (it != env.end()) out += it->second;
    i = braced ? end + 1 : end;
  }
  return out;
}

void expand_in(json& j, const std::map<std::string, std::string>& env) {
  if (j.is_string()) {
    j = expand_vars(j.get<std::string>(), env);
  } else if (j.is_object() || j.is_array()) {
    for (auto& v : j) expand_in(v, env);
  }
}

std::string short_commit(const std::string& commit) { return commit.substr(0, 12); }

// <command>-<run id>[-<short commit>]; without a run id (no DB), the time and pid instead.
std::string default_key(const std::string& command, int64_t run_id, const std::string& commit) {
  std::string key = command;
  for (char& c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '-';
  if (run_id > 0) {
    key += "-" + std::to_string(run_id);
  } else {
    key += "-" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()) +
           "-" + std::to_string(::getpid());
  }
  const std::string sc = short_commit(commit);
  bool hex = !sc.empty();
  for (char c : sc) hex = hex && std::isxdigit(static_cast<unsigned char>(c));
  if (hex) key += "-" + sc;
  return key;
}

json run_record_json(state::Db* db, int64_t run_id) {
  if (!db || run_id <= 0) return nullptr;
  auto rec = db->run(run_id);
  if (!rec || !*rec) return nullptr;
  const state::RunRecord& r = **rec;
  return json{{"id", r.id},
              {"command", r.command},
              {"branch", r.branch},
              {"commit", r.commit},
              {"started_at", r.started_at},
              {"finished_at", r.finished_at},
              {"status", state::run_status_name(r.status)},
              {"exit_code", r.exit_code},
              {"args", r.args},
              {"summary", r.summary ? state::summary_document(*r.summary) : json(nullptr)}};
}

std::string string_field(const json& metadata, const char* name, const std::string& fallback) {
  auto it = metadata.find(name);
  if (it != metadata.end() && it->is_string() && !it->get<std::string>().empty())
    return it->get<std::string>();
  return fallback;
}

void store_failed(CommandOutcome& outcome, const store::StoreFailure& failure, bool required) {
  Error e = store::to_error(failure);
  e.message = "artifacts not stored: " + e.message;
  if (failure.kind == store::FailureKind::kTransient) {
    e.hint += "; the command's results are unaffected. storage.required: false makes this a warning";
    if (!required) {
      outcome.warnings.push_back(e.message);
      return;
    }
  }
  if (outcome.exit_code == ExitCode::kSuccess) outcome.exit_code = e.exit_code;
  outcome.errors.push_back(std::move(e));
}

// `from`'s bytes after `offset` (all of them when it has shrunk since) into `to`, streamed.
Status copy_tail(const fs::path& from, uint64_t offset, const fs::path& to) {
  std::ifstream in(from, std::ios::binary);
  std::error_code ec;
  const uint64_t size = fs::file_size(from, ec);
  if (!in || ec) return make_error("IO", "QE_LOG_FILE: cannot read " + printable(from.string()), "");
  if (offset > size) offset = 0;
  in.seekg(static_cast<std::streamoff>(offset));
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  // operator<< of an empty streambuf sets failbit: nothing new in the log is an empty file.
  if (offset < size) out << in.rdbuf();
  out.flush();
  if (!out) return make_error("IO", "cannot write " + printable(to.string()), "");
  return ok_status();
}

// The files of the artifact, written to `scratch` where they are not files already: the run
// record (run.json, when there is one), what the command produced, and this command's part of
// QE_LOG_FILE (aqe.log).
Result<std::vector<store::ArtifactFile>> stage_files(const Context& ctx, const CommandOutcome& outcome,
                                                     const json& record, const fs::path& scratch) {
  std::vector<store::ArtifactFile> files;
  if (!record.is_null()) {
    const fs::path run_file = scratch / "run.json";
    if (auto w = write_file_atomic(run_file, record.dump(2) + "\n"); !w) return w.error();
    files.push_back({run_file, "run.json"});
  }
  int n = 0;
  for (const auto& p : outcome.produced) {
    if (!p.path.empty()) {
      std::error_code ec;
      if (fs::is_regular_file(p.path, ec)) files.push_back({p.path, p.name});
      continue;
    }
    const fs::path file = scratch / ("produced-" + std::to_string(n++));
    if (auto w = write_file_atomic(file, p.content); !w) return w.error();
    files.push_back({file, p.name});
  }
  const std::string log = ctx.env_or("QE_LOG_FILE");
  std::error_code ec;
  if (!log.empty() && fs::is_regular_file(log, ec)) {
    const fs::path file = scratch / "aqe.log";
    if (auto copied = copy_tail(log, ctx.log_offset, file); !copied) return copied.error();
    files.push_back({file, "aqe.log"});
  }
  return files;
}

}  // namespace

void add_store_flags(CLI::App* sub, StoreFlags& flags) {
  sub->add_flag("--store-artifacts", flags.store,
                "Store what the command produced as an artifact (config/storage.json)");
  sub->add_option("--artifact-key", flags.key,
                  "Key of the stored artifact (default <command>-<run id>-<short commit>)")
      ->type_name("KEY");
  sub->add_option("--metadata", flags.metadata,
                  "JSON object stored with the artifact; $VAR/${VAR} in its strings are expanded")
      ->type_name("JSON");
  sub->add_flag("--overwrite", flags.overwrite, "Replace an artifact stored under the same key");
}

Result<json> parse_metadata(const std::string& text, const std::map<std::string, std::string>& env) {
  if (trim(text).empty()) return json::object();
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    const LineCol at = line_col(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    // nlohmann's text after its "[json.exception.parse_error.101] parse error at ...: " prefix.
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    return make_error("USAGE",
                      "--metadata: invalid JSON at line " + std::to_string(at.line) + ", column " +
                          std::to_string(at.column) + " (byte " + std::to_string(e.byte) +
                          "): " + printable(what),
                      R"(give a JSON object, e.g. --metadata '{"branch": "$CI_BRANCH"}')");
  }
  if (!doc.is_object()) {
    return make_error("USAGE", "--metadata: expected a JSON object, got " + std::string(doc.type_name()),
                      R"(e.g. --metadata '{"branch": "main"}')");
  }
  expand_in(doc, env);
  return doc;
}

std::optional<Error> check_store_flags(const StoreFlags& flags,
                                       const std::map<std::string, std::string>& env) {
  if (!flags.store) {
    if (!flags.key.empty() || !flags.metadata.empty() || flags.overwrite) {
      return make_error("USAGE", "--artifact-key, --metadata and --overwrite need --store-artifacts",
                        "add --store-artifacts");
    }
    return std::nullopt;
  }
  if (!flags.key.empty()) {
    if (auto v = store::validate_artifact_key(flags.key); !v) {
      return make_error("USAGE", "--artifact-key: " + printable(v.failure().message),
                        "e.g. --artifact-key build-$CI_COMMIT_SHA");
    }
  }
  if (auto m = parse_metadata(flags.metadata, env); !m) return m.error();
  return std::nullopt;
}

Result<ArtifactStore> open_artifact_store(Context& ctx) {
  auto cfg = ctx.config();
  if (!cfg) return cfg.error();
  const config::Config& c = **cfg;
  ArtifactStore st;
  st.required = c.get(config::kStorageRequired);
  const std::string algorithm = c.get(config::kStorageCompressionAlgorithm);
  st.compression = store::compression_from_string(algorithm).value_or(store::Compression::kZstd);
  const int64_t level = c.get(config::kStorageCompressionLevel);
  const int64_t max_level = st.compression == store::Compression::kGzip ? 9 : 19;
  if (st.compression != store::Compression::kNone && level > max_level) {
    return make_error("CONFIG_INVALID",
                      c.origin(config::kStorageCompressionLevel) + ": storage.compression.level " +
                          std::to_string(level) + " is out of range for " + algorithm + " (0.." +
                          std::to_string(max_level) + ")",
                      "set a level within the range");
  }
  st.level = static_cast<int>(level);
  st.retention.default_days = c.get(config::kStorageRetentionDefaultDays);
  st.retention.feature_days = c.get(config::kStorageRetentionFeatureBranches);
  st.retention.main_days = c.get(config::kStorageRetentionMainBranch);
  st.retention.release_days = c.get(config::kStorageRetentionReleaseTags);
  st.retention.security_days = c.get(config::kStorageRetentionSecurityFindings);
  st.retention.keep_latest_n = c.get(config::kStorageRetentionKeepLatestN);
  const std::string backend = c.get(config::kStorageBackend);
  if (backend == "s3") {
    store::S3Options o;
    o.bucket = c.get(config::kStorageS3Bucket);
    if (o.bucket.empty()) {
      return make_error("CONFIG_INVALID", "storage.s3.bucket is not set, and storage.backend is s3",
                        "set s3.bucket in config/storage.json");
    }
    o.region = c.get(config::kStorageS3Region);
    o.endpoint_url = c.get(config::kStorageS3EndpointUrl);
    o.force_path_style = c.get(config::kStorageS3ForcePathStyle);
    auto creds = store::s3_credentials_from_env([&ctx](const char* name) -> const char* {
      auto it = ctx.env.find(name);
      return it == ctx.env.end() ? nullptr : it->second.c_str();
    });
    if (!creds) return store::to_error(creds.failure());
    o.credentials = std::move(*creds);
    st.prefix = c.get(config::kStorageS3Prefix);
    while (!st.prefix.empty() && st.prefix.back() == '/') st.prefix.pop_back();
    st.backend = store::make_s3_backend(std::move(o));
  } else {
    fs::path root = c.get(config::kStorageLocalPath);
    if (root.is_relative()) root = ctx.project_dir / root;
    st.backend = store::make_local_backend(root.lexically_normal());
  }
  return st;
}

json artifact_json(const store::Manifest& m) {
  json files = json::array();
  uint64_t size = 0;
  for (const auto& f : m.files) {
    files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", f.sha256}});
    size += f.size;
  }
  return json{{"key", m.key},
              {"branch", m.branch},
              {"commit", m.commit},
              {"class", m.retention_class},
              {"created_at", m.created_at},
              {"size_bytes", size},
              {"files", files},
              {"metadata", m.metadata}};
}

state::ArtifactRow artifact_row(const store::Manifest& m, const std::string& backend) {
  state::ArtifactRow row;
  row.key = m.key;
  row.backend = backend;
  row.location = m.retention_class + "/" + m.branch + "/" + m.key;
  row.branch = m.branch;
  row.kind = m.retention_class;
  row.created_at = m.created_at;
  row.metadata_json = m.metadata.dump();
  for (const auto& f : m.files) row.size_bytes += static_cast<int64_t>(f.size);
  return row;
}

void store_command_artifacts(Context& ctx, CommandOutcome& outcome, const StoreFlags& flags, state::Db* db,
                             int64_t run_id, const ci::CiFacts& facts) {
  const bool has_data = outcome.data.is_object();
  if (has_data) outcome.data["artifact_key"] = nullptr;
  if (!flags.store) return;
  auto metadata = parse_metadata(flags.metadata, ctx.env);  // checked before the run
  if (!metadata) {
    outcome.errors.push_back(metadata.error());
    return;
  }
  auto st = open_artifact_store(ctx);
  if (!st) {
    Error e = st.error();
    e.message = "artifacts not stored: " + e.message;
    if (outcome.exit_code == ExitCode::kSuccess) outcome.exit_code = e.exit_code;
    outcome.errors.push_back(std::move(e));
    return;
  }

  store::ArtifactSpec spec;
  spec.prefix = st->prefix;
  // "unknown" rather than a guess when neither --metadata nor the CI or git names a branch.
  spec.branch = string_field(*metadata, "branch", facts.branch.empty() ? "unknown" : facts.branch);
  spec.commit = string_field(*metadata, "commit", facts.commit);
  store::ClassInputs class_of;
  class_of.branch = spec.branch;
  class_of.release_tag = ctx.env_or("GITHUB_REF_TYPE") == "tag" || !ctx.env_or("CI_COMMIT_TAG").empty();
  class_of.command = outcome.command;
  spec.retention_class = store::retention_class(class_of);
  spec.key = flags.key.empty() ? default_key(outcome.command, run_id, spec.commit) : flags.key;
  if (!metadata->contains("branch") && !facts.branch.empty()) (*metadata)["branch"] = facts.branch;
  if (!metadata->contains("commit") && !facts.commit.empty()) (*metadata)["commit"] = facts.commit;
  if (!metadata->contains("pull_request") && !facts.pull_request.empty())
    (*metadata)["pull_request"] = facts.pull_request;
  if (!metadata->contains("pipeline_id") && !facts.pipeline_id.empty())
    (*metadata)["pipeline_id"] = facts.pipeline_id;
  (*metadata)["command"] = outcome.command;
  if (run_id > 0) (*metadata)["run_id"] = run_id;
  spec.metadata = *metadata;
  spec.compression = st->compression;
  spec.level = st->level;

  json record = run_record_json(db, run_id);
  if (record.is_null() && outcome.produced.empty()) {
    if (outcome.exit_code != ExitCode::kSuccess) {
      outcome.warnings.push_back("artifacts not stored: " + outcome.command + " produced nothing to store");
      return;
    }
    record = json{{"command", outcome.command}, {"exit_code", to_int(outcome.exit_code)}};
  }
  auto scratch = make_temp_dir("aqe-store-artifacts");
  if (!scratch) {
    store_failed(outcome, {store::FailureKind::kPermanent, scratch.error().message}, st->required);
    return;
  }
  auto staged = stage_files(ctx, outcome, record, *scratch);
  if (!staged) {
    store_failed(outcome, {store::FailureKind::kPermanent, staged.error().message}, st->required);
    std::error_code ec;
    fs::remove_all(*scratch, ec);
    return;
  }
  spec.files = std::move(*staged);

  auto stored = store::store_artifact(*st->backend, spec, flags.overwrite);
  std::error_code ec;
  fs::remove_all(*scratch, ec);
  if (!stored) {
    store_failed(outcome, stored.failure(), st->required);
    return;
  }
  if (has_data) outcome.data["artifact_key"] = stored->key;
  uint64_t size = 0;
  for (const auto& f : stored->files) size += f.size;
  if (!outcome.text.empty() && outcome.text.back() != '\n') outcome.text += "\n";
  outcome.text += "Artifact stored: " + printable(stored->key) + " (" + std::to_string(stored->files.size()) +
                  " files, " + std::to_string(size) + " bytes) in " + printable(st->backend->name()) + "\n";
  if (!db) {
    outcome.warnings.push_back("artifact '" + stored->key +
                               "' stored but not indexed: the state DB is unavailable");
    return;
  }
  if (auto put = db->put_artifact(artifact_row(*stored, st->backend->name())); !put) {
    outcome.warnings.push_back("artifact '" + stored->key +
                               "' stored but not indexed: " + put.error().message);
  }
}

}  // namespace aqe::cli
