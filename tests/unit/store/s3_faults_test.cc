// The S3 backend under faults, against tests/servers/s3_fault_server.py: retries that end in
// success, retries exhausted (transient, exit 4, no manifest), stalls, short bodies, wrong
// ETags, and SigV4 known answers (the Authorization header aqe sends against botocore's).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "aqe/exec/process.h"
#include "aqe/store/artifact.h"
#include "aqe/store/store.h"
#include "store/test_s3_servers.h"
#include "temp_dir.h"

namespace aqe::store {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FaultServerProcess;
using testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

class S3Faults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new FaultServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->running()) << server_->error();
    server_->reset();
  }

  S3Options options() const {
    S3Options o;
    o.bucket = FaultServerProcess::kBucket;
    o.region = FaultServerProcess::kRegion;
    o.endpoint_url = server_->endpoint();
    o.force_path_style = true;
    o.credentials = {FaultServerProcess::kAccessKey, FaultServerProcess::kSecret, ""};
    o.retry.base_delay = std::chrono::milliseconds(10);
    o.retry.throttled_base_delay = std::chrono::milliseconds(20);
    o.timeouts.stall = std::chrono::seconds(1);
    return o;
  }

  int requests() const { return server_->state()["requests"].get<int>(); }

  static FaultServerProcess* server_;
  TempDir dir_{"aqe-s3-faults"};
};

FaultServerProcess* S3Faults::server_ = nullptr;

TEST_F(S3Faults, SlowDownTwiceThenSuccessIsRetried) {
  auto s3 = make_s3_backend(options());
  const fs::path f = dir_.write("f.txt", "payload");
  server_->inject({{"method", "PUT"}, {"kind", "slowdown"}, {"times", 2}});
  auto p = s3->put("k/slow", f);
  ASSERT_TRUE(p) << p.failure().message;
  EXPECT_EQ(requests(), 3);
  EXPECT_EQ(server_->state()["objects"]["k/slow"], 7);
}

TEST_F(S3Faults, ServerErrorOnceThenSuccessIsRetried) {
  auto s3 = make_s3_backend(options());
  const fs::path f = dir_.write("f.txt", "payload");
  ASSERT_TRUE(s3->put("k/x", f));
  server_->inject({{"method", "GET"}, {"kind", "error500"}, {"times", 1}});
  auto g = s3->get("k/x", dir_.path() / "out");
  ASSERT_TRUE(g) << g.failure().message;
  EXPECT_EQ(slurp(dir_.path() / "out"), "payload");
  EXPECT_EQ(requests(), 3);  // the PUT, the failed GET, the GET
}

TEST_F(S3Faults, ShortBodyIsRetriedAndNeverLandsHalfWritten) {
  auto s3 = make_s3_backend(options());
  const std::string data = random_bytes(200'000, 5);
  const fs::path f = dir_.write("f.bin", data);
  ASSERT_TRUE(s3->put("k/short", f));
  server_->inject({{"method", "GET"}, {"kind", "short_body"}, {"times", 1}});
  auto g = s3->get("k/short", dir_.path() / "out");
  ASSERT_TRUE(g) << g.failure().message;
  EXPECT_TRUE(slurp(dir_.path() / "out") == data);

  server_->inject({{"method", "GET"}, {"kind", "short_body"}, {"times", 3}});
  g = s3->get("k/short", dir_.path() / "out2");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.failure().kind, FailureKind::kTransient) << g.failure().message;
  EXPECT_FALSE(fs::exists(dir_.path() / "out2"));
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(e.path().filename().string().find(".part"), std::string::npos) << e.path();
  }
}

TEST_F(S3Faults, StalledConnectionTimesOutThenRetries) {
  auto s3 = make_s3_backend(options());
  const fs::path f = dir_.write("f.txt", "payload");
  ASSERT_TRUE(s3->put("k/stall", f));
  server_->inject({{"method", "GET"}, {"kind", "stall"}, {"seconds", 4}, {"times", 1}});
  const auto start = std::chrono::steady_clock::now();
  auto g = s3->get("k/stall", dir_.path() / "out");
  ASSERT_TRUE(g) << g.failure().message;
  EXPECT_EQ(slurp(dir_.path() / "out"), "payload");
  // Bounded by the 1 s stall limit, not by the server's 4 s silence.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(3900));
}

