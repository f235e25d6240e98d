// One model call through the project's HTTP client (net/): the Anthropic Messages API or an
// OpenAI(-compatible) chat completions endpoint, a prompt in, the text and the tokens by kind
// out. Retries, backoff and Retry-After (429, 5xx, Anthropic's 529 overloaded) are net/'s; when
// they run out the error is retry-safe (exit 4). The API key is passed in by the caller (who
// reads ANTHROPIC_API_KEY / OPENAI_API_KEY) and goes only into the request's header: it is in
// no error message, and net/ redacts x-api-key and Authorization from its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "aqe/llm/pricing.h"
#include "aqe/net/http.h"
#include "aqe/util/result.h"

namespace aqe::llm {

enum class Provider { kAnthropic, kOpenAi };

struct ProviderOptions {
  Provider provider = Provider::kAnthropic;
  std::string model;
  // Empty = the provider's (https://api.anthropic.com, https://api.openai.com/v1); for OpenAI
  // a compatible server's base, e.g. http://127.0.0.1:8080/v1 (".../chat/completions" is added).
  std::string base_url;
  std::string api_key;                        // may be empty for a local OpenAI-compatible server
  std::chrono::milliseconds timeout{60'000};  // the whole call, retries included
  int max_retries = 3;                        // retries after the first attempt
  net::RetryPolicy retry;                     // backoff parameters (tests inject sleep/random)
};

struct ModelRequest {
  std::string system;  // may be empty
  std::string prompt;  // the user message
  int64_t max_tokens = 4096;
  double temperature = 0;
};

struct ModelResponse {
  std::string text;         // the concatenated text blocks / the first choice's content
  std::string model;        // as the provider reported it (else the requested one)
  std::string stop_reason;  // end_turn, max_tokens, stop, length, ...
  TokenUsage usage;
  int attempts = 0;
};

// Anthropic requests carry this anthropic-version header.
inline constexpr const char* kAnthropicVersion = "2023-06-01";

// The request send() would make (for tests and debug logs: its headers hold the key).
net::HttpRequest build_request(const ProviderOptions& options, const ModelRequest& request);

// Errors: MODEL_HTTP_* from the HTTP failure (exit 4 when transient, throttled or timed out;
// 3 for a rejected key or request), MODEL_BAD_RESPONSE for a 2xx body that is not the
// provider's response shape (exit 4).
Result<ModelResponse> complete(const ProviderOptions& options, const ModelRequest& request);

}  // namespace aqe::llm
