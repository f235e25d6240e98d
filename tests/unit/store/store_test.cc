// The store interface suite, written once and run against every backend: the local directory,
// s3rver and the SigV4-verifying fault server. Then the artifact layer on each of them.
#include "aqe/store/store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "aqe/store/artifact.h"
#include "aqe/util/fs.h"
#include "store/test_s3_servers.h"
#include "temp_dir.h"

namespace aqe::store {
namespace {

namespace fs = std::filesystem;
using testing::FaultServerProcess;
using testing::S3rverProcess;
using testing::ServerProcess;
using testing::TempDir;

enum class Kind { kLocal, kS3rver, kFaultServer };

std::string kind_name(const ::testing::TestParamInfo<Kind>& info) {
  switch (info.param) {
    case Kind::kLocal:
      return "Local";
    case Kind::kS3rver:
      return "S3rver";
    case Kind::kFaultServer:
      return "FaultServer";
  }
  return "Unknown";
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class StoreInterface : public ::testing::TestWithParam<Kind> {
 protected:
  // A server starts with the first test that needs it (CTest runs each test in its own
  // process) and stops with the suite.
  static void TearDownTestSuite() {
    delete s3rver_;
    delete fault_;
    s3rver_ = nullptr;
    fault_ = nullptr;
  }

  void SetUp() override {
    // Each test writes under its own prefix: the servers are shared by the whole suite.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("t/") + info->name();
    for (auto& c : prefix_) c = (c == '/' || std::isalnum(static_cast<unsigned char>(c))) ? c : '-';
    backend_ = make(GetParam());
    ASSERT_TRUE(backend_) << error_;
  }

  std::unique_ptr<Backend> make(Kind kind, S3Options tweak = {}, const std::string& secret = "",
                                const std::string& key_id = "") {
    if (kind == Kind::kLocal) return make_local_backend(root_.path() / "store");
    if (kind == Kind::kS3rver && !s3rver_) s3rver_ = new S3rverProcess();
    if (kind == Kind::kFaultServer && !fault_) fault_ = new FaultServerProcess();
    const ServerProcess& server =
        kind == Kind::kS3rver ? static_cast<ServerProcess&>(*s3rver_) : static_cast<ServerProcess&>(*fault_);
    if (!server.running()) {
      error_ = server.error();
      return nullptr;
    }
    S3Options o = std::move(tweak);
    o.endpoint_url = server.endpoint();
    o.force_path_style = true;
    if (kind == Kind::kS3rver) {
      o.bucket = S3rverProcess::kBucket;
      o.credentials = {key_id.empty() ? S3rverProcess::kKey : key_id,
                       secret.empty() ? S3rverProcess::kKey : secret, ""};
    } else {
      o.bucket = FaultServerProcess::kBucket;
      o.region = FaultServerProcess::kRegion;
      o.credentials = {key_id.empty() ? FaultServerProcess::kAccessKey : key_id,
                       secret.empty() ? FaultServerProcess::kSecret : secret, ""};
    }
    o.retry.base_delay = std::chrono::milliseconds(10);
    o.retry.throttled_base_delay = std::chrono::milliseconds(20);
    return make_s3_backend(std::move(o));
  }

  std::string key(const std::string& rest) const { return prefix_ + "/" + rest; }

  static S3rverProcess* s3rver_;
  static FaultServerProcess* fault_;
  TempDir root_{"aqe-store"};
  std::string prefix_;
  std::string error_;
  std::unique_ptr<Backend> backend_;
};

S3rverProcess* StoreInterface::s3rver_ = nullptr;
FaultServerProcess* StoreInterface::fault_ = nullptr;

TEST_P(StoreInterface, PutThenGetReturnsTheSameBytes) {
  const std::string data = random_bytes(300'000, 1);
  const fs::path src = root_.write("in.bin", data);
  // Spaces, '+', '%', '=' and non-ASCII: the URL and the signed path must agree on them.
  for (const std::string& k : {key("a/plain.bin"), key("b/with space+plus%25=eq ü.bin")}) {
    ASSERT_TRUE(backend_->put(k, src)) << k;
    const fs::path out = root_.path() / "out" / "got.bin";
    auto got = backend_->get(k, out);
    ASSERT_TRUE(got) << got.failure().message;
    EXPECT_EQ(slurp(out), data) << k;
  }
  const fs::path empty = root_.write("empty.bin", "");
  ASSERT_TRUE(backend_->put(key("empty"), empty));
  ASSERT_TRUE(backend_->get(key("empty"), root_.path() / "empty.out"));
  EXPECT_EQ(fs::file_size(root_.path() / "empty.out"), 0u);
}

TEST_P(StoreInterface, ListReturnsKeysUnderThePrefixAcrossPages) {
  if (GetParam() != Kind::kLocal) {
    S3Options o;
    o.list_page_size = 3;
    backend_ = make(GetParam(), o);
  }
  ASSERT_TRUE(backend_);
  const fs::path src = root_.write("in.txt", "12345");
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(backend_->put(key("a/" + std::to_string(i)), src));
  ASSERT_TRUE(backend_->put(key("ab/x"), src));
  ASSERT_TRUE(backend_->put(key("b/y"), src));

  auto a = backend_->list(key("a/"));
  ASSERT_TRUE(a) << a.failure().message;
  ASSERT_EQ(a->size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ((*a)[static_cast<size_t>(i)].key, key("a/" + std::to_string(i)));
    EXPECT_EQ((*a)[static_cast<size_t>(i)].size, 5u);
  }
  auto partial = backend_->list(key("a"));  // a partial segment matches "a/..." and "ab/..."
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->size(), 8u);
  auto all = backend_->list(prefix_ + "/");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 9u);
  auto none = backend_->list(key("nothing/"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreInterface, RemovedObjectIsNotFound) {
  const fs::path src = root_.write("in.txt", "x");
  ASSERT_TRUE(backend_->put(key("gone"), src));
  ASSERT_TRUE(backend_->remove(key("gone")));
  auto g = backend_->get(key("gone"), root_.path() / "out");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.failure().kind, FailureKind::kNotFound) << g.failure().message;
  EXPECT_FALSE(fs::exists(root_.path() / "out"));
  EXPECT_TRUE(backend_->remove(key("gone"))) << "removing a missing key succeeds";
  auto l = backend_->list(key("gone"));
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->empty());
}

TEST_P(StoreInterface, MissingKeyIsNotFoundWithExitCode3) {
  auto g = backend_->get(key("never/stored"), root_.path() / "out");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.failure().kind, FailureKind::kNotFound);
  EXPECT_NE(g.failure().message.find("never/stored"), std::string::npos) << g.failure().message;
  EXPECT_EQ(exit_code_for(g.failure().kind), ExitCode::kUsage);
}

TEST_P(StoreInterface, InvalidKeysAreRefusedBeforeAnyRequest) {
  const fs::path src = root_.write("in.txt", "x");
  for (const std::string& bad : {std::string("../escape"), std::string("/abs"), std::string("a//b"),
                                 std::string("a/./b"), std::string("nul\0byte", 8), std::string("")}) {
    auto p = backend_->put(bad, src);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.failure().kind, FailureKind::kPermanent);
    EXPECT_NE(p.failure().message.find("invalid object key"), std::string::npos) << p.failure().message;
  }
  EXPECT_FALSE(fs::exists(root_.path() / "escape"));
}

