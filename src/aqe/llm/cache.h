// The response cache: a model's answer stored under the sha256 of everything that decides it
// (provider, endpoint, model, prompt template version, parameters, system prompt and prompt),
// so an identical call on unchanged code is answered from disk for $0. One JSON file per
// answer under <cache dir>/llm/; the API key is not an input and is never stored.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "aqe/llm/provider.h"
#include "aqe/util/result.h"

namespace aqe::llm {

// 64 hex digits. `template_version` names the prompt template that built request.prompt: a
// changed template must not be answered by the old template's responses.
std::string cache_key(const ProviderOptions& options, const ModelRequest& request, int template_version);

class ResponseCache {
 public:
  explicit ResponseCache(const std::filesystem::path& cache_dir) : dir_(cache_dir / "llm") {}

  // The stored answer (attempts = 0: no call was made), or nullopt. A file that does not read
  // back as an answer (truncated, from another version) is a miss, not an error.
  std::optional<ModelResponse> get(const std::string& key) const;
  // Stores atomically (temp file + rename): a reader never sees half an answer.
  Status put(const std::string& key, const ModelResponse& response) const;
  std::filesystem::path path_of(const std::string& key) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace aqe::llm
