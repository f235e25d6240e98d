// Streaming compression and the manifest reader: round trips across chunk boundaries,
// truncated or foreign streams reported as corrupt, and unsafe manifests refused.
#include "aqe/store/codec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "temp_dir.h"

namespace aqe::store {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Half text (compressible), half random: several 256 KiB read chunks and codec output buffers.
std::string mixed_bytes(size_t n) {
  std::mt19937 rng(42);
  std::string s;
  s.reserve(n);
  while (s.size() < n / 2) s += "def test_" + std::to_string(s.size()) + "(): assert True\n";
  while (s.size() < n) s += static_cast<char>(rng() & 0xff);
  return s;
}

TEST(StoreCodec, RoundTripsInEveryCompression) {
  const TempDir dir;
  const std::string data = mixed_bytes(3'000'000);
  const fs::path in = dir.write("in.bin", data);
  for (const Compression c : {Compression::kZstd, Compression::kGzip, Compression::kNone}) {
    const std::string name(to_string(c));
    auto packed = compress_file(in, dir.path() / (name + ".packed"), c, 3);
    ASSERT_TRUE(packed) << packed.failure().message;
    EXPECT_EQ(packed->size, data.size());
    EXPECT_EQ(packed->sha256.size(), 64u);
    const fs::path stored = c == Compression::kNone ? in : dir.path() / (name + ".packed");
    EXPECT_EQ(packed->stored_size, fs::file_size(stored)) << name;
    auto unpacked = decompress_file(stored, dir.path() / (name + ".out"), c, data.size());
    ASSERT_TRUE(unpacked) << name << ": " << unpacked.failure().message;
    EXPECT_EQ(unpacked->sha256, packed->sha256) << name;
    EXPECT_EQ(unpacked->size, data.size()) << name;
    if (c != Compression::kNone) {
      EXPECT_TRUE(slurp(dir.path() / (name + ".out")) == data) << name;
      EXPECT_LT(packed->stored_size, data.size()) << name;
    }
  }
}

TEST(StoreCodec, EmptyFileRoundTrips) {
  const TempDir dir;
  const fs::path in = dir.write("empty", "");
  for (const Compression c : {Compression::kZstd, Compression::kGzip}) {
    auto packed = compress_file(in, dir.path() / "p", c, 1);
    ASSERT_TRUE(packed);
    auto unpacked = decompress_file(dir.path() / "p", dir.path() / "o", c, 0);
    ASSERT_TRUE(unpacked) << unpacked.failure().message;
    EXPECT_EQ(unpacked->size, 0u);
    EXPECT_EQ(unpacked->sha256, packed->sha256);
  }
}

TEST(StoreCodec, TruncatedOrForeignStreamsAreCorrupt) {
  const TempDir dir;
  const std::string data = mixed_bytes(1'000'000);
  const fs::path in = dir.write("in.bin", data);
  for (const Compression c : {Compression::kZstd, Compression::kGzip}) {
    const std::string name(to_string(c));
    ASSERT_TRUE(compress_file(in, dir.path() / "p", c, 3));
    const std::string packed = slurp(dir.path() / "p");
    const fs::path cut = dir.write("cut", packed.substr(0, packed.size() / 2));
    auto r = decompress_file(cut, dir.path() / "o", c, data.size());
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.failure().kind, FailureKind::kCorrupt) << name << ": " << r.failure().message;
    const fs::path junk = dir.write("junk", "this is not compressed data at all");
    r = decompress_file(junk, dir.path() / "o", c, data.size());
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.failure().kind, FailureKind::kCorrupt) << name;
    // A stream that inflates past the recorded size is not the stored file (nor a bomb).
    r = decompress_file(dir.path() / "p", dir.path() / "o", c, data.size() - 1);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.failure().kind, FailureKind::kCorrupt) << name;
  }
}

nlohmann::json valid_manifest() {
  return {{"format", "aqe-artifact"},
          {"version", 1},
          {"key", "k"},
          {"class", "default"},
          {"branch", "main"},
          {"commit", ""},
          {"created_at", "2026-12-02T00:00:00Z"},
          {"metadata", nlohmann::json::object()},
          {"compression", {{"algorithm", "zstd"}, {"level", 3}}},
          {"files",
           {{{"name", "a.txt"},
             {"size", 1},
             {"sha256", std::string(64, 'a')},
             {"object", "u/a.txt.zst"},
             {"stored_size", 10}}}}};
}

TEST(StoreManifest, RoundTripsThroughJson) {
  auto m = manifest_from_json(valid_manifest(), "m.json");
  ASSERT_TRUE(m) << m.failure().message;
  EXPECT_EQ(manifest_to_json(*m), valid_manifest());
}

TEST(StoreManifest, UnsafeOrMalformedManifestsAreRefused) {
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> change;
  };
  const std::vector<Case> cases = {
      {"a name escaping the destination", [](auto& j) { j["files"][0]["name"] = "../../etc/passwd"; }},
      {"an absolute name", [](auto& j) { j["files"][0]["name"] = "/tmp/x"; }},
      {"an object outside the artifact", [](auto& j) { j["files"][0]["object"] = "../other/x"; }},
      {"a scratch name", [](auto& j) { j["files"][0]["name"] = ".aqe-download/x"; }},
      {"a short sha256", [](auto& j) { j["files"][0]["sha256"] = "abc"; }},
      {"an unknown compression", [](auto& j) { j["compression"]["algorithm"] = "lz4"; }},
      {"a newer version", [](auto& j) { j["version"] = 2; }},
      {"another format", [](auto& j) { j["format"] = "other"; }},
      {"a missing field", [](auto& j) { j.erase("files"); }},
      {"a wrong type", [](auto& j) { j["files"][0]["size"] = "big"; }},
  };
  for (const auto& c : cases) {
    nlohmann::json j = valid_manifest();
    c.change(j);
    auto m = manifest_from_json(j, "bucket/x/manifest.json");
    ASSERT_FALSE(m) << c.what;
    EXPECT_EQ(m.failure().kind, FailureKind::kCorrupt) << c.what;
    EXPECT_NE(m.failure().message.find("bucket/x/manifest.json"), std::string::npos) << c.what;
  }
}

}  // namespace
}  // namespace aqe::store