TEST_P(StoreInterface, IfAbsentRefusesAnExistingKey) {
  if (GetParam() == Kind::kS3rver) GTEST_SKIP() << "s3rver 3.7 ignores If-None-Match on PUT";
  const fs::path one = root_.write("one.txt", "one");
  const fs::path two = root_.write("two.txt", "two");
  ASSERT_TRUE(backend_->put(key("once"), one, PutMode::kIfAbsent));
  auto again = backend_->put(key("once"), two, PutMode::kIfAbsent);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.failure().kind, FailureKind::kExists) << again.failure().message;
  ASSERT_TRUE(backend_->get(key("once"), root_.path() / "got"));
  EXPECT_EQ(slurp(root_.path() / "got"), "one");
}

TEST_P(StoreInterface, LargeFileGoesUpInPartsAndComesBackWhole) {
  if (GetParam() != Kind::kLocal) {
    S3Options o;
    o.multipart_threshold = 1 << 20;
    o.part_size = 5 << 20;
    backend_ = make(GetParam(), o);
  }
  ASSERT_TRUE(backend_);
  const std::string data = random_bytes((11 << 20) + 123, 7);  // three parts: 5 + 5 + 1 MiB
  const fs::path src = root_.write("big.bin", data);
  auto p = backend_->put(key("big.bin"), src);
  ASSERT_TRUE(p) << p.failure().message;
  ASSERT_TRUE(backend_->get(key("big.bin"), root_.path() / "big.out"));
  EXPECT_TRUE(slurp(root_.path() / "big.out") == data);
  auto l = backend_->list(key("big"));
  ASSERT_TRUE(l);
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ(l->front().size, data.size());
  if (GetParam() == Kind::kFaultServer) {
    EXPECT_TRUE(fault_->state()["uploads"].empty());
  }
}

