// The providers against a scripted server on 127.0.0.1: both wire formats, retries on 429
// (Retry-After), 500 and Anthropic's 529 overloaded, then a retry-safe error; malformed and slow
// answers; and the key never in an error.
#include "aqe/llm/provider.h"

#include <gtest/gtest.h>

#include "net/test_http_server.h"

namespace aqe::llm {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ScriptedResponse;
using testing::TestHttpServer;

constexpr const char* kKey = "sk-test-SECRET-0123456789";

struct Sleeps {
  std::vector<std::chrono::milliseconds> waits;
};

ProviderOptions options(Provider p, const TestHttpServer& server, Sleeps& sleeps) {
  ProviderOptions o;
  o.provider = p;
  o.model = p == Provider::kAnthropic ? "claude-haiku-4-5" : "gpt-4o-mini";
  o.base_url = server.url("/v1/");
  o.api_key = kKey;
  o.timeout = 10s;
  o.max_retries = 2;
  o.retry.sleep = [&sleeps](std::chrono::milliseconds d) {
    sleeps.waits.push_back(d);
    return true;
  };
  o.retry.random = [] { return 0.0; };
  return o;
}

ScriptedResponse json_response(int status, const std::string& body,
                               std::vector<std::pair<std::string, std::string>> h = {}) {
  h.emplace_back("Content-Type", "application/json");
  return {status, h, body};
}

const std::string kAnthropicOk =
    R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
        "content":[{"type":"text","text":"def test_a():\n"},{"type":"text","text":"    assert True\n"}],
        "stop_reason":"end_turn",
        "usage":{"input_tokens":120,"cache_creation_input_tokens":0,"cache_read_input_tokens":900,"output_tokens":40}})";

const std::string kOpenAiOk =
    R"({"id":"c1","object":"chat.completion","model":"gpt-4o-mini-2024-07-18",
        "choices":[{"index":0,"message":{"role":"assistant","content":"def test_b(): pass"},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":1100,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":1024}}})";

void expect_no_key(const Error& e) {
  EXPECT_EQ(e.message.find(kKey), std::string::npos) << e.message;
  EXPECT_EQ(e.hint.find(kKey), std::string::npos) << e.hint;
  EXPECT_EQ(e.message.find("SECRET"), std::string::npos) << e.message;
}

TEST(Provider, AnthropicMessagesWireFormat) {
  TestHttpServer server({json_response(200, kAnthropicOk)});
  Sleeps s;
  auto r =
      complete(options(Provider::kAnthropic, server, s), ModelRequest{"be brief", "write a test", 256, 0});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "def test_a():\n    assert True\n");
  EXPECT_EQ(r->model, "claude-haiku-4-5-20251001");
  EXPECT_EQ(r->stop_reason, "end_turn");
  EXPECT_EQ(r->usage.input, 120);
  EXPECT_EQ(r->usage.cache_read, 900);
  EXPECT_EQ(r->usage.output, 40);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/v1/messages");
  EXPECT_EQ(got[0].header("x-api-key"), kKey);
  EXPECT_EQ(got[0].header("anthropic-version"), kAnthropicVersion);
  EXPECT_FALSE(got[0].header("Authorization"));
  const json body = json::parse(got[0].body);
  EXPECT_EQ(body["model"], "claude-haiku-4-5");
  EXPECT_EQ(body["max_tokens"], 256);
  EXPECT_EQ(body["system"], "be brief");
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(body["messages"][0]["content"], "write a test");
}

TEST(Provider, OpenAiChatCompletionsOnACompatibleBaseUrl) {
  TestHttpServer server({json_response(200, kOpenAiOk)});
  Sleeps s;
  auto r = complete(options(Provider::kOpenAi, server, s), ModelRequest{"sys", "write a test", 128, 0});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "def test_b(): pass");
  EXPECT_EQ(r->stop_reason, "stop");
  EXPECT_EQ(r->usage.input, 76);
  EXPECT_EQ(r->usage.cache_read, 1024);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/v1/chat/completions");
  EXPECT_EQ(got[0].header("Authorization"), std::string("Bearer ") + kKey);
  EXPECT_FALSE(got[0].header("x-api-key"));
  const json body = json::parse(got[0].body);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "write a test");
}

TEST(Provider, LocalServerWithoutKeySendsNoAuthorization) {
  TestHttpServer server({json_response(200, kOpenAiOk)});
  Sleeps s;
  ProviderOptions o = options(Provider::kOpenAi, server, s);
  o.api_key.clear();
  ASSERT_TRUE(complete(o, ModelRequest{}));
  EXPECT_FALSE(server.requests()[0].header("Authorization"));
}

TEST(Provider, RetriesHonourRetryAfterAnd500ThenSucceed) {
  TestHttpServer server(
      {json_response(429, R"({"error":{"type":"rate_limit_error"}})", {{"Retry-After", "2"}}),
       json_response(500, "{}"), json_response(200, kAnthropicOk)});
  Sleeps s;
  auto r = complete(options(Provider::kAnthropic, server, s), ModelRequest{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(server.request_count(), 3u);
  ASSERT_EQ(s.waits.size(), 2u);
  EXPECT_GE(s.waits[0], 2000ms);
}

TEST(Provider, OverloadedAfterTheRetriesIsRetrySafeAndNamesTheErrorType) {
  TestHttpServer server(
      {json_response(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})")});
  Sleeps s;
  auto r = complete(options(Provider::kAnthropic, server, s), ModelRequest{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().exit_code, ExitCode::kTransient);
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_NE(r.error().message.find("overloaded_error"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().code.rfind("MODEL_HTTP_", 0), 0u) << r.error().code;
  expect_no_key(r.error());
}

TEST(Provider, MalformedJsonAndWrongShapesAreRetrySafeErrors) {
  for (const std::string& body :
       {std::string("{\"content\": [ ..."), std::string("[]"), std::string(R"({"content":[]})"),
        std::string(R"({"content":[],"usage":{"input_tokens":-5}})")}) {
    TestHttpServer server({json_response(200, body)});
    Sleeps s;
    auto r = complete(options(Provider::kAnthropic, server, s), ModelRequest{});
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().exit_code, ExitCode::kTransient) << body;
  }
  TestHttpServer server({json_response(200, R"({"choices":[],"usage":{}})")});
  Sleeps s;
  auto r = complete(options(Provider::kOpenAi, server, s), ModelRequest{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "MODEL_BAD_RESPONSE");
}

TEST(Provider, ARejectedKeyIsExit3AndItsMessageIsNotEchoed) {
  // OpenAI's 401 quotes part of the key in its message: only the error type may be shown.
  TestHttpServer server(
      {json_response(401, std::string(R"({"error":{"message":"Incorrect API key provided: )") + kKey +
                              R"(","type":"invalid_request_error","code":"invalid_api_key"}})")});
  Sleeps s;
  auto r = complete(options(Provider::kOpenAi, server, s), ModelRequest{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(r.error().hint.find("OPENAI_API_KEY"), std::string::npos);
  EXPECT_EQ(server.request_count(), 1u);
  expect_no_key(r.error());
}

TEST(Provider, ASlowAnswerTimesOutRetrySafe) {
  ScriptedResponse slow;
  slow.stall = true;
  TestHttpServer server({slow});
  Sleeps s;
  ProviderOptions o = options(Provider::kOpenAi, server, s);
  o.timeout = 600ms;
  o.max_retries = 0;
  auto r = complete(o, ModelRequest{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().exit_code, ExitCode::kTransient);
  expect_no_key(r.error());
}

}  // namespace
}  // namespace aqe::llm
