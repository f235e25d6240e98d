#include "aqe/net/http.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "aqe/exec/process.h"
#include "aqe/net/retry.h"
#include "aqe/net/transfer.h"
#include "aqe/util/fs.h"
#include "net/test_http_server.h"
#include "temp_dir.h"

namespace aqe::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::RefusingPort;
using testing::ScriptedResponse;
using testing::TempDir;
using testing::TestHttpServer;

// A request whose backoff waits are recorded instead of slept, with a fixed random draw.
struct Recorded {
  std::vector<milliseconds> sleeps;
};

HttpRequest fast_request(const std::string& url, Recorded& rec, double u = 0.5) {
  HttpRequest req;
  req.url = url;
  req.retry.sleep = [&rec](milliseconds d) {
    rec.sleeps.push_back(d);
    return true;
  };
  req.retry.random = [u] { return u; };
  return req;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

ScriptedResponse stalled() {
  ScriptedResponse r;
  r.stall = true;
  return r;
}

std::string describe(const HttpResult& r) { return r.ok() ? "ok" : r.failure().message; }

TEST(Http, GetReturnsStatusBodyAndHeaders) {
  TestHttpServer server({{200, {{"X-Request-Id", "abc"}, {"Content-Type", "text/plain"}}, "hello"}});
  Recorded rec;
  auto r = send(fast_request(server.url("/a/b?x=1"), rec));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->headers.get("x-request-id").value_or(""), "abc");
  EXPECT_EQ(r->headers.get("CONTENT-TYPE").value_or(""), "text/plain");
  EXPECT_FALSE(r->headers.get("X-Absent").has_value());
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "GET");
  EXPECT_EQ(got[0].target, "/a/b?x=1");
  EXPECT_TRUE(rec.sleeps.empty());
}

TEST(Http, MethodsAndInMemoryBodies) {
  struct Case {
    Method method;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string want_method;
    std::string want_content_type;
  };
  const std::vector<Case> cases = {
      {Method::kPost, R"({"a":1})", {{"Content-Type", "application/json"}}, "POST", "application/json"},
      {Method::kPost, "raw", {}, "POST", "application/octet-stream"},
      {Method::kPut, "blob", {}, "PUT", "application/octet-stream"},
      {Method::kPut, "", {}, "PUT", "application/octet-stream"},
      {Method::kDelete, "", {}, "DELETE", ""},
      {Method::kHead, "", {}, "HEAD", ""},
  };
  for (const auto& c : cases) {
    TestHttpServer server({{204, {}, ""}});
    Recorded rec;
    auto req = fast_request(server.url("/obj"), rec);
    req.method = c.method;
    req.body = c.body;
    req.headers = c.headers;
    auto r = send(req);
    ASSERT_TRUE(r.ok()) << c.want_method << ": " << describe(r);
    EXPECT_EQ(r->status, 204);
    const auto got = server.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].method, c.want_method);
    EXPECT_EQ(got[0].body, c.body) << c.want_method;
    EXPECT_EQ(got[0].header("Content-Type").value_or(""), c.want_content_type) << c.want_method;
  }
}

TEST(Http, RetriesA503AndSucceeds) {
  TestHttpServer server({{503, {}, "busy"}, {200, {}, "ok"}});
  Recorded rec;
  auto r = send(fast_request(server.url(), rec));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(server.request_count(), 2u);
  ASSERT_EQ(rec.sleeps.size(), 1u);
}

TEST(Http, HonoursRetryAfterSeconds) {
  TestHttpServer server({{429, {{"Retry-After", "1"}}, ""}, {200, {}, "ok"}});
  Recorded rec;
  auto r = send(fast_request(server.url(), rec, 0.0));  // jitter alone would wait 0 ms
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r->attempts, 2);
  ASSERT_EQ(rec.sleeps.size(), 1u);
  EXPECT_GE(rec.sleeps[0], 1000ms);
}

TEST(Http, HonoursRetryAfterHttpDate) {
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);  // 2023-11-14T22:13:20Z
  TestHttpServer server({{503, {{"Retry-After", "Tue, 14 Nov 2023 22:13:25 GMT"}}, ""}, {200, {}, "ok"}});
  Recorded rec;
  auto req = fast_request(server.url(), rec, 0.0);
  req.retry.now = [now] { return now; };
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  ASSERT_EQ(rec.sleeps.size(), 1u);
  EXPECT_EQ(rec.sleeps[0], 5000ms);
}