TEST_P(StoreInterface, WrongSecretIsAnAuthFailureThatNamesTheVariablesNotTheSecret) {
  if (GetParam() == Kind::kLocal) GTEST_SKIP() << "the local backend has no credentials";
  const std::string secret = "wrong+Secret/Value0987654321zyxwvutsrqp";
  // s3rver 3.7 checks only the key id (its SigV4 check is unimplemented); the fault server
  // checks the signature itself, so there the key id stays right and only the secret is wrong.
  auto bad = make(GetParam(), {}, secret, GetParam() == Kind::kS3rver ? "AKIDUNKNOWN" : "");
  ASSERT_TRUE(bad);
  const fs::path src = root_.write("in.txt", "x");
  auto p = bad->put(key("denied"), src);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.failure().kind, FailureKind::kAuth) << p.failure().message;
  EXPECT_NE(p.failure().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << p.failure().message;
  EXPECT_EQ(p.failure().message.find(secret), std::string::npos) << p.failure().message;
  EXPECT_EQ(to_error(p.failure()).message.find(secret), std::string::npos);
  EXPECT_EQ(exit_code_for(p.failure().kind), ExitCode::kUsage);
  auto l = bad->list(prefix_);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.failure().kind, FailureKind::kAuth);
}

// -- artifacts over the same backends --------------------------------------------------------

ArtifactSpec spec_of(const std::string& prefix, const std::string& key, std::vector<ArtifactFile> files) {
  ArtifactSpec s;
  s.prefix = prefix;
  s.key = key;
  s.retention_class = "feature";
  s.branch = "feature/store-layer";
  s.commit = "0123456789abcdef0123456789abcdef01234567";
  s.metadata = {{"pipeline", "42"}};
  s.files = std::move(files);
  return s;
}

