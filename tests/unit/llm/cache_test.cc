#include "aqe/llm/cache.h"

#include <gtest/gtest.h>

#include <fstream>

#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::llm {
namespace {

ProviderOptions opts(const std::string& model = "claude-haiku-4-5") {
  ProviderOptions o;
  o.provider = Provider::kAnthropic;
  o.model = model;
  o.api_key = "sk-ant-SECRET-KEY";
  return o;
}

TEST(ResponseCache, KeyChangesWithEveryInputButNotTheApiKey) {
  const ModelRequest q{"sys", "prompt", 512, 0};
  const std::string k = cache_key(opts(), q, 1);
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k, cache_key(opts(), q, 1));
  ProviderOptions other_key = opts();
  other_key.api_key = "another";
  EXPECT_EQ(k, cache_key(other_key, q, 1));
  EXPECT_NE(k, cache_key(opts("claude-sonnet-4-5"), q, 1));
  EXPECT_NE(k, cache_key(opts(), q, 2));
  EXPECT_NE(k, cache_key(opts(), ModelRequest{"sys", "prompt!", 512, 0}, 1));
  EXPECT_NE(k, cache_key(opts(), ModelRequest{"sys", "prompt", 513, 0}, 1));
  EXPECT_NE(k, cache_key(opts(), ModelRequest{"sys", "prompt", 512, 0.5}, 1));
  // Moving text between the system prompt and the prompt is another call.
  EXPECT_NE(cache_key(opts(), ModelRequest{"ab", "c", 1, 0}, 1),
            cache_key(opts(), ModelRequest{"a", "bc", 1, 0}, 1));
  ProviderOptions openai = opts();
  openai.provider = Provider::kOpenAi;
  EXPECT_NE(k, cache_key(openai, q, 1));
  openai.base_url = "http://127.0.0.1:8080/v1";
  EXPECT_NE(cache_key(openai, q, 1), cache_key(opts(), q, 1));
}

TEST(ResponseCache, RoundTripsAnAnswerWithoutTheKey) {
  aqe::testing::TempDir tmp;
  ResponseCache cache(tmp.path());
  const std::string k = cache_key(opts(), ModelRequest{"s", "p", 10, 0}, 1);
  EXPECT_FALSE(cache.get(k));
  ModelResponse r;
  r.text = "def test_x():\n    assert 1\n";
  r.model = "claude-haiku-4-5-20251001";
  r.stop_reason = "end_turn";
  r.usage = TokenUsage{10, 20, 30, 40, 0};
  r.attempts = 2;
  ASSERT_TRUE(cache.put(k, r));
  auto back = cache.get(k);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->text, r.text);
  EXPECT_EQ(back->model, r.model);
  EXPECT_EQ(back->usage.cache_read, 30);
  EXPECT_EQ(back->attempts, 0);
  const auto text = read_file(cache.path_of(k));
  ASSERT_TRUE(text);
  EXPECT_EQ(text->find("SECRET"), std::string::npos);
}

TEST(ResponseCache, DamagedOrForeignEntriesAreMisses) {
  aqe::testing::TempDir tmp;
  ResponseCache cache(tmp.path());
  const std::string k = cache_key(opts(), ModelRequest{}, 1);
  const std::string other = cache_key(opts(), ModelRequest{}, 2);
  ModelResponse r;
  r.text = "x";
  ASSERT_TRUE(cache.put(other, r));
  for (
      const std::string& body :
      {std::string("{\"version\":1,\"key\":\""), std::string("[]"),
       R"({"version":2,"key":")" + k + R"(","text":"x","usage":{}})",
       R"({"version":1,"key":")" + other +
           R"(","text":"x","usage":{"input":0,"cache_write":0,"cache_read":0,"output":0,"reasoning":0}})",
       R"({"version":1,"key":")" + k +
           R"(","text":"x","usage":{"input":-1,"cache_write":0,"cache_read":0,"output":0,"reasoning":0}})"}) {
    ASSERT_TRUE(write_file_atomic(cache.path_of(k), body));
    EXPECT_FALSE(cache.get(k)) << body;
  }
  EXPECT_FALSE(cache.get("../../etc/passwd"));
  EXPECT_FALSE(cache.put("nothex", r));
}

}  // namespace
}  // namespace aqe::llm