TEST(S3Timeouts, EveryRequestHasAWholeRequestLimitScaledToItsBody) {
  const S3Options o;
  ASSERT_TRUE(o.timeouts.total.has_value());
  EXPECT_EQ(*o.timeouts.total, kS3RequestFloor);
  EXPECT_EQ(o.timeouts.min_bytes_per_second, kS3MinBytesPerSecond);
  EXPECT_GT(kS3MinBytesPerSecond, 0u);
}

// 100 bytes, one every 0.1 s: each gap is well inside the 1 s stall limit, so only a limit on
// the whole request ends it.
TEST_F(S3Faults, TrickleThatBeatsTheStallLimitIsCutOffByTheWholeRequestLimit) {
  S3Options o = options();
  o.timeouts.total = std::chrono::seconds(1);
  o.timeouts.min_bytes_per_second = 1 << 20;
  auto s3 = make_s3_backend(o);
  const fs::path f = dir_.write("f.txt", std::string(100, 'x'));
  ASSERT_TRUE(s3->put("k/trickle", f));
  server_->inject({{"method", "GET"}, {"kind", "trickle"}, {"interval", 0.1}, {"times", 3}});
  const auto start = std::chrono::steady_clock::now();
  auto g = s3->get("k/trickle", dir_.path() / "out");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(g) << "the 10 s trickle was not cut off";
  EXPECT_EQ(g.failure().kind, FailureKind::kTransient) << g.failure().message;
  EXPECT_NE(g.failure().message.find("whole-request limit"), std::string::npos) << g.failure().message;
  EXPECT_LT(elapsed, std::chrono::milliseconds(4000));
  EXPECT_FALSE(fs::exists(dir_.path() / "out"));
}

// The limit grows with the response's Content-Length: at 50 bytes/s a 100-byte body gets 2 s
// more than the 1 s floor, enough for a 1.5 s trickle that the floor alone would cut off.
TEST_F(S3Faults, WholeRequestLimitGrowsWithTheResponsesContentLength) {
  S3Options o = options();
  o.timeouts.total = std::chrono::seconds(1);
  o.timeouts.min_bytes_per_second = 50;
  o.retry.max_attempts = 1;
  auto s3 = make_s3_backend(o);
  const fs::path f = dir_.write("f.txt", std::string(100, 'y'));
  ASSERT_TRUE(s3->put("k/scaled", f));
  server_->inject({{"method", "GET"}, {"kind", "trickle"}, {"interval", 0.015}, {"times", 1}});
  auto g = s3->get("k/scaled", dir_.path() / "out");
  ASSERT_TRUE(g) << g.failure().message;
  EXPECT_EQ(slurp(dir_.path() / "out"), std::string(100, 'y'));
}

// S3-compatible servers (MinIO, R2, Ceph) reject or mishandle the AWS SDKs' default checksum
// headers: aqe sends none on a PUT, an UploadPart or a CompleteMultipartUpload.
TEST_F(S3Faults, NoChecksumHeadersOnPutUploadPartOrComplete) {
  S3Options o = options();
  o.multipart_threshold = 1 << 20;
  o.part_size = 5 << 20;
  auto s3 = make_s3_backend(o);
  ASSERT_TRUE(s3->put("k/small", dir_.write("small.txt", "small")));
  ASSERT_TRUE(s3->put("k/big", dir_.write("big.bin", random_bytes((5 << 20) + 7, 3))));
  int puts = 0;
  int parts = 0;
  int completes = 0;
  const json st = server_->state();
  ASSERT_TRUE(st.contains("log")) << st.dump();
  for (const json& entry : st["log"]) {
    const std::string method = entry["method"];
    const std::string path = entry["path"];
    if (method != "PUT" && method != "POST") continue;
    if (method == "PUT") (path.find("partNumber=") != std::string::npos ? parts : puts)++;
    if (method == "POST" && path.find("uploadId=") != std::string::npos) ++completes;
    for (const json& h : entry["headers"]) {
      std::string name = h[0];
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      EXPECT_NE(name, "content-md5") << method << " " << path;
      EXPECT_FALSE(name.starts_with("x-amz-checksum-")) << name << " on " << method << " " << path;
      EXPECT_NE(name, "x-amz-sdk-checksum-algorithm") << method << " " << path;
      EXPECT_NE(name, "x-amz-trailer") << method << " " << path;
    }
  }
  EXPECT_EQ(puts, 1);
  EXPECT_EQ(parts, 2);
  EXPECT_EQ(completes, 1);
}