TEST(Http, RetryAfterBeyondThePolicyFailsAtOnce) {
  TestHttpServer server({{429, {{"Retry-After", "3600"}}, ""}, {200, {}, "ok"}});
  Recorded rec;
  auto r = send(fast_request(server.url(), rec));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, FailureKind::kThrottled);
  EXPECT_EQ(r.failure().attempts, 1);
  EXPECT_EQ(r.failure().status, 429);
  EXPECT_NE(r.failure().message.find("Retry-After"), std::string::npos) << r.failure().message;
  EXPECT_TRUE(rec.sleeps.empty());
}

TEST(Http, StatusDecidesKindAndRetries) {
  struct Case {
    ScriptedResponse response;
    FailureKind kind;
    int attempts;
  };
  const std::vector<Case> cases = {
      {{404, {}, "no such key"}, FailureKind::kPermanent, 1},
      {{400, {}, ""}, FailureKind::kPermanent, 1},
      {{409, {}, ""}, FailureKind::kPermanent, 1},
      {{401, {}, ""}, FailureKind::kAuth, 1},
      {{403, {}, "<Code>SignatureDoesNotMatch</Code>"}, FailureKind::kAuth, 1},
      {{408, {}, ""}, FailureKind::kTimeout, 3},
      {{429, {}, ""}, FailureKind::kThrottled, 3},
      {{500, {}, ""}, FailureKind::kTransient, 3},
      {{502, {}, ""}, FailureKind::kTransient, 3},
      {{503, {}, ""}, FailureKind::kTransient, 3},
      {{503, {}, "<Error><Code>SlowDown</Code></Error>"}, FailureKind::kThrottled, 3},
      {{504, {}, ""}, FailureKind::kTransient, 3},
      {{501, {}, ""}, FailureKind::kPermanent, 1},
      {{302, {{"Location", "/elsewhere"}}, ""}, FailureKind::kPermanent, 1},
  };
  for (const auto& c : cases) {
    TestHttpServer server({c.response});
    Recorded rec;
    auto r = send(fast_request(server.url(), rec));
    const std::string label = "HTTP " + std::to_string(c.response.status) + " " + c.response.body;
    ASSERT_FALSE(r.ok()) << label;
    const HttpFailure& f = r.failure();
    EXPECT_EQ(f.kind, c.kind) << label << ": " << to_string(f.kind);
    EXPECT_EQ(f.status, c.response.status) << label;
    EXPECT_EQ(f.attempts, c.attempts) << label;
    EXPECT_EQ(server.request_count(), static_cast<size_t>(c.attempts)) << label;
    EXPECT_EQ(rec.sleeps.size(), static_cast<size_t>(c.attempts - 1)) << label;
    EXPECT_EQ(f.body, c.response.body) << label;
    EXPECT_NE(f.message.find("HTTP " + std::to_string(c.response.status)), std::string::npos) << f.message;
  }
}

TEST(Http, ThrottlingWaitsOnTheLongerBase) {
  TestHttpServer server({{429, {}, ""}, {500, {}, ""}, {200, {}, ""}});
  Recorded rec;
  auto req = fast_request(server.url(), rec, 0.999);
  req.retry.base_delay = 100ms;
  req.retry.throttled_base_delay = 1000ms;
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r->attempts, 3);
  ASSERT_EQ(rec.sleeps.size(), 2u);
  EXPECT_GT(rec.sleeps[0], 900ms);  // throttled: ~1000 ms * 2^0
  EXPECT_LT(rec.sleeps[1], 201ms);  // transient: ~100 ms * 2^1
}

TEST(Http, BackoffBetweenAttemptsIsFullJitterOnACappedExponential) {
  TestHttpServer server({{500, {}, ""}});
  Recorded rec;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  auto req = fast_request(server.url(), rec);
  req.retry.random = [&] { return uniform(rng); };
  req.retry.max_attempts = 8;
  req.retry.base_delay = 100ms;
  req.retry.max_delay = 2s;
  auto r = send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().attempts, 8);
  ASSERT_EQ(rec.sleeps.size(), 7u);
  for (size_t n = 0; n < rec.sleeps.size(); ++n) {
    EXPECT_GE(rec.sleeps[n], 0ms);
    EXPECT_LE(rec.sleeps[n], std::min<milliseconds>(2s, 100ms * (1 << n))) << "retry " << n;
  }
}