TEST_P(StoreInterface, ArtifactRoundTripInEachCompression) {
  const std::string junit = "<testsuite tests=\"3\"/>\n" + std::string(50'000, 'x');
  const std::string blob = random_bytes(200'000, 3);
  const fs::path a = root_.write("src/junit.xml", junit);
  const fs::path b = root_.write("src/coverage.bin", blob);
  for (const Compression c : {Compression::kZstd, Compression::kGzip, Compression::kNone}) {
    const std::string name = "build-" + std::string(to_string(c));
    ArtifactSpec s = spec_of(prefix_, name, {{a, "junit.xml"}, {b, "cov/coverage.bin"}});
    s.compression = c;
    s.level = c == Compression::kGzip ? 6 : 3;
    auto stored_m = store_artifact(*backend_, s, false);
    ASSERT_TRUE(stored_m) << stored_m.failure().message;
    const fs::path dest = root_.path() / ("fetched-" + name);
    auto m = fetch_artifact(*backend_, prefix_, name, dest);
    ASSERT_TRUE(m) << m.failure().message;
    EXPECT_EQ(slurp(dest / "junit.xml"), junit);
    EXPECT_TRUE(slurp(dest / "cov/coverage.bin") == blob);
    EXPECT_EQ(m->branch, "feature/store-layer");
    EXPECT_EQ(m->retention_class, "feature");
    EXPECT_EQ(m->metadata["pipeline"], "42");
    EXPECT_EQ(m->compression, c);
    ASSERT_EQ(m->files.size(), 2u);
    EXPECT_EQ(m->files[0].size, junit.size());
    if (c == Compression::kNone) {
      EXPECT_EQ(m->files[0].stored_size, junit.size());
    } else {
      EXPECT_LT(m->files[0].stored_size, junit.size() / 10);
    }
  }
  auto refs = list_artifacts(*backend_, prefix_);
  ASSERT_TRUE(refs) << refs.failure().message;
  ASSERT_EQ(refs->size(), 3u);
  EXPECT_EQ((*refs)[0].branch, "feature/store-layer");
  EXPECT_EQ((*refs)[0].retention_class, "feature");
  // The layout: <prefix>/<class>/<branch %-encoded>/<key>/manifest.json.
  EXPECT_EQ((*refs)[0].manifest_key(), prefix_ + "/feature/feature%2Fstore-layer/build-gzip/manifest.json");
}

TEST_P(StoreInterface, ArtifactWithoutManifestDoesNotExist) {
  const fs::path f = root_.write("x.txt", "half an upload");
  ASSERT_TRUE(backend_->put(prefix_ + "/main/main/orphan/20260101T000000Z-1/x.txt.zst", f));
  auto refs = list_artifacts(*backend_, prefix_);
  ASSERT_TRUE(refs);
  EXPECT_TRUE(refs->empty());
  auto got = fetch_artifact(*backend_, prefix_, "orphan", root_.path() / "dest");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.failure().kind, FailureKind::kNotFound);
}

TEST_P(StoreInterface, ExistingArtifactIsRefusedUnlessOverwriteThenReplacedWhole) {
  const fs::path v1 = root_.write("v1.txt", "first");
  const fs::path v2 = root_.write("v2.txt", "second");
  ASSERT_TRUE(
      store_artifact(*backend_, spec_of(prefix_, "build-1", {{v1, "r.txt"}, {v1, "old-only.txt"}}), false));
  auto again = store_artifact(*backend_, spec_of(prefix_, "build-1", {{v2, "r.txt"}}), false);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.failure().kind, FailureKind::kExists) << again.failure().message;
  EXPECT_EQ(to_error(again.failure()).code, "STORE_EXISTS");

  auto replaced = store_artifact(*backend_, spec_of(prefix_, "build-1", {{v2, "r.txt"}}), true);
  ASSERT_TRUE(replaced) << replaced.failure().message;
  const fs::path dest = root_.path() / "dest";
  auto m = fetch_artifact(*backend_, prefix_, "build-1", dest);
  ASSERT_TRUE(m) << m.failure().message;
  EXPECT_EQ(slurp(dest / "r.txt"), "second");
  EXPECT_FALSE(fs::exists(dest / "old-only.txt"));
  // The old upload's objects are gone: one file and the manifest remain.
  auto objects = backend_->list(prefix_ + "/");
  ASSERT_TRUE(objects);
  EXPECT_EQ(objects->size(), 2u);
}