TEST_F(S3Faults, RetriesExhaustedIsTransientExit4WithNoManifestThenALaterStoreSucceeds) {
  auto s3 = make_s3_backend(options());
  const fs::path a = dir_.write("junit.xml", "<testsuite/>");
  const fs::path b = dir_.write("cov.json", "{}");
  ArtifactSpec spec;
  spec.prefix = "ci";
  spec.key = "build-7";
  spec.branch = "main";
  spec.retention_class = "main";
  spec.files = {{a, "junit.xml"}, {b, "cov.json"}};
  // Every attempt at the manifest fails: the two files are up, the artifact must not exist.
  server_->inject(
      {{"method", "PUT"}, {"path_contains", "manifest.json"}, {"kind", "error500"}, {"times", 3}});
  auto r = store_artifact(*s3, spec, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.failure().kind, FailureKind::kTransient) << r.failure().message;
  EXPECT_EQ(exit_code_for(r.failure().kind), ExitCode::kTransient);
  EXPECT_EQ(to_error(r.failure()).exit_code, ExitCode::kTransient);
  auto refs = list_artifacts(*s3, "ci");
  ASSERT_TRUE(refs);
  EXPECT_TRUE(refs->empty());
  EXPECT_TRUE(server_->state()["objects"].empty()) << "the uploaded files were removed again";

  auto again = store_artifact(*s3, spec, false);
  ASSERT_TRUE(again) << again.failure().message;
  refs = list_artifacts(*s3, "ci");
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ(refs->front().key, "build-7");
}

TEST_F(S3Faults, WrongPartEtagFailsTheUploadAndAbortsIt) {
  S3Options o = options();
  o.multipart_threshold = 1 << 20;
  o.part_size = 5 << 20;
  auto s3 = make_s3_backend(o);
  const fs::path f = dir_.write("big.bin", random_bytes((10 << 20) + 5, 8));
  server_->inject(
      {{"method", "PUT"}, {"path_contains", "partNumber=2"}, {"kind", "wrong_etag"}, {"times", 1}});
  auto p = s3->put("k/big", f);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.failure().kind, FailureKind::kPermanent) << p.failure().message;
  EXPECT_NE(p.failure().message.find("InvalidPart"), std::string::npos) << p.failure().message;
  const json st = server_->state();
  EXPECT_TRUE(st["uploads"].empty()) << "the multipart upload was aborted";
  EXPECT_TRUE(st["objects"].empty());
}

TEST_F(S3Faults, CompletionFailedInsideA200IsTransientAndAborted) {
  S3Options o = options();
  o.multipart_threshold = 1 << 20;
  o.part_size = 5 << 20;
  auto s3 = make_s3_backend(o);
  const fs::path f = dir_.write("big.bin", random_bytes((5 << 20) + 5, 6));
  server_->inject(
      {{"method", "POST"}, {"path_contains", "uploadId="}, {"kind", "error_in_200"}, {"times", 1}});
  auto p = s3->put("k/big", f);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.failure().kind, FailureKind::kTransient) << p.failure().message;
  EXPECT_NE(p.failure().message.find("InternalError"), std::string::npos) << p.failure().message;
  const json st = server_->state();
  EXPECT_TRUE(st["uploads"].empty()) << "the multipart upload was aborted";
  EXPECT_TRUE(st["objects"].empty());
}

