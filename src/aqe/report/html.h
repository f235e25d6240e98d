// The self-contained HTML page of `aqe report generate --format html`: the report document
// and the covered files' sources embedded as JSON, rendered in the browser by an inline script.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace aqe::report {

// Sources larger than this are cut here (the page says so), so one generated file cannot bloat it.
inline constexpr size_t kMaxSourceBytes = 1024 * 1024;

// The sources of the files in document["coverage"]["files"], read from project_dir (each capped
// at kMaxSourceBytes; unreadable files and paths outside project_dir are absent).
std::map<std::string, std::string> read_sources(const nlohmann::json& document,
                                                const std::filesystem::path& project_dir);

// One self-contained HTML page for a report document (version 1): no network, a CSP that
// allows only the page's own inline style and script. The document is embedded as it is
// (<script id="aqe-data">); the sources as {"encoding": "gzip+base64", "files": {path: data},
// "capped": [paths cut at kMaxSourceBytes]} (<script id="aqe-sources">).
std::string render_html(const nlohmann::json& document, const std::map<std::string, std::string>& sources);

// JSON text that is safe inside <script type="application/json">: '<', '>', '&', U+2028 and
// U+2029 are written as \u escapes, invalid UTF-8 is replaced.
std::string json_for_script(const nlohmann::json& value);

}  // namespace aqe::report
