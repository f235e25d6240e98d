#include "aqe/report/html.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <string_view>

#include "aqe/util/resources.h"

namespace aqe::report {
namespace {

namespace fs = std::filesystem;

std::string_view resource(std::string_view name) {
  auto r = find_resource(name);
  return r ? *r : std::string_view();
}

// The CSP source expression that allows exactly this inline element text and nothing else.
std::string csp_hash(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  std::array<unsigned char, 4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1> b64{};
  const int n = EVP_EncodeBlock(b64.data(), digest.data(), static_cast<int>(digest.size()));
  return "'sha256-" + std::string(reinterpret_cast<const char*>(b64.data()), static_cast<size_t>(n)) + "'";
}

// gzip at the fastest level: sources shrink about 4x either way, and level 1 keeps a
// 2,000-file report well under the 1 s bar.
std::string gzip(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// A path from the coverage data, resolved inside project_dir; empty when it points outside.
fs::path inside(const fs::path& project_dir, const std::string& path) {
  std::error_code ec;
  const fs::path root = fs::absolute(project_dir, ec).lexically_normal();
  if (ec) return {};
  fs::path p = (fs::path(path).is_absolute() ? fs::path(path) : root / path).lexically_normal();
  const fs::path rel = p.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return {};
  return p;
}

std::optional<std::string> read_capped(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  const auto size = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  // Sized to the file, not the cap: 2,000 small files must not cost 2,000 MiB of zeroing.
  std::string text(std::min<uintmax_t>(size, kMaxSourceBytes), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return std::nullopt;
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// Appends `template_text` with each "@NAME@" field replaced by its value.
void expand(std::string& out, std::string_view template_text,
            const std::map<std::string_view, std::string_view>& values) {
  size_t pos = 0;
  while (pos < template_text.size()) {
    const size_t at = template_text.find('@', pos);
    const size_t end = at == std::string_view::npos ? at : template_text.find('@', at + 1);
    if (end == std::string_view::npos) {
      out.append(template_text.substr(pos));
      return;
    }
    auto it = values.find(template_text.substr(at + 1, end - at - 1));
    if (it == values.end()) {
      out.append(template_text.substr(pos, end - pos));
      pos = end;
      continue;
    }
    out.append(template_text.substr(pos, at - pos));
    out.append(it->second);
    pos = end + 1;
  }
}

}  // namespace

std::string json_for_script(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    // '<' '>' '&' only occur inside JSON strings, where \u escapes mean the same characters.
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> read_sources(const nlohmann::json& document, const fs::path& project_dir) {
  std::map<std::string, std::string> sources;
  const auto coverage = document.find("coverage");
  if (coverage == document.end() || !coverage->is_object()) return sources;
  const auto files = coverage->find("files");
  if (files == coverage->end() || !files->is_array()) return sources;
  for (const auto& file : *files) {
    if (!file.is_object() || !file.contains("path") || !file["path"].is_string()) continue;
    const std::string path = file["path"].get<std::string>();
    const fs::path resolved = inside(project_dir, path);
    if (resolved.empty()) continue;
    if (auto text = read_capped(resolved)) sources.emplace(path, std::move(*text));
  }
  return sources;
}

std::string render_html(const nlohmann::json& document, const std::map<std::string, std::string>& sources) {
  // Sources travel gzip-compressed and base64-encoded: the page inflates one file when it is opened.
  nlohmann::json source_doc = nlohmann::json::object();
  nlohmann::json capped = nlohmann::json::array();
  for (const auto& [path, text] : sources) {
    const std::string_view capped_text = std::string_view(text).substr(0, kMaxSourceBytes);
    source_doc[path] = base64(gzip(capped_text));
    if (text.size() >= kMaxSourceBytes) capped.push_back(path);
  }
  const std::string data = json_for_script(document);
  const std::string source_data = json_for_script(nlohmann::json{
      {"encoding", "gzip+base64"}, {"files", std::move(source_doc)}, {"capped", std::move(capped)}});
  const std::string_view style = resource("report_page.css");
  const std::string_view script = resource("report_page.js");
  const std::string style_hash = csp_hash(style);
  const std::string script_hash = csp_hash(script);

  const std::string_view page = resource("report_page.html");
  std::string out;
  out.reserve(page.size() + style.size() + script.size() + data.size() + source_data.size() + 512);
  expand(out, page,
         {{"STYLE_HASH", style_hash},
          {"SCRIPT_HASH", script_hash},
          {"STYLE", style},
          {"SCRIPT", script},
          {"DATA", data},
          {"SOURCES", source_data}});
  return out;
}

}  // namespace aqe::report