TEST(Http, ConnectionRefusedIsTransientAndRetried) {
  const RefusingPort port;
  Recorded rec;
  std::vector<RetryNotice> notices;
  auto req = fast_request(port.url("/x"), rec);
  req.retry.on_retry = [&](const RetryNotice& n) { notices.push_back(n); };
  auto r = send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, FailureKind::kTransient) << r.failure().message;
  EXPECT_EQ(r.failure().status, 0);
  EXPECT_EQ(r.failure().attempts, 3);
  EXPECT_EQ(rec.sleeps.size(), 2u);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0].failed_attempt, 1);
  EXPECT_EQ(notices[1].failed_attempt, 2);
  EXPECT_EQ(exit_code_for(r.failure().kind), ExitCode::kTransient);
}

TEST(Http, StalledServerTimesOut) {
  TestHttpServer server({stalled()});
  Recorded rec;
  auto req = fast_request(server.url(), rec);
  req.timeouts.stall = 1s;
  req.retry.max_attempts = 1;
  const auto start = std::chrono::steady_clock::now();
  auto r = send(req);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, FailureKind::kTimeout) << r.failure().message;
  EXPECT_EQ(r.failure().attempts, 1);
  EXPECT_LT(took, 4s);
}

TEST(Http, TotalTimeoutBoundsAllAttempts) {
  TestHttpServer server({stalled()});
  Recorded rec;
  auto req = fast_request(server.url(), rec);
  req.timeouts.total = 700ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = send(req);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, FailureKind::kTimeout) << r.failure().message;
  EXPECT_EQ(r.failure().attempts, 1);  // the first attempt used all of it
  EXPECT_LT(took, 3s);
}

TEST(Http, StreamsAnUploadFromAFileAndReopensItForEachAttempt) {
  const TempDir dir;
  const std::string content = random_bytes(3 * 1024 * 1024 + 17, 1);  // past libcurl's Expect threshold
  const fs::path file = dir.write("artifact.bin", content);
  TestHttpServer server({{500, {}, ""}, {200, {}, ""}});
  Recorded rec;
  auto req = fast_request(server.url("/bucket/key"), rec);
  req.method = Method::kPut;
  req.upload_from = file;
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r->attempts, 2);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& g : got) {
    EXPECT_EQ(g.method, "PUT");
    EXPECT_EQ(g.header("Content-Length").value_or(""), std::to_string(content.size()));
    EXPECT_TRUE(g.body == content) << "received " << g.body.size() << " bytes";
  }
}

TEST(Http, UploadsOnlyTheGivenRangeOfAFileOnEveryAttempt) {
  const TempDir dir;
  const std::string content = random_bytes(2 * 1024 * 1024 + 99, 2);
  const fs::path file = dir.write("big.bin", content);
  TestHttpServer server({{503, {}, ""}, {200, {}, ""}});
  Recorded rec;
  auto req = fast_request(server.url("/bucket/key?partNumber=2"), rec);
  req.method = Method::kPut;
  req.upload_from = file;
  req.upload_range = HttpRequest::ByteRange{1024 * 1024, 1024 * 1024 + 50};
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& g : got) {
    EXPECT_EQ(g.header("Content-Length").value_or(""), std::to_string(1024 * 1024 + 50));
    EXPECT_TRUE(g.body == content.substr(1024 * 1024, 1024 * 1024 + 50)) << "received " << g.body.size();
  }
  req.upload_range = HttpRequest::ByteRange{content.size() - 10, 11};  // one byte past the end
  auto past = send(req);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.failure().kind, FailureKind::kPermanent);
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(Http, PostsAFileBody) {
  const TempDir dir;
  const fs::path file = dir.write("req.json", R"({"q":"x"})");
  TestHttpServer server({{200, {}, "{}"}});
  Recorded rec;
  auto req = fast_request(server.url("/v1"), rec);
  req.method = Method::kPost;
  req.upload_from = file;
  req.headers = {{"Content-Type", "application/json"}};
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].body, R"({"q":"x"})");
  EXPECT_EQ(got[0].header("Content-Type").value_or(""), "application/json");
}

TEST(Http, MissingUploadFileIsPermanent) {
  TestHttpServer server({{200, {}, ""}});
  Recorded rec;
  auto req = fast_request(server.url(), rec);
  req.method = Method::kPut;
  req.upload_from = "/nonexistent/aqe-upload.bin";
  auto r = send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, FailureKind::kPermanent);
  EXPECT_NE(r.failure().message.find("/nonexistent/aqe-upload.bin"), std::string::npos);
  EXPECT_EQ(server.request_count(), 0u);
}

