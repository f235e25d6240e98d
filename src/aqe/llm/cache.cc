#include "aqe/llm/cache.h"

#include <openssl/evp.h>

#include <array>

#include "aqe/util/fs.h"
#include "aqe/util/json.h"

namespace aqe::llm {

namespace {

using nlohmann::json;

constexpr int kEntryVersion = 1;

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(static_cast<size_t>(len) * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

bool is_key(const std::string& key) {
  if (key.size() != 64) return false;
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<int64_t> token_count(const json& usage, const char* name) {
  const json* v = member(usage, name);
  if (v == nullptr || !v->is_number_integer() || v->get<int64_t>() < 0) return std::nullopt;
  return v->get<int64_t>();
}

}  // namespace

std::string cache_key(const ProviderOptions& o, const ModelRequest& q, int template_version) {
  // An array, so that no field's text can be mistaken for another's boundary.
  const json inputs = json::array(
      {"aqe-llm-cache-v1", o.provider == Provider::kAnthropic ? "anthropic" : "openai",
       build_request(o, q).url, o.model, template_version, q.max_tokens, q.temperature, q.system, q.prompt});
  return sha256_hex(dump_json(inputs));
}

std::filesystem::path ResponseCache::path_of(const std::string& key) const {
  return dir_ / key.substr(0, 2) / (key + ".json");
}

std::optional<ModelResponse> ResponseCache::get(const std::string& key) const {
  if (!is_key(key)) return std::nullopt;
  auto text = read_file(path_of(key));
  if (!text) return std::nullopt;
  const ParsedJson doc = parse_json(*text);
  if (!doc || !doc.value.is_object()) return std::nullopt;
  const json& d = doc.value;
  const json* version = member(d, "version");
  const json* stored_key = member(d, "key");
  const json* body = member(d, "text");
  const json* usage = member(d, "usage");
  if (version == nullptr || *version != kEntryVersion || stored_key == nullptr || *stored_key != key ||
      body == nullptr || !body->is_string() || usage == nullptr || !usage->is_object())
    return std::nullopt;
  ModelResponse r;
  r.text = body->get<std::string>();
  if (const json* m = member(d, "model"); m != nullptr && m->is_string()) r.model = m->get<std::string>();
  if (const json* s = member(d, "stop_reason"); s != nullptr && s->is_string())
    r.stop_reason = s->get<std::string>();
  auto in = token_count(*usage, "input"), cw = token_count(*usage, "cache_write"),
       cr = token_count(*usage, "cache_read"), out = token_count(*usage, "output"),
       rs = token_count(*usage, "reasoning");
  if (!in || !cw || !cr || !out || !rs) return std::nullopt;
  // The tokens the original call used (what the hit saved); the hit itself costs nothing.
  r.usage = TokenUsage{*in, *cw, *cr, *out, *rs};
  r.attempts = 0;
  return r;
}

Status ResponseCache::put(const std::string& key, const ModelResponse& r) const {
  if (!is_key(key)) return make_error("CACHE_KEY", "not a response-cache key", {}, ExitCode::kUsage);
  const json doc = {{"version", kEntryVersion},
                    {"key", key},
                    {"model", r.model},
                    {"stop_reason", r.stop_reason},
                    {"text", r.text},
                    {"usage",
                     {{"input", r.usage.input},
                      {"cache_write", r.usage.cache_write},
                      {"cache_read", r.usage.cache_read},
                      {"output", r.usage.output},
                      {"reasoning", r.usage.reasoning}}}};
  return write_file_atomic(path_of(key), dump_json(doc));
}

}  // namespace aqe::llm
