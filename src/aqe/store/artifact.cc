#include "aqe/store/artifact.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <system_error>
#include <thread>

#include "aqe/store/codec.h"
#include "aqe/util/fs.h"
#include "aqe/util/time.h"

namespace aqe::store {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kManifestVersion = 1;
constexpr std::string_view kManifestName = "manifest.json";

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

StoreStatus check_segment(std::string_view value, std::string_view what, bool lowercase_only) {
  const bool fine =
      !value.empty() && value.size() <= 200 && value != "." && value != ".." &&
      std::all_of(value.begin(), value.end(), [&](char c) {
        return is_key_char(c) && (!lowercase_only || !std::isupper(static_cast<unsigned char>(c)));
      });
  if (fine) return stored();
  return store_failure(FailureKind::kPermanent, "invalid artifact " + std::string(what) + " '" +
                                                    std::string(value) + "': use 1-200 of " +
                                                    (lowercase_only ? "[a-z0-9._-]" : "[A-Za-z0-9._-]"));
}

// Branch names hold '/' and more: one key segment, %-encoded outside [A-Za-z0-9._-].
std::string encode_branch(std::string_view branch) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : branch) {
    const auto u = static_cast<unsigned char>(c);
    if (is_key_char(c) && !(out.empty() && c == '.')) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

std::optional<std::string> decode_branch(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const std::string hex(s.substr(i + 1, 2));
    if (!std::isxdigit(static_cast<unsigned char>(hex[0])) ||
        !std::isxdigit(static_cast<unsigned char>(hex[1]))) {
      return std::nullopt;
    }
    out += static_cast<char>(std::stoi(hex, nullptr, 16));
    i += 2;
  }
  return out;
}

std::string join_key(std::string_view prefix, std::string_view rest) {
  std::string p(prefix);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p.empty() ? std::string(rest) : p + "/" + std::string(rest);
}

std::string artifact_dir(const ArtifactSpec& spec) {
  return join_key(spec.prefix, spec.retention_class + "/" + encode_branch(spec.branch) + "/" + spec.key);
}

// Sortable by time, unique across concurrent stores: "20261202T002500Z-3f9a0c1e".
std::string new_upload_id() {
  std::string t = iso8601_now();
  std::erase_if(t, [](char c) { return c == '-' || c == ':'; });
  thread_local std::mt19937_64 engine{std::random_device{}()};
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(engine()));
  return t + "-" + hex;
}

std::string object_suffix(Compression c) {
  if (c == Compression::kZstd) return ".zst";
  if (c == Compression::kGzip) return ".gz";
  return "";
}

StoreStatus validate_spec(const ArtifactSpec& spec) {
  if (auto s = check_segment(spec.key, "key", false); !s) return s;
  if (auto s = check_segment(spec.retention_class, "retention class", true); !s) return s;
  if (spec.branch.empty())
    return store_failure(FailureKind::kPermanent, "artifact " + spec.key + ": no branch given");
  if (!spec.prefix.empty()) {
    if (auto s = validate_key(spec.prefix); !s) return s;
  }
  if (spec.files.empty())
    return store_failure(FailureKind::kPermanent, "artifact " + spec.key + ": no files");
  // zstd's level 0 is its default level; zlib's level 0 stores without compressing.
  const int hi = spec.compression == Compression::kZstd ? 19 : 9;
  if (spec.compression != Compression::kNone && (spec.level < 0 || spec.level > hi)) {
    return store_failure(FailureKind::kPermanent, "compression level " + std::to_string(spec.level) +
                                                      " is out of 0.." + std::to_string(hi) + " for " +
                                                      std::string(to_string(spec.compression)));
  }
  std::set<std::string> names;
  for (const auto& f : spec.files) {
    if (auto s = validate_key(f.name); !s) return s;
    if (f.name == kManifestName || f.name.starts_with(".aqe-")) {
      return store_failure(FailureKind::kPermanent, "artifact file name '" + f.name + "' is reserved");
    }
    if (!names.insert(f.name).second) {
      return store_failure(FailureKind::kPermanent, "artifact file name '" + f.name + "' given twice");
    }
  }
  return stored();
}