TEST_F(S3Faults, MultipartPartRetriedAfterSlowDown) {
  S3Options o = options();
  o.multipart_threshold = 1 << 20;
  o.part_size = 5 << 20;
  auto s3 = make_s3_backend(o);
  const std::string data = random_bytes((10 << 20) + 5, 9);
  const fs::path f = dir_.write("big.bin", data);
  server_->inject({{"method", "PUT"}, {"path_contains", "partNumber=2"}, {"kind", "slowdown"}, {"times", 2}});
  auto p = s3->put("k/big", f);
  ASSERT_TRUE(p) << p.failure().message;
  ASSERT_TRUE(s3->get("k/big", dir_.path() / "out"));
  EXPECT_TRUE(slurp(dir_.path() / "out") == data);
}

// Four parts in flight at once: each part is sent once, and the object (downloaded past several
// 8 MiB writeback chunks) comes back whole.
TEST_F(S3Faults, PartsInParallelAreEachSentOnceAndTheObjectComesBackWhole) {
  S3Options o = options();
  o.multipart_threshold = 1 << 20;
  o.part_size = 5 << 20;
  o.part_concurrency = 4;
  auto s3 = make_s3_backend(o);
  const std::string data = random_bytes((20 << 20) + 3, 12);
  ASSERT_TRUE(s3->put("k/par", dir_.write("big.bin", data)));
  std::vector<std::string> parts;
  for (const json& entry : server_->state()["log"].get<std::vector<json>>()) {
    const std::string path = entry["path"];
    if (entry["method"] == "PUT" && path.find("partNumber=") != std::string::npos) {
      parts.push_back(path.substr(path.find("partNumber=") + 11,
                                  path.find('&', path.find("partNumber=")) - path.find("partNumber=") - 11));
    }
  }
  std::sort(parts.begin(), parts.end());
  EXPECT_EQ(parts, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  ASSERT_TRUE(s3->get("k/par", dir_.path() / "out"));
  EXPECT_TRUE(slurp(dir_.path() / "out") == data);
}

// One part failing for good while others are in flight: the upload fails and is aborted.
TEST_F(S3Faults, APartFailingWhileOthersAreInFlightAbortsTheUpload) {
  S3Options o = options();
  o.multipart_threshold = 1 << 20;
  o.part_size = 5 << 20;
  o.part_concurrency = 3;
  auto s3 = make_s3_backend(o);
  server_->inject(
      {{"method", "PUT"}, {"path_contains", "partNumber=2&"}, {"kind", "error500"}, {"times", 3}});
  auto p = s3->put("k/parfail", dir_.write("big.bin", random_bytes((30 << 20) + 1, 13)));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.failure().kind, FailureKind::kTransient) << p.failure().message;
  const json st = server_->state();
  EXPECT_TRUE(st["uploads"].empty()) << "the multipart upload was aborted";
  EXPECT_TRUE(st["objects"].empty());
}