TEST_P(StoreInterface, CorruptedObjectIsNamedAndNothingIsLeftInTheDestination) {
  const fs::path f = root_.write("data.bin", random_bytes(100'000, 9));
  auto m = store_artifact(*backend_, spec_of(prefix_, "build-c", {{f, "data.bin"}}), false);
  ASSERT_TRUE(m) << m.failure().message;
  auto ref = find_artifact(*backend_, prefix_, "build-c");
  ASSERT_TRUE(ref);
  // Replace the stored object with other valid zstd data of the same file name.
  const std::string object = ref->dir + "/" + m->files[0].object;
  const fs::path other = root_.write("other.bin", random_bytes(100'000, 10));
  ArtifactSpec decoy = spec_of(prefix_ + "-decoy", "decoy", {{other, "data.bin"}});
  auto dm = store_artifact(*backend_, decoy, false);
  ASSERT_TRUE(dm);
  auto dref = find_artifact(*backend_, prefix_ + "-decoy", "decoy");
  ASSERT_TRUE(dref);
  ASSERT_TRUE(backend_->get(dref->dir + "/" + dm->files[0].object, root_.path() / "decoy.zst"));
  ASSERT_TRUE(backend_->put(object, root_.path() / "decoy.zst"));

  const fs::path dest = root_.path() / "fetched" / "build-c";
  auto got = fetch_artifact(*backend_, prefix_, "build-c", dest);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.failure().kind, FailureKind::kCorrupt);
  EXPECT_NE(got.failure().message.find(object), std::string::npos) << got.failure().message;
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_TRUE(fs::is_empty(root_.path() / "fetched")) << "no temp directory left behind";

  // Bytes that are not zstd at all are named too.
  const fs::path junk = root_.write("junk", "not zstd at all");
  ASSERT_TRUE(backend_->put(object, junk));
  got = fetch_artifact(*backend_, prefix_, "build-c", dest);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.failure().kind, FailureKind::kCorrupt);
  EXPECT_NE(got.failure().message.find(object), std::string::npos) << got.failure().message;
  EXPECT_TRUE(fs::is_empty(root_.path() / "fetched"));
}

// Every way a stored object can differ from its manifest, uncompressed and zstd: the fetch
// fails kCorrupt naming the object, and nothing is renamed into the destination. The object's
// own bytes put back fetch again, so the check refuses only what is wrong.
TEST_P(StoreInterface, FlippedTruncatedOrLongerObjectIsNamedAndNotRenamedIntoPlace) {
  const std::string data = random_bytes(300'000, 21);
  const fs::path f = root_.write("data.bin", data);
  for (const Compression c : {Compression::kNone, Compression::kZstd}) {
    const std::string name = "build-" + std::string(to_string(c));
    ArtifactSpec s = spec_of(prefix_, name, {{f, "sub/data.bin"}});
    s.compression = c;
    auto m = store_artifact(*backend_, s, false);
    ASSERT_TRUE(m) << m.failure().message;
    auto ref = find_artifact(*backend_, prefix_, name);
    ASSERT_TRUE(ref);
    const std::string object = ref->dir + "/" + m->files[0].object;
    const fs::path original = root_.path() / ("original-" + name);
    ASSERT_TRUE(backend_->get(object, original));
    const std::string stored_bytes = slurp(original);
    std::string flipped = stored_bytes;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x01);
    const std::vector<std::pair<std::string, std::string>> damages = {
        {"one flipped byte", flipped},
        {"truncated", stored_bytes.substr(0, stored_bytes.size() - 1000)},
        {"longer than recorded", stored_bytes + "appended bytes"}};
    const fs::path dest = root_.path() / ("fetched-" + name) / "out";
    for (const auto& [what, bytes] : damages) {
      ASSERT_TRUE(backend_->put(object, root_.write("bad-" + name, bytes)));
      auto got = fetch_artifact(*backend_, prefix_, name, dest);
      ASSERT_FALSE(got) << name << ", " << what;
      EXPECT_EQ(got.failure().kind, FailureKind::kCorrupt)
          << name << ", " << what << ": " << got.failure().message;
      EXPECT_NE(got.failure().message.find(object), std::string::npos) << got.failure().message;
      EXPECT_FALSE(fs::exists(dest)) << name << ", " << what;
      EXPECT_TRUE(fs::is_empty(dest.parent_path())) << name << ", " << what << ": a temp directory was left";
    }
    ASSERT_TRUE(backend_->put(object, original));
    auto again = fetch_artifact(*backend_, prefix_, name, dest);
    ASSERT_TRUE(again) << name << ": " << again.failure().message;
    EXPECT_TRUE(slurp(dest / "sub/data.bin") == data) << name;
  }
}

TEST_P(StoreInterface, TwoConcurrentStoresOfDifferentKeysBothLand) {
  const fs::path a = root_.write("a.bin", random_bytes(400'000, 11));
  const fs::path b = root_.write("b.bin", random_bytes(400'000, 12));
  auto other = make(GetParam());
  ASSERT_TRUE(other);
  StoreResult<Manifest> ra = StoreFailure{};
  StoreResult<Manifest> rb = StoreFailure{};
  std::thread ta([&] { ra = store_artifact(*backend_, spec_of(prefix_, "job-a", {{a, "a.bin"}}), false); });
  std::thread tb([&] { rb = store_artifact(*other, spec_of(prefix_, "job-b", {{b, "b.bin"}}), false); });
  ta.join();
  tb.join();
  ASSERT_TRUE(ra) << ra.failure().message;
  ASSERT_TRUE(rb) << rb.failure().message;
  auto refs = list_artifacts(*backend_, prefix_);
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 2u);
  ASSERT_TRUE(fetch_artifact(*backend_, prefix_, "job-a", root_.path() / "da"));
  ASSERT_TRUE(fetch_artifact(*backend_, prefix_, "job-b", root_.path() / "db"));
  EXPECT_TRUE(slurp(root_.path() / "da" / "a.bin") == slurp(a));
  EXPECT_TRUE(slurp(root_.path() / "db" / "b.bin") == slurp(b));
}

// Forwards to a backend, but before the first manifest is put stores `rival` through it: a
// store of the same key on another branch that lands between this store's existence check and
// its manifest, where the manifest's conditional put (its own key) cannot see it.
class RivalLandsFirst final : public Backend {
 public:
  RivalLandsFirst(Backend& inner, ArtifactSpec rival) : inner_(inner), rival_(std::move(rival)) {}
  StoreStatus put(std::string_view key, const fs::path& file, PutMode mode) override {
    if (!rival_result_ && key.ends_with("/manifest.json"))
      rival_result_ = store_artifact(inner_, rival_, false);
    return inner_.put(key, file, mode);
  }
  StoreStatus get(std::string_view key, const fs::path& dest) override { return inner_.get(key, dest); }
  StoreStatus get_into(std::string_view key, ObjectSink& sink) override { return inner_.get_into(key, sink); }
  StoreResult<std::vector<ObjectInfo>> list(std::string_view prefix) override { return inner_.list(prefix); }
  StoreStatus remove(std::string_view key) override { return inner_.remove(key); }
  std::string name() const override { return inner_.name(); }
  const std::optional<StoreResult<Manifest>>& rival_result() const { return rival_result_; }

 private:
  Backend& inner_;
  ArtifactSpec rival_;
  std::optional<StoreResult<Manifest>> rival_result_;
};

TEST_P(StoreInterface, SameKeyStoredMeanwhileOnAnotherBranchIsExistsNotASecondArtifact) {
  const fs::path a = root_.write("a.txt", "from feature/a");
  const fs::path b = root_.write("b.txt", "from feature/b");
  ArtifactSpec mine = spec_of(prefix_, "build-9", {{a, "r.txt"}});
  mine.branch = "feature/a";
  ArtifactSpec rival = spec_of(prefix_, "build-9", {{b, "r.txt"}});
  rival.branch = "feature/b";
  RivalLandsFirst racing(*backend_, rival);
  auto r = store_artifact(racing, mine, false);
  ASSERT_TRUE(racing.rival_result().has_value());
  ASSERT_TRUE(*racing.rival_result()) << racing.rival_result()->failure().message;
  ASSERT_FALSE(r) << "two artifacts named build-9";
  EXPECT_EQ(r.failure().kind, FailureKind::kExists) << r.failure().message;
  EXPECT_NE(r.failure().message.find("feature%2Fb"), std::string::npos) << r.failure().message;
  auto refs = list_artifacts(*backend_, prefix_);
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ(refs->front().branch, "feature/b");
  ASSERT_TRUE(fetch_artifact(*backend_, prefix_, "build-9", root_.path() / "got"));
  EXPECT_EQ(slurp(root_.path() / "got" / "r.txt"), "from feature/b");
  // The backed-out store removed its manifest and its file: the rival's two objects remain.
  auto objects = backend_->list(prefix_ + "/");
  ASSERT_TRUE(objects);
  EXPECT_EQ(objects->size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreInterface,
                         ::testing::Values(Kind::kLocal, Kind::kS3rver, Kind::kFaultServer), kind_name);

}  // namespace
}  // namespace aqe::store