TEST(Http, StreamsADownloadToAFileAtomically) {
  const TempDir dir;
  const std::string content = random_bytes(5 * 1024 * 1024, 2);
  TestHttpServer server({{500, {}, "oops"}, {200, {}, content}});
  Recorded rec;
  auto req = fast_request(server.url("/big"), rec);
  req.download_to = dir.path() / "sub" / "big.bin";
  req.max_body_bytes = 1024;  // the cap is on memory; a file body is not held there
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_TRUE(r->body.empty());
  auto written = read_file(req.download_to);
  ASSERT_TRUE(written.ok());
  EXPECT_TRUE(*written == content) << written->size() << " bytes";
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path() / "sub")) ++entries;
  EXPECT_EQ(entries, 1u);  // no temp file left behind
}

TEST(Http, FailedDownloadLeavesNoFileAndKeepsTheErrorBody) {
  const TempDir dir;
  TestHttpServer server({{404, {}, "<Error><Code>NoSuchKey</Code></Error>"}});
  Recorded rec;
  auto req = fast_request(server.url("/missing"), rec);
  req.download_to = dir.path() / "out.bin";
  auto r = send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, FailureKind::kPermanent);
  EXPECT_EQ(r.failure().body, "<Error><Code>NoSuchKey</Code></Error>");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Http, BrokenOffDownloadIsRetriedAndLeavesNoPartialFile) {
  const TempDir dir;
  const std::string content = random_bytes(256 * 1024, 3);
  ScriptedResponse cut{200, {}, content};
  cut.cut_body_at = 1000;
  {
    TestHttpServer server({cut});
    Recorded rec;
    auto req = fast_request(server.url("/obj"), rec);
    req.download_to = dir.path() / "obj.bin";
    auto r = send(req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failure().kind, FailureKind::kTransient) << r.failure().message;
    EXPECT_EQ(r.failure().attempts, 3);
    EXPECT_TRUE(fs::is_empty(dir.path()));  // neither the file nor a temp file
  }
  {
    TestHttpServer server({cut, {200, {}, content}});
    Recorded rec;
    auto req = fast_request(server.url("/obj"), rec);
    req.download_to = dir.path() / "obj.bin";
    auto r = send(req);
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(r->attempts, 2);
    EXPECT_TRUE(read_file(req.download_to).value() == content);
  }
}