TEST_F(S3Faults, FlippedByteInAStoredObjectIsNamedOnFetch) {
  auto s3 = make_s3_backend(options());
  const fs::path f = dir_.write("report.html", random_bytes(50'000, 4));
  ArtifactSpec spec;
  spec.key = "build-rot";
  spec.branch = "main";
  spec.compression = Compression::kNone;
  spec.files = {{f, "report.html"}};
  auto m = store_artifact(*s3, spec, false);
  ASSERT_TRUE(m) << m.failure().message;
  const std::string object = "default/main/build-rot/" + m->files[0].object;
  server_->control(net::Method::kPost, "/__corrupt__", {{"key", object}});
  auto got = fetch_artifact(*s3, "", "build-rot", dir_.path() / "dest");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.failure().kind, FailureKind::kCorrupt);
  EXPECT_NE(got.failure().message.find(object), std::string::npos) << got.failure().message;
  EXPECT_NE(got.failure().message.find("sha256"), std::string::npos) << got.failure().message;
  EXPECT_FALSE(fs::exists(dir_.path() / "dest"));
}

// A fetch reads each object once, into its writer; a download cut short and retried must start
// the file (and its hash) over, not append the second attempt to the first.
TEST_F(S3Faults, FetchRetriedAfterAShortBodyStartsTheFileOver) {
  auto s3 = make_s3_backend(options());
  const std::string data = random_bytes(300'000, 6);
  const fs::path f = dir_.write("payload.bin", data);
  for (const Compression c : {Compression::kNone, Compression::kZstd}) {
    const std::string key = "build-retry-" + std::string(to_string(c));
    ArtifactSpec spec;
    spec.key = key;
    spec.branch = "main";
    spec.compression = c;
    spec.files = {{f, "payload.bin"}};
    auto m = store_artifact(*s3, spec, false);
    ASSERT_TRUE(m) << m.failure().message;
    server_->inject(
        {{"method", "GET"}, {"path_contains", "payload.bin"}, {"kind", "short_body"}, {"times", 1}});
    const fs::path dest = dir_.path() / ("dest-" + key);
    auto got = fetch_artifact(*s3, "", key, dest);
    ASSERT_TRUE(got) << to_string(c) << ": " << got.failure().message;
    EXPECT_TRUE(slurp(dest / "payload.bin") == data) << to_string(c);
  }
}

// Interrupt handlers are process-wide: the store runs in a forked copy of the test process,
// interrupted while the manifest's PUT hangs; its exit status is the failure kind.
TEST_F(S3Faults, InterruptMidUploadLeavesNoVisibleArtifact) {
  const fs::path f = dir_.write("junit.xml", "<testsuite/>");
  ArtifactSpec spec;
  spec.key = "build-int";
  spec.branch = "main";
  spec.files = {{f, "junit.xml"}};
  server_->inject(
      {{"method", "PUT"}, {"path_contains", "manifest.json"}, {"kind", "stall"}, {"seconds", 20}});
  const S3Options o = options();
  const pid_t child = fork();
  if (child == 0) {
    exec::install_interrupt_handlers();
    S3Options slow = o;
    slow.timeouts.stall = std::chrono::seconds(30);
    auto s3 = make_s3_backend(slow);
    std::thread interrupter([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      kill(getpid(), SIGINT);
    });
    auto r = store_artifact(*s3, spec, false);
    interrupter.join();
    _exit(r ? 100 : static_cast<int>(r.failure().kind));
  }
  int status = 0;
  for (int i = 0; i < 200 && waitpid(child, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (waitpid(child, &status, WNOHANG) == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    FAIL() << "the interrupted store did not stop within 10 s";
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), static_cast<int>(FailureKind::kInterrupted));
  auto s3 = make_s3_backend(options());
  auto refs = list_artifacts(*s3, "");
  ASSERT_TRUE(refs);
  EXPECT_TRUE(refs->empty());
}

TEST_F(S3Faults, WrongAccessKeyIdIsAuth) {
  S3Options o = options();
  o.credentials.access_key_id = "AKIDNOBODY";
  auto s3 = make_s3_backend(o);
  auto g = s3->get("k/any", dir_.path() / "out");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.failure().kind, FailureKind::kAuth) << g.failure().message;
  EXPECT_NE(g.failure().message.find("InvalidAccessKeyId"), std::string::npos);
  EXPECT_EQ(g.failure().message.find(FaultServerProcess::kSecret), std::string::npos);
}

TEST_F(S3Faults, MissingBucketIsPermanentNotNotFound) {
  S3Options o = options();
  o.bucket = "no-such-bucket";
  auto s3 = make_s3_backend(o);
  auto g = s3->get("k/any", dir_.path() / "out");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.failure().kind, FailureKind::kPermanent) << g.failure().message;
  EXPECT_NE(g.failure().message.find("bucket does not exist"), std::string::npos) << g.failure().message;
}

// The server recomputes every signature with botocore; these compare the whole header too.
void expect_botocore_signature(const json& state) {
  const json& auth = state["last_auth"];
  ASSERT_TRUE(auth.contains("received")) << state.dump();
  EXPECT_EQ(auth["received"], auth["botocore"]) << auth["canonical_request"].get<std::string>();
}

TEST_F(S3Faults, SigV4AuthorizationHeaderEqualsBotocores) {
  auto s3 = make_s3_backend(options());
  const fs::path f = dir_.write("f.txt", "x");
  // Path characters that need encoding, a query (listing) with '/', ' ' and '=' in values.
  ASSERT_TRUE(s3->put("sig/a b/c+d=e~f!'()*;,ü.txt", f));
  expect_botocore_signature(server_->state());
  auto l = s3->list("sig/a b/c+d");
  ASSERT_TRUE(l);
  ASSERT_EQ(l->size(), 1u);
  expect_botocore_signature(server_->state());
  ASSERT_TRUE(s3->remove("sig/a b/c+d=e~f!'()*;,ü.txt"));
  expect_botocore_signature(server_->state());
}

// libcurl resolves *.localhost to the loopback address itself, so <bucket>.localhost reaches
// the server on 127.0.0.1 without any DNS.
TEST_F(S3Faults, VirtualHostStyleAddressesTheBucketInTheHostName) {
  S3Options o = options();
  o.force_path_style = false;
  o.endpoint_url = "http://localhost:" + std::to_string(server_->port());
  auto s3 = make_s3_backend(o);
  const fs::path f = dir_.write("f.txt", "vhost");
  auto p = s3->put("v/a b.txt", f);
  ASSERT_TRUE(p) << p.failure().message;
  const json st = server_->state();
  expect_botocore_signature(st);
  EXPECT_NE(st["last_auth"]["canonical_request"].get<std::string>().find("host:aqe-faults.localhost:"),
            std::string::npos)
      << st["last_auth"]["canonical_request"];
  EXPECT_EQ(st["objects"]["v/a b.txt"], 5);
  auto l = s3->list("v/");
  ASSERT_TRUE(l) << l.failure().message;
  ASSERT_EQ(l->size(), 1u);
  ASSERT_TRUE(s3->get("v/a b.txt", dir_.path() / "out"));
  EXPECT_EQ(slurp(dir_.path() / "out"), "vhost");
}

TEST_F(S3Faults, SigV4WithASessionTokenEqualsBotocores) {
  S3Options o = options();
  o.credentials.session_token = "FwoGZXIvYXdzEJr//////////session+token=";
  auto s3 = make_s3_backend(o);
  const fs::path f = dir_.write("f.txt", "x");
  auto p = s3->put("sig/token", f);
  ASSERT_TRUE(p) << p.failure().message;
  const json st = server_->state();
  expect_botocore_signature(st);
  EXPECT_NE(st["last_auth"]["canonical_request"].get<std::string>().find("x-amz-security-token"),
            std::string::npos);
}

TEST_F(S3Faults, SigV4OnMultipartQueriesEqualsBotocores) {
  S3Options o = options();
  o.multipart_threshold = 1 << 20;
  o.part_size = 5 << 20;
  auto s3 = make_s3_backend(o);
  const fs::path f = dir_.write("big.bin", random_bytes((5 << 20) + 10, 2));
  // ?uploads=, ?partNumber=&uploadId= and ?uploadId= are all verified by the server; the
  // upload only succeeds when each of them was signed as botocore signs it.
  auto p = s3->put("sig/multi", f);
  ASSERT_TRUE(p) << p.failure().message;
  expect_botocore_signature(server_->state());
}

TEST(S3Credentials, ComeFromTheThreeVariablesAndNameTheMissingOne) {
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "AKID"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto c = s3_credentials_from_env(getenv);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.failure().kind, FailureKind::kAuth);
  EXPECT_NE(c.failure().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  env["AWS_SECRET_ACCESS_KEY"] = "s3cr3t";
  env["AWS_SESSION_TOKEN"] = "tok";
  c = s3_credentials_from_env(getenv);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->secret_access_key, "s3cr3t");
  EXPECT_EQ(c->session_token, "tok");
}

TEST(StoreFailureKinds, MapToTheContractsExitCodes) {
  EXPECT_EQ(exit_code_for(FailureKind::kTransient), ExitCode::kTransient);
  EXPECT_EQ(exit_code_for(FailureKind::kInterrupted), ExitCode::kInterrupted);
  for (auto k : {FailureKind::kNotFound, FailureKind::kPermanent, FailureKind::kAuth, FailureKind::kExists,
                 FailureKind::kCorrupt}) {
    EXPECT_EQ(exit_code_for(k), ExitCode::kUsage) << to_string(k);
  }
  EXPECT_EQ(to_error(StoreFailure{FailureKind::kNotFound, "m"}).code, "STORE_NOT_FOUND");
}

}  // namespace
}  // namespace aqe::store
