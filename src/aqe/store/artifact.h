// Artifacts: a set of files stored under one key through a Backend, with a manifest written
// last. Layout, under the configured prefix:
//
//   <prefix>/<retention class>/<branch, %-encoded>/<key>/manifest.json
//   <prefix>/<retention class>/<branch, %-encoded>/<key>/<upload id>/<file name>[.zst|.gz]
//
// An artifact exists only once its manifest does, so an interrupted or failed upload never
// shows up as a broken artifact. Each store writes its files under a fresh upload id, so a
// replaced artifact's old files are never mixed with the new manifest. fetch_artifact() checks
// every file's size and sha256 and fails naming the corrupted object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/store/store.h"

namespace aqe::store {

enum class Compression { kZstd, kGzip, kNone };

std::string_view to_string(Compression compression);
std::optional<Compression> compression_from_string(std::string_view name);

struct ArtifactFile {
  std::filesystem::path path;  // the local file
  std::string name;            // its name in the artifact: a relative path ("reports/junit.xml")
};

struct ArtifactSpec {
  std::string prefix;                       // "" or a key prefix such as "ci/aqe"
  std::string key;                          // one path segment of [A-Za-z0-9._-], e.g. "build-1a2b3c"
  std::string retention_class = "default";  // [a-z0-9_-], e.g. "main", "feature", "release"
  std::string branch;                       // any branch name; '/' and others are %-encoded
  std::string commit;
  nlohmann::json metadata = nlohmann::json::object();
  std::vector<ArtifactFile> files;
  Compression compression = Compression::kZstd;
  int level = 3;  // zstd 0..19 (0 = libzstd's default), gzip 0..9 (0 = stored uncompressed)
};

struct ManifestFile {
  std::string name;
  uint64_t size = 0;   // the file's size
  std::string sha256;  // of the file's bytes (before compression), lowercase hex
  std::string object;  // the stored object's key, relative to the artifact's directory
  uint64_t stored_size = 0;
};

struct Manifest {
  std::string key;
  std::string retention_class;
  std::string branch;
  std::string commit;
  std::string created_at;  // ISO 8601 UTC
  nlohmann::json metadata = nlohmann::json::object();
  Compression compression = Compression::kZstd;
  int level = 0;
  std::vector<ManifestFile> files;
};

nlohmann::json manifest_to_json(const Manifest& manifest);
// Reads a manifest from the store (untrusted input): every name and object key is checked.
StoreResult<Manifest> manifest_from_json(const nlohmann::json& doc, std::string_view where);

// Where an artifact lives; what a listing returns without reading any manifest.
struct ArtifactRef {
  std::string retention_class;
  std::string branch;  // decoded
  std::string key;
  std::string dir;  // the object key of its directory, e.g. "ci/default/main/build-1"
  std::string manifest_key() const { return dir + "/manifest.json"; }
};

// An artifact key is one path segment: 1-200 of [A-Za-z0-9._-], not "." or "..".
StoreStatus validate_artifact_key(std::string_view key);

// Stores the files and then the manifest. An artifact already under `spec.key` (in any class
// or branch) fails kExists unless `overwrite`, which replaces it and then removes its old
// objects. On failure, the objects uploaded so far are removed (best effort) and no manifest
// exists.
StoreResult<Manifest> store_artifact(Backend& backend, const ArtifactSpec& spec, bool overwrite);

// Artifacts under `prefix` that have a manifest, sorted by directory.
StoreResult<std::vector<ArtifactRef>> list_artifacts(Backend& backend, std::string_view prefix);

// The artifact named `key` under `prefix`; kNotFound when there is none.
StoreResult<ArtifactRef> find_artifact(Backend& backend, std::string_view prefix, std::string_view key);

StoreResult<Manifest> read_manifest(Backend& backend, const ArtifactRef& ref);

// Downloads the artifact's files into `dest_dir` (which must not exist or be empty), verifying
// every size and sha256. They are written to a temp directory beside it, renamed into place
// only when all are verified: on failure nothing is left in `dest_dir`.
StoreResult<Manifest> fetch_artifact(Backend& backend, std::string_view prefix, std::string_view key,
                                     const std::filesystem::path& dest_dir);

// Removes the artifact: its manifest first (from then on it does not exist), then its objects.
// A failure after the manifest is gone leaves only objects no manifest points to.
StoreStatus remove_artifact(Backend& backend, const ArtifactRef& ref);

}  // namespace aqe::store