// A temp directory removed with its contents when it goes out of scope.
class ScratchDir {
 public:
  explicit ScratchDir(fs::path p) : path_(std::move(p)) {}
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

StoreResult<fs::path> scratch_dir(const fs::path& where, std::string_view prefix) {
  std::string tmpl = (where / (std::string(prefix) + "XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) {
    return store_failure(FailureKind::kPermanent,
                         "cannot create a temp directory in " + where.string() + ": " + std::strerror(errno));
  }
  return fs::path(tmpl);
}

StoreResult<fs::path> system_scratch() {
  auto d = make_temp_dir("aqe-artifact");
  if (!d) return store_failure(FailureKind::kPermanent, d.error().message);
  return *d;
}

// Far above any real manifest (one of 10,000 files is about 3 MB).
constexpr size_t kMaxManifestBytes = 64ULL << 20;

// Collects a small object in memory, refusing one larger than `limit`.
class TextSink final : public ObjectSink {
 public:
  explicit TextSink(size_t limit) : limit_(limit) {}
  bool begin() override {
    text.clear();
    return true;
  }
  bool write(const char* data, size_t len) override {
    too_large = text.size() + len > limit_;
    if (!too_large) text.append(data, len);
    return !too_large;
  }
  std::string text;
  bool too_large = false;

 private:
  size_t limit_;
};

// Best effort: a failed store leaves at most objects no manifest points to.
void remove_objects(Backend& backend, const std::vector<std::string>& keys) {
  for (const auto& k : keys) backend.remove(k);
}

// Removes what a replaced artifact left: every object under `old_dir` except the new manifest
// and the new upload's objects.
void remove_replaced(Backend& backend, const std::string& old_dir, const std::string& keep_manifest,
                     const std::string& keep_prefix) {
  auto objects = backend.list(old_dir + "/");
  if (!objects) return;
  for (const auto& o : *objects) {
    if (o.key == keep_manifest || o.key.starts_with(keep_prefix)) continue;
    backend.remove(o.key);
  }
}

// The directory of another artifact named `key` than the one in `own_dir`, if any. A listing
// that fails finds none: the store that just wrote its manifest stands.
std::optional<std::string> rival_manifest(Backend& backend, std::string_view prefix, std::string_view key,
                                          const std::string& own_dir) {
  auto refs = list_artifacts(backend, prefix);
  if (!refs) return std::nullopt;
  for (const auto& r : *refs) {
    if (r.key == key && r.dir != own_dir) return r.dir;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Compression compression) {
  switch (compression) {
    case Compression::kZstd:
      return "zstd";
    case Compression::kGzip:
      return "gzip";
    case Compression::kNone:
      return "none";
  }
  return "none";
}

std::optional<Compression> compression_from_string(std::string_view name) {
  if (name == "zstd") return Compression::kZstd;
  if (name == "gzip") return Compression::kGzip;
  if (name == "none") return Compression::kNone;
  return std::nullopt;
}

json manifest_to_json(const Manifest& m) {
  json files = json::array();
  for (const auto& f : m.files) {
    files.push_back({{"name", f.name},
                     {"size", f.size},
                     {"sha256", f.sha256},
                     {"object", f.object},
                     {"stored_size", f.stored_size}});
  }
  return {{"format", "aqe-artifact"},
          {"version", kManifestVersion},
          {"key", m.key},
          {"class", m.retention_class},
          {"branch", m.branch},
          {"commit", m.commit},
          {"created_at", m.created_at},
          {"metadata", m.metadata},
          {"compression", {{"algorithm", to_string(m.compression)}, {"level", m.level}}},
          {"files", files}};
}

StoreResult<Manifest> manifest_from_json(const json& doc, std::string_view where) {
  auto bad = [&](const std::string& why) {
    return store_failure(FailureKind::kCorrupt,
                         std::string(where) + ": not a valid artifact manifest: " + why);
  };
  try {
    if (!doc.is_object() || doc.value("format", "") != "aqe-artifact")
      return bad("format is not aqe-artifact");
    if (doc.at("version").get<int>() != kManifestVersion) {
      return bad("version " + doc.at("version").dump() + " is not " + std::to_string(kManifestVersion));
    }
    Manifest m;
    m.key = doc.at("key").get<std::string>();
    m.retention_class = doc.at("class").get<std::string>();
    m.branch = doc.at("branch").get<std::string>();
    m.commit = doc.at("commit").get<std::string>();
    m.created_at = doc.at("created_at").get<std::string>();
    m.metadata = doc.at("metadata");
    const auto c = compression_from_string(doc.at("compression").at("algorithm").get<std::string>());
    if (!c) return bad("unknown compression");
    m.compression = *c;
    m.level = doc.at("compression").at("level").get<int>();
    for (const auto& f : doc.at("files")) {
      ManifestFile file;
      file.name = f.at("name").get<std::string>();
      file.size = f.at("size").get<uint64_t>();
      file.sha256 = f.at("sha256").get<std::string>();
      file.object = f.at("object").get<std::string>();
      file.stored_size = f.at("stored_size").get<uint64_t>();
      // These become paths on the reader's disk and keys in the store: checked like keys.
      // ".aqe-" names are fetch_artifact's own scratch files.
      if (!validate_key(file.name) || !validate_key(file.object) || file.name.starts_with(".aqe-")) {
        return bad("unsafe file name " + file.name);
      }
      const bool hex =
          file.sha256.size() == 64 && std::all_of(file.sha256.begin(), file.sha256.end(), [](char ch) {
            return std::isdigit(static_cast<unsigned char>(ch)) || (ch >= 'a' && ch <= 'f');
          });
      if (!hex) return bad("sha256 of " + file.name + " is not 64 hex digits");
      m.files.push_back(std::move(file));
    }
    return m;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

StoreResult<std::vector<ArtifactRef>> list_artifacts(Backend& backend, std::string_view prefix) {
  std::string p(prefix);
  while (!p.empty() && p.back() == '/') p.pop_back();
  auto objects = backend.list(p.empty() ? "" : p + "/");
  if (!objects) return objects.failure();
  std::vector<ArtifactRef> refs;
  const size_t skip = p.empty() ? 0 : p.size() + 1;
  for (const auto& o : *objects) {
    // <class>/<branch>/<key>/manifest.json under the prefix, exactly.
    const std::string_view rest = std::string_view(o.key).substr(skip);
    std::vector<std::string_view> parts;
    for (size_t start = 0;;) {
      const size_t slash = rest.find('/', start);
      parts.push_back(rest.substr(start, slash == std::string_view::npos ? rest.npos : slash - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    if (parts.size() != 4 || parts[3] != kManifestName) continue;
    const auto branch = decode_branch(parts[1]);
    if (!branch) continue;
    refs.push_back(ArtifactRef{std::string(parts[0]), *branch, std::string(parts[2]),
                               o.key.substr(0, o.key.size() - kManifestName.size() - 1)});
  }
  return refs;
}

StoreResult<ArtifactRef> find_artifact(Backend& backend, std::string_view prefix, std::string_view key) {
  auto refs = list_artifacts(backend, prefix);
  if (!refs) return refs.failure();
  // Keys are unique across classes and branches (store_artifact checks), so the first is the one.
  for (const auto& r : *refs) {
    if (r.key == key) return r;
  }
  return store_failure(FailureKind::kNotFound, backend.name() + ": no artifact '" + std::string(key) +
                                                   "' under '" + std::string(prefix) + "'");
}

StoreResult<Manifest> read_manifest(Backend& backend, const ArtifactRef& ref) {
  // Read into memory, not through a temp file and its fsync.
  TextSink text(kMaxManifestBytes);
  auto g = backend.get_into(ref.manifest_key(), text);
  const std::string where = backend.name() + "/" + ref.manifest_key();
  if (text.too_large) {
    return store_failure(FailureKind::kCorrupt, where + ": larger than " + std::to_string(kMaxManifestBytes) +
                                                    " bytes, not a manifest");
  }
  if (!g) return g.failure();
  const json doc = json::parse(text.text, nullptr, false);
  if (doc.is_discarded()) return store_failure(FailureKind::kCorrupt, where + ": not valid JSON");
  return manifest_from_json(doc, where);
}

StoreResult<Manifest> store_artifact(Backend& backend, const ArtifactSpec& spec, bool overwrite) {
  if (auto v = validate_spec(spec); !v) return v.failure();
  std::optional<ArtifactRef> previous;
  if (auto found = find_artifact(backend, spec.prefix, spec.key)) {
    if (!overwrite) {
      return store_failure(FailureKind::kExists, backend.name() + ": artifact '" + spec.key +
                                                     "' already exists (" + found->dir + ")");
    }
    previous = *found;
  } else if (found.failure().kind != FailureKind::kNotFound) {
    return found.failure();
  }

  auto dir = system_scratch();
  if (!dir) return dir.failure();
  const ScratchDir scratch(*dir);
  Manifest m;
  m.key = spec.key;
  m.retention_class = spec.retention_class;
  m.branch = spec.branch;
  m.commit = spec.commit;
  m.created_at = iso8601_now();
  m.metadata = spec.metadata;
  m.compression = spec.compression;
  m.level = spec.compression == Compression::kNone ? 0 : spec.level;
  const std::string base = artifact_dir(spec);
  const std::string upload_id = new_upload_id();
  std::vector<std::string> uploaded;

  int n = 0;
  for (const auto& f : spec.files) {
    const fs::path staged = scratch.path() / std::to_string(n++);
    const std::string object = upload_id + "/" + f.name + object_suffix(spec.compression);
    const std::string object_key = base + "/" + object;
    StoreResult<FileDigest> d = store_failure(FailureKind::kPermanent, "not hashed");
    StoreStatus put = stored();
    if (spec.compression == Compression::kNone) {
      // The file goes up as it is, so it is hashed while it uploads instead of in a pass before:
      // only the manifest, written last, needs the hash.
      std::thread hasher([&] { d = compress_file(f.path, staged, Compression::kNone, 0); });
      put = backend.put(object_key, f.path);
      hasher.join();
    } else {
      d = compress_file(f.path, staged, spec.compression, spec.level);
      if (!d) {
        remove_objects(backend, uploaded);
        return d.failure();
      }
      put = backend.put(object_key, staged);
      std::error_code ec;
      fs::remove(staged, ec);
    }
    if (!put) {
      remove_objects(backend, uploaded);
      return put.failure();
    }
    uploaded.push_back(object_key);
    if (!d) {
      remove_objects(backend, uploaded);
      return d.failure();
    }
    m.files.push_back(ManifestFile{f.name, d->size, d->sha256, object, d->stored_size});
  }

  const fs::path manifest_file = scratch.path() / "manifest.json";
  if (auto w = write_file_atomic(manifest_file, manifest_to_json(m).dump(2) + "\n"); !w) {
    remove_objects(backend, uploaded);
    return store_failure(FailureKind::kPermanent, w.error().message);
  }
  const std::string manifest_key = base + "/" + std::string(kManifestName);
  // Written last: until it exists, the artifact does not. Without overwrite, a store racing
  // this one for the same key loses here where the backend can check atomically.
  auto put = backend.put(manifest_key, manifest_file, overwrite ? PutMode::kReplace : PutMode::kIfAbsent);
  if (!put) {
    remove_objects(backend, uploaded);
    if (put.failure().kind == FailureKind::kExists) {
      return store_failure(FailureKind::kExists,
                           backend.name() + ": artifact '" + spec.key + "' already exists (" + base + ")");
    }
    return put.failure();
  }
  if (previous) {
    remove_replaced(backend, previous->dir, manifest_key, base + "/" + upload_id + "/");
    return m;
  }
  // The conditional put is atomic only for this manifest's own key, <class>/<branch>/<key>: a
  // store of the same key on another branch or class is not stopped by it. So look again: a
  // store that finds another manifest of its key after writing its own backs out. Of two racing
  // stores at most one succeeds (both back out when each sees the other's manifest).
  if (auto rival = rival_manifest(backend, spec.prefix, spec.key, base)) {
    backend.remove(manifest_key);
    remove_objects(backend, uploaded);
    return store_failure(FailureKind::kExists, backend.name() + ": artifact '" + spec.key +
                                                   "' already exists (" + *rival +
                                                   "): stored at the same time as this one");
  }
  return m;
}

StoreResult<Manifest> fetch_artifact(Backend& backend, std::string_view prefix, std::string_view key,
                                     const fs::path& dest_dir) {
  auto ref = find_artifact(backend, prefix, key);
  if (!ref) return ref.failure();
  auto manifest = read_manifest(backend, *ref);
  if (!manifest) return manifest.failure();

  std::error_code ec;
  if (fs::exists(dest_dir, ec) && !(fs::is_directory(dest_dir, ec) && fs::is_empty(dest_dir, ec))) {
    return store_failure(FailureKind::kExists, dest_dir.string() + " exists and is not an empty directory");
  }
  const fs::path parent = dest_dir.parent_path().empty() ? fs::path(".") : dest_dir.parent_path();
  fs::create_directories(parent, ec);
  auto tmp = scratch_dir(parent, ".aqe-tmp-" + dest_dir.filename().string() + "-");
  if (!tmp) return tmp.failure();
  ScratchDir staging(*tmp);

  // Each object is read once: decompressed, hashed and written to its place in the staging
  // directory as it arrives; nothing is renamed into dest_dir before every file is checked.
  for (const auto& f : manifest->files) {
    const std::string object_key = ref->dir + "/" + f.object;
    const fs::path out = staging.path() / f.name;
    fs::create_directories(out.parent_path(), ec);
    auto corrupt = [&](const std::string& why) {
      return store_failure(FailureKind::kCorrupt, backend.name() + "/" + object_key + " (" + f.name +
                                                      " of artifact " + ref->key + ") is corrupted: " + why);
    };
    DecodingWriter writer(out, manifest->compression, f.size, f.stored_size);
    auto g = backend.get_into(object_key, writer);
    // The writer's reason first: a read it stopped fails for that reason.
    if (const auto& stop = writer.failure()) {
      return stop->kind == FailureKind::kCorrupt ? corrupt(stop->message) : *stop;
    }
    if (!g) return g.failure();
    auto d = writer.finish();
    if (!d && d.failure().kind == FailureKind::kCorrupt) return corrupt(d.failure().message);
    if (!d) return d.failure();
    if (d->stored_size != f.stored_size) {
      return corrupt("the object is " + std::to_string(d->stored_size) + " bytes, the manifest records " +
                     std::to_string(f.stored_size));
    }
    if (d->size != f.size) {
      return corrupt(std::to_string(d->size) + " bytes, the manifest records " + std::to_string(f.size));
    }
    if (d->sha256 != f.sha256) return corrupt("sha256 " + d->sha256 + ", the manifest records " + f.sha256);
  }
  if (fs::exists(dest_dir, ec)) fs::remove(dest_dir, ec);  // empty, checked above
  if (::rename(staging.path().c_str(), dest_dir.c_str()) != 0) {
    return store_failure(FailureKind::kPermanent,
                         "cannot rename to " + dest_dir.string() + ": " + std::strerror(errno));
  }
  staging.release();
  return manifest;
}

StoreStatus validate_artifact_key(std::string_view key) { return check_segment(key, "key", false); }

StoreStatus remove_artifact(Backend& backend, const ArtifactRef& ref) {
  if (auto r = backend.remove(ref.manifest_key()); !r) return r.failure();
  auto objects = backend.list(ref.dir + "/");
  if (!objects) return objects.failure();
  for (const auto& o : *objects) {
    if (auto r = backend.remove(o.key); !r) return r.failure();
  }
  return stored();
}

}  // namespace aqe::store
