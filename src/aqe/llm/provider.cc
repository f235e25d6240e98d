#include "aqe/llm/provider.h"

#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::llm {

namespace {

using nlohmann::json;

std::string_view name_of(Provider p) { return p == Provider::kAnthropic ? "anthropic" : "openai"; }

std::string endpoint(const ProviderOptions& o) {
  std::string base = o.base_url;
  if (base.empty())
    base = o.provider == Provider::kAnthropic ? "https://api.anthropic.com/v1" : "https://api.openai.com/v1";
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + (o.provider == Provider::kAnthropic ? "/messages" : "/chat/completions");
}

Error bad_response(const ProviderOptions& o, const std::string& why) {
  return make_error(
      "MODEL_BAD_RESPONSE", std::string(name_of(o.provider)) + " " + printable(o.model) + ": " + why,
      "the model API answered with something that is not a response; safe to retry", ExitCode::kTransient);
}

// The provider's error type ("overloaded_error", "rate_limit_exceeded"), never its message: an
// OpenAI 401 message quotes part of the key.
std::string error_type(const std::string& body) {
  const ParsedJson doc = parse_json(body);
  if (!doc) return {};
  const json* err = member(doc.value, "error");
  if (err == nullptr) return {};
  for (const char* key : {"type", "code"}) {
    const json* t = member(*err, key);
    if (t != nullptr && t->is_string()) return printable(t->get<std::string>().substr(0, 80));
  }
  return {};
}

Error http_error(const ProviderOptions& o, const net::HttpFailure& f) {
  Error e = net::to_error(f);
  e.code = "MODEL_" + e.code;
  const std::string type = error_type(f.body);
  e.message = std::string(name_of(o.provider)) + " " + printable(o.model) + ": " + e.message +
              (type.empty() ? "" : " [" + type + "]");
  if (f.kind == net::FailureKind::kAuth)
    e.hint = o.provider == Provider::kAnthropic ? "check ANTHROPIC_API_KEY" : "check OPENAI_API_KEY";
  else if (e.exit_code == ExitCode::kTransient)
    e.hint = "the model API is unavailable or rate limited; safe to retry later";
  return e;
}

Result<ModelResponse> parse_anthropic(const ProviderOptions& o, const json& doc) {
  ModelResponse r;
  const json* content = member(doc, "content");
  if (content == nullptr || !content->is_array()) return bad_response(o, "no content array");
  for (const auto& block : *content) {
    const json* type = member(block, "type");
    const json* text = member(block, "text");
    if (type != nullptr && *type == "text" && text != nullptr && text->is_string())
      r.text += text->get<std::string>();
  }
  const json* usage = member(doc, "usage");
  if (usage == nullptr) return bad_response(o, "no usage");
  auto t = anthropic_usage(*usage);
  if (!t) return t.error();
  r.usage = *t;
  if (const json* s = member(doc, "stop_reason"); s != nullptr && s->is_string())
    r.stop_reason = s->get<std::string>();
  if (const json* m = member(doc, "model"); m != nullptr && m->is_string()) r.model = m->get<std::string>();
  return r;
}

Result<ModelResponse> parse_openai(const ProviderOptions& o, const json& doc) {
  ModelResponse r;
  const json* choices = member(doc, "choices");
  if (choices == nullptr || !choices->is_array() || choices->empty()) return bad_response(o, "no choices");
  const json* message = member((*choices)[0], "message");
  const json* content = message != nullptr ? member(*message, "content") : nullptr;
  if (content == nullptr || !(content->is_string() || content->is_null()))
    return bad_response(o, "no message content");
  if (content->is_string()) r.text = content->get<std::string>();
  if (const json* s = member((*choices)[0], "finish_reason"); s != nullptr && s->is_string())
    r.stop_reason = s->get<std::string>();
  const json* usage = member(doc, "usage");
  if (usage == nullptr) return bad_response(o, "no usage");
  auto t = openai_usage(*usage);
  if (!t) return t.error();
  r.usage = *t;
  if (const json* m = member(doc, "model"); m != nullptr && m->is_string()) r.model = m->get<std::string>();
  return r;
}

}  // namespace

net::HttpRequest build_request(const ProviderOptions& o, const ModelRequest& q) {
  net::HttpRequest req;
  req.method = net::Method::kPost;
  req.url = endpoint(o);
  req.headers.emplace_back("Content-Type", "application/json");
  json body;
  if (o.provider == Provider::kAnthropic) {
    req.headers.emplace_back("x-api-key", o.api_key);
    req.headers.emplace_back("anthropic-version", kAnthropicVersion);
    body = {{"model", o.model},
            {"max_tokens", q.max_tokens},
            {"temperature", q.temperature},
            {"messages", json::array({{{"role", "user"}, {"content", q.prompt}}})}};
    if (!q.system.empty()) body["system"] = q.system;
  } else {
    if (!o.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + o.api_key);
    json messages = json::array();
    if (!q.system.empty()) messages.push_back({{"role", "system"}, {"content", q.system}});
    messages.push_back({{"role", "user"}, {"content", q.prompt}});
    body = {{"model", o.model},
            {"max_tokens", q.max_tokens},
            {"temperature", q.temperature},
            {"messages", messages}};
  }
  req.body = dump_json(body);
  req.retry = o.retry;
  req.retry.max_attempts = 1 + std::max(0, o.max_retries);
  req.timeouts.total = o.timeout;
  // A non-streamed answer arrives whole after the model finished: no byte may move for most of
  // the call, so only the total timeout bounds it.
  req.timeouts.stall = std::chrono::duration_cast<std::chrono::seconds>(o.timeout) + std::chrono::seconds(1);
  return req;
}

Result<ModelResponse> complete(const ProviderOptions& o, const ModelRequest& q) {
  const net::HttpResult res = net::send(build_request(o, q));
  if (!res) return http_error(o, res.failure());
  const ParsedJson doc = parse_json(res->body);
  if (!doc) return bad_response(o, "the body is not JSON (" + printable(doc.error->reason) + ")");
  if (!doc.value.is_object()) return bad_response(o, "the body is not a JSON object");
  auto r = o.provider == Provider::kAnthropic ? parse_anthropic(o, doc.value) : parse_openai(o, doc.value);
  if (!r) return r.error();
  if (r->model.empty()) r->model = o.model;
  r->attempts = res->attempts;
  return r;
}

}  // namespace aqe::llm