TEST(Http, StallInTheMiddleOfABodyTimesOut) {
  ScriptedResponse response{200, {}, std::string(100'000, 'b')};
  response.cut_body_at = 10;
  response.stall = true;
  TestHttpServer server({response});
  Recorded rec;
  auto req = fast_request(server.url(), rec);
  req.timeouts.stall = 1s;
  req.retry.max_attempts = 1;
  const auto start = std::chrono::steady_clock::now();
  auto r = send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, FailureKind::kTimeout) << r.failure().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST(Http, EmptyDownloadCreatesAnEmptyFile) {
  const TempDir dir;
  TestHttpServer server({{200, {}, ""}});
  Recorded rec;
  auto req = fast_request(server.url(), rec);
  req.download_to = dir.path() / "empty.bin";
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  ASSERT_TRUE(fs::exists(req.download_to));
  EXPECT_EQ(fs::file_size(req.download_to), 0u);
}

TEST(Http, ResponseSizeCap) {
  const std::string big(2000, 'x');
  {
    TestHttpServer server({{200, {}, big}});
    Recorded rec;
    auto req = fast_request(server.url(), rec);
    req.max_body_bytes = 1000;
    auto r = send(req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failure().kind, FailureKind::kPermanent);
    EXPECT_EQ(r.failure().attempts, 1);
    EXPECT_NE(r.failure().message.find("exceeds 1000 bytes"), std::string::npos) << r.failure().message;
  }
  {
    TestHttpServer server({{404, {}, big}});
    Recorded rec;
    auto req = fast_request(server.url(), rec);
    req.max_body_bytes = 1000;
    auto r = send(req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failure().status, 404);
    EXPECT_EQ(r.failure().body, big.substr(0, 1000));  // an error body is truncated, not fatal
  }
  {
    TestHttpServer server({{200, {}, big}});
    Recorded rec;
    auto req = fast_request(server.url(), rec);
    req.max_body_bytes = big.size();
    auto r = send(req);
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(r->body, big);
  }
}

TEST(Http, SigV4SignsTheRequest) {
  TestHttpServer server({{200, {}, "ok"}});
  Recorded rec;
  auto req = fast_request(server.url("/my-bucket/runs/1.json?versionId=3"), rec);
  req.sigv4 = AwsSigV4{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-value",
                       "eu-west-1", "s3"};
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  const std::string auth = got[0].header("Authorization").value_or("");
  EXPECT_TRUE(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")) << auth;
  EXPECT_NE(auth.find("/eu-west-1/s3/aws4_request"), std::string::npos) << auth;
  EXPECT_NE(auth.find("SignedHeaders="), std::string::npos) << auth;
  EXPECT_NE(auth.find("x-amz-security-token"), std::string::npos) << auth;  // the token is signed
  EXPECT_NE(auth.find("Signature="), std::string::npos) << auth;
  const std::string date = got[0].header("x-amz-date").value_or("");
  EXPECT_EQ(date.size(), 16u) << date;  // 20231114T221320Z
  EXPECT_EQ(got[0].header("x-amz-security-token").value_or(""), "session-token-value");
  EXPECT_EQ(got[0].header("x-amz-content-sha256").value_or(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");  // no body
  EXPECT_NE(auth.find("x-amz-content-sha256;x-amz-date"), std::string::npos) << auth;
  for (const auto& [name, value] : got[0].headers) {
    EXPECT_EQ(value.find("wJalrXUtnFEMI"), std::string::npos) << name;  // the secret never travels
  }
}

TEST(Http, SigV4UploadFromAFileIsSentUnsignedPayloadForS3) {
  const TempDir dir;
  const fs::path file = dir.write("a.bin", "payload");
  TestHttpServer server({{200, {}, ""}});
  Recorded rec;
  auto req = fast_request(server.url("/b/k"), rec);
  req.method = Method::kPut;
  req.upload_from = file;
  req.sigv4 = AwsSigV4{"AKIDEXAMPLE", "secret", "", "us-east-1", "s3"};
  auto r = send(req);
  ASSERT_TRUE(r.ok()) << describe(r);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].header("x-amz-content-sha256").value_or(""), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(got[0].body, "payload");
}

TEST(Http, SigV4KeepsAGivenPayloadHashAndLeavesOtherServicesAlone) {
  struct Case {
    std::string service;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string want;  // "" = no x-amz-content-sha256 header
  };
  const std::string hash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  for (const auto& c : std::vector<Case>{{"s3", {{"x-amz-content-sha256", hash}}, hash},
                                         {"execute-api", {}, ""},
                                         {"execute-api", {{"X-Amz-Content-Sha256", hash}}, hash}}) {
    TestHttpServer server({{200, {}, ""}});
    Recorded rec;
    auto req = fast_request(server.url("/x"), rec);
    req.method = Method::kPut;
    req.body = "hello";
    req.headers = c.headers;
    req.sigv4 = AwsSigV4{"AKIDEXAMPLE", "secret", "", "us-east-1", c.service};
    auto r = send(req);
    ASSERT_TRUE(r.ok()) << describe(r);
    const auto got = server.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].header("x-amz-content-sha256").value_or(""), c.want) << c.service;
    EXPECT_NE(got[0].header("Authorization").value_or("").find("/us-east-1/" + c.service + "/aws4_request"),
              std::string::npos);
  }
}

// A failed request's message and retry notices must not carry credentials, whatever failed.
TEST(Http, FailureMessagesCarryNoCredentials) {
  const std::vector<std::string> secrets = {"sk-ant-api03-SECRETSECRET",
                                            "Bearer-less-token-XYZ",
                                            "wJalrXUtnFEMI/K7MDENG",
                                            "sessTOKEN123",
                                            "hunter2pass",
                                            "SIGNATURE0123"};
  const RefusingPort refusing;
  TestHttpServer failing({{500, {}, ""}});
  TestHttpServer denying({{403, {}, ""}});
  for (const std::string& base : {refusing.url(), failing.url(), denying.url()}) {
    Recorded rec;
    std::vector<std::string> logged;
    const std::string url = "http://user:hunter2pass@" + base.substr(7) + "obj?X-Amz-Signature=SIGNATURE0123";
    auto req = fast_request(url, rec);
    req.headers = {{"Authorization", "Bearer Bearer-less-token-XYZ"},
                   {"x-api-key", "sk-ant-api03-SECRETSECRET"},
                   {"anthropic-version", "2023-06-01"}};
    req.sigv4 = AwsSigV4{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "sessTOKEN123", "us-east-1", "s3"};
    req.retry.on_retry = [&](const RetryNotice& n) { logged.push_back(n.message); };
    auto r = send(req);
    ASSERT_FALSE(r.ok()) << base;
    logged.push_back(r.failure().message);
    logged.push_back(to_error(r.failure()).message);
    for (const auto& line : logged) {
      EXPECT_NE(line.find("obj"), std::string::npos) << line;  // still says what failed
      for (const auto& s : secrets) EXPECT_EQ(line.find(s), std::string::npos) << s << " in: " << line;
    }
  }
}

TEST(Http, MalformedUrlIsPermanent) {
  Recorded rec;
  for (const std::string url : {"ftp://127.0.0.1/x", "http://", "not a url"}) {
    auto r = send(fast_request(url, rec));
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.failure().kind, FailureKind::kPermanent) << url << ": " << r.failure().message;
    EXPECT_EQ(r.failure().attempts, 1) << url;
  }
}

// Interrupt handlers are process-wide, so these run in a forked copy of the test process; the
// child's exit status reports the failure kind.
int run_interrupted_child(const std::function<HttpRequest(const std::string& url)>& make,
                          ScriptedResponse script) {
  const pid_t child = fork();
  if (child == 0) {
    exec::install_interrupt_handlers();
    TestHttpServer server({std::move(script)});
    std::thread interrupter([&] {
      while (server.request_count() == 0) std::this_thread::sleep_for(10ms);
      std::this_thread::sleep_for(100ms);
      kill(getpid(), SIGINT);
    });
    const auto start = std::chrono::steady_clock::now();
    auto r = send(make(server.url()));
    const auto took = std::chrono::steady_clock::now() - start;
    interrupter.join();
    if (r.ok()) _exit(10);
    if (took > 5s) _exit(11);
    _exit(static_cast<int>(r.failure().kind));
  }
  int status = 0;
  for (int i = 0; i < 200 && waitpid(child, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
  if (waitpid(child, &status, WNOHANG) == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

TEST(Http, InterruptAbortsATransfer) {
  const int kind = run_interrupted_child(
      [](const std::string& url) {
        HttpRequest req;
        req.url = url;
        req.timeouts.stall = 30s;
        return req;
      },
      stalled());
  EXPECT_EQ(kind, static_cast<int>(FailureKind::kInterrupted));
}

TEST(Http, InterruptAbortsABackoffWait) {
  const int kind = run_interrupted_child(
      [](const std::string& url) {
        HttpRequest req;
        req.url = url;
        req.retry.base_delay = 30s;
        req.retry.max_delay = 30s;
        req.retry.random = [] { return 0.999; };
        return req;
      },
      {503, {}, ""});
  EXPECT_EQ(kind, static_cast<int>(FailureKind::kInterrupted));
}

TEST(Http, NoAttemptStartsOnceInterrupted) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    exec::install_interrupt_handlers();
    raise(SIGINT);
    TestHttpServer server({{200, {}, "ok"}});
    HttpRequest req;
    req.url = server.url();
    auto r = send(req);
    if (r.ok() || server.request_count() != 0) _exit(10);
    _exit(static_cast<int>(r.failure().kind));
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), static_cast<int>(FailureKind::kInterrupted));
}

TEST(Http, ConcurrentSendsFromThreads) {
  TestHttpServer server({{200, {}, "ok"}});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      Recorded rec;
      if (send(fast_request(server.url(), rec)).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
}

TEST(HttpRetry, FullJitterStaysWithinTheCappedExponential) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  struct Case {
    milliseconds base;
    milliseconds cap;
  };
  for (const auto& c : std::vector<Case>{{100ms, 20s}, {1000ms, 20s}, {50ms, 1s}, {7ms, 7ms}, {30s, 20s}}) {
    for (int retry = 0; retry < 40; ++retry) {
      const milliseconds ceiling =
          std::min(c.cap, retry < 30 ? milliseconds(c.base.count() * (1LL << retry)) : c.cap);
      milliseconds highest{0};
      for (int i = 0; i < 200; ++i) {
        const milliseconds d = full_jitter_backoff(c.base, c.cap, retry, uniform(rng));
        EXPECT_GE(d, 0ms);
        EXPECT_LE(d, ceiling) << "base " << c.base.count() << " retry " << retry;
        highest = std::max(highest, d);
      }
      EXPECT_GE(highest, ceiling / 2) << "jitter spans the range";
    }
  }
  EXPECT_EQ(full_jitter_backoff(100ms, 20s, 3, 0.0), 0ms);
  EXPECT_EQ(full_jitter_backoff(100ms, 20s, 3, 0.5), 400ms);
  EXPECT_EQ(full_jitter_backoff(100ms, 1s, 10, 0.5), 500ms);
}

TEST(HttpTimeoutsScale, BodyAllowanceIsTheBytesAtTheMinimumRate) {
  struct Case {
    uint64_t bytes;
    uint64_t rate;
    long long ms;
  };
  const Case cases[] = {
      {0, 1 << 20, 0},                           // no body, no allowance
      {200ULL << 20, 1 << 20, 200'000},          // 200 MiB at 1 MiB/s
      {100, 50, 2000},                           // exact
      {1, 3, 333},                               // rounded down to the millisecond
      {5, 0, 0},                                 // no rate: the limit is fixed
      {1ULL << 50, 1 << 20, 1'073'741'824'000},  // 1 PiB: no overflow
  };
  for (const auto& c : cases) {
    EXPECT_EQ(body_allowance(c.bytes, c.rate).count(), c.ms) << c.bytes << " at " << c.rate;
  }
}

TEST(HttpTimeoutsScale, RequestBodyBytesAreTheRangeTheFileOrTheBody) {
  TempDir dir("aqe-http-body");
  HttpRequest req;
  req.body = "12345";
  EXPECT_EQ(request_body_bytes(req), 5u);
  req.upload_from = dir.write("f.bin", std::string(1234, 'x'));
  EXPECT_EQ(request_body_bytes(req), 1234u);
  req.upload_range = HttpRequest::ByteRange{1000, 200};
  EXPECT_EQ(request_body_bytes(req), 200u);
}

TEST(HttpRetry, ParsesRetryAfter) {
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);  // Tue, 14 Nov 2023 22:13:20 GMT
  struct Case {
    std::string value;
    std::optional<milliseconds> want;
  };
  const std::vector<Case> cases = {
      {"0", 0ms},
      {"1", 1000ms},
      {" 120 ", 120'000ms},
      {"Tue, 14 Nov 2023 22:13:30 GMT", 10'000ms},   // IMF-fixdate
      {"Tuesday, 14-Nov-23 22:13:21 GMT", 1'000ms},  // RFC 850
      {"Tue Nov 14 22:14:20 2023", 60'000ms},        // asctime
      {"Tue, 14 Nov 2023 22:00:00 GMT", 0ms},        // in the past: no wait
      {"soon", std::nullopt},
      {"", std::nullopt},
      {"-5", std::nullopt},
      {"1.5", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_retry_after(c.value, now), c.want) << c.value;
}

TEST(HttpRetry, KindsMapToExitCodes) {
  struct Case {
    FailureKind kind;
    bool retryable;
    ExitCode exit;
    std::string code;
  };
  for (const auto& c : std::vector<Case>{
           {FailureKind::kPermanent, false, ExitCode::kUsage, "HTTP_PERMANENT"},
           {FailureKind::kAuth, false, ExitCode::kUsage, "HTTP_AUTH"},
           {FailureKind::kThrottled, true, ExitCode::kTransient, "HTTP_THROTTLED"},
           {FailureKind::kTimeout, true, ExitCode::kTransient, "HTTP_TIMEOUT"},
           {FailureKind::kTransient, true, ExitCode::kTransient, "HTTP_TRANSIENT"},
           {FailureKind::kInterrupted, false, ExitCode::kInterrupted, "HTTP_INTERRUPTED"},
       }) {
    EXPECT_EQ(is_retryable(c.kind), c.retryable) << c.code;
    EXPECT_EQ(exit_code_for(c.kind), c.exit) << c.code;
    HttpFailure f;
    f.kind = c.kind;
    f.message = "m";
    const Error e = to_error(f);
    EXPECT_EQ(e.code, c.code);
    EXPECT_EQ(e.exit_code, c.exit);
    EXPECT_EQ(e.message, "m");
  }
}

}  // namespace
}  // namespace aqe::net
