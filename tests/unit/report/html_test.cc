#include "aqe/report/html.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "aqe/util/fs.h"
#include "temp_dir.h"
#include "test_data.h"

namespace aqe::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kBreakout = "</script><script>alert(1)</script>";

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
}

// The text of the <script> element with this id, as the browser sees it (up to the first "</script").
std::string script_text(const std::string& page, const std::string& id) {
  const std::string open = "<script type=\"application/json\" id=\"" + id + "\">";
  const size_t start = page.find(open);
  if (start == std::string::npos) return {};
  const size_t body = start + open.size();
  return page.substr(body, page.find("</script", body) - body);
}

// One embedded source as the page reads it: base64, then gunzip.
std::string embedded_source(const std::string& page, const std::string& path) {
  const json data = json::parse(script_text(page, "aqe-sources"));
  EXPECT_EQ(data["encoding"], "gzip+base64");
  const std::string encoded = data["files"].value(path, "");
  if (encoded.size() < 4) return "<missing>";
  std::string packed(encoded.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(packed.data()),
                                reinterpret_cast<const unsigned char*>(encoded.data()),
                                static_cast<int>(encoded.size()));
  if (n < 0) return "<bad base64>";
  packed.resize(static_cast<size_t>(n) -
                static_cast<size_t>(std::count(encoded.end() - 2, encoded.end(), '=')));
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out;
  char buffer[65536];
  z.next_in = reinterpret_cast<Bytef*>(packed.data());
  z.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "<bad gzip>";
}

json fixture() { return json::parse(aqe::testing::test_data("report/report_v1.json")); }

// Writes a page to $AQE_HTML_OUT/<name> when set, to open it in a browser while developing.
void keep(const std::string& name, const std::string& page) {
  const char* dir = std::getenv("AQE_HTML_OUT");
  if (dir == nullptr || *dir == '\0') return;
  fs::create_directories(dir);
  ASSERT_TRUE(write_file_atomic(fs::path(dir) / name, page).ok());
}

TEST(ReportHtmlJson, EscapesWhatCouldEndTheScriptElement) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"</script>", R"("\u003c/script\u003e")"},
      {"a & b", R"("a \u0026 b")"},
      {"<!--", R"("\u003c!--")"},
      {"line\xE2\x80\xA8sep\xE2\x80\xA9", R"("line\u2028sep\u2029")"},
      {"caf\xC3\xA9", "\"caf\xC3\xA9\""},
      {"bad \xFF byte", "\"bad \xEF\xBF\xBD byte\""},
  };
  for (const auto& c : cases) EXPECT_EQ(json_for_script(json(c.in)), c.out) << c.in;
}

TEST(ReportHtml, ProjectTextCannotCloseOrOpenAScript) {
  json doc = fixture();
  doc["tests"]["failures"][0]["test"] = kBreakout;
  doc["tests"]["failures"][0]["message"] = kBreakout;
  doc["coverage"]["files"][0]["path"] = "src/" + kBreakout + ".py";
  const std::map<std::string, std::string> sources = {
      {"src/" + kBreakout + ".py", "x = '" + kBreakout + "'\n"}};
  const std::string page = render_html(doc, sources);

  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(count(page, "<script"), 3u);  // the two data elements and the page's own script
  EXPECT_EQ(count(page, "</script>"), 3u);
  EXPECT_EQ(json::parse(script_text(page, "aqe-data")), doc);
  EXPECT_EQ(embedded_source(page, "src/" + kBreakout + ".py"), "x = '" + kBreakout + "'\n");
  keep("report_breakout.html", page);
}

TEST(ReportHtml, PageAllowsOnlyItsOwnInlineStyleAndScript) {
  const std::string page = render_html(fixture(), {});
  const size_t csp = page.find("http-equiv=\"Content-Security-Policy\"");
  ASSERT_NE(csp, std::string::npos);
  const std::string meta = page.substr(csp, page.find('>', csp) - csp);
  EXPECT_NE(meta.find("default-src 'none'"), std::string::npos) << meta;
  EXPECT_NE(meta.find("script-src 'sha256-"), std::string::npos) << meta;
  EXPECT_NE(meta.find("style-src 'sha256-"), std::string::npos) << meta;
  EXPECT_EQ(meta.find("unsafe"), std::string::npos) << meta;
  std::string without_svg_namespace = page;
  for (size_t at; (at = without_svg_namespace.find("http://www.w3.org/2000/svg")) != std::string::npos;) {
    without_svg_namespace.erase(at, 26);
  }
  EXPECT_EQ(without_svg_namespace.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find(" src="), std::string::npos);
  EXPECT_EQ(page.find("@DATA@"), std::string::npos);
}

TEST(ReportHtml, NullSectionsStayNull) {
  const json doc = {
      {"schema", "aqe-report"},  {"version", 1},         {"generated_at", "2026-12-02T01:00:00Z"},
      {"aqe_version", "0.1.0"},  {"branch", ""},         {"commit", ""},
      {"tests", nullptr},        {"coverage", nullptr},  {"gate", nullptr},
      {"security", nullptr},     {"generate", nullptr},  {"cost", nullptr},
      {"trends", json::array()}, {"comparison", nullptr}};
  const std::string page = render_html(doc, {});
  const json embedded = json::parse(script_text(page, "aqe-data"));
  for (const char* key : {"tests", "coverage", "gate", "security", "generate", "cost", "comparison"}) {
    EXPECT_TRUE(embedded[key].is_null()) << key;
  }
  keep("report_null.html", page);
}

TEST(ReportHtml, FixturePageWithSources) {
  const json doc = fixture();
  const auto sources = read_sources(doc, fs::path(AQE_TEST_DATA_DIR) / "report" / "project");
  ASSERT_EQ(sources.size(), 2u);  // generated_schema.py is not in the project: "source not available"
  EXPECT_EQ(sources.count("src/shop/generated_schema.py"), 0u);
  const std::string page = render_html(doc, sources);
  EXPECT_EQ(embedded_source(page, "src/shop/pricing.py"), sources.at("src/shop/pricing.py"));
  keep("report_v1.html", page);

  json partial = doc;
  partial["tests"]["complete"] = false;
  partial["tests"]["status"] = "interrupted";
  partial["comparison"]["measured"] = false;
  partial["comparison"]["base_run_id"] = nullptr;
  partial["comparison"]["reason"] = "unknown: base commit 9d8e7f6a5b4c was never measured";
  partial["trends"] = json::array({doc["trends"][0]});
  keep("report_partial.html", render_html(partial, sources));
}

TEST(ReportHtmlSources, CappedAndConfinedToTheProject) {
  aqe::testing::TempDir dir;
  dir.write("project/big.py", std::string(kMaxSourceBytes + 100, 'x'));
  dir.write("project/small.py", "print('hi')\n");
  dir.write("secret.txt", "outside");
  const json doc = {{"coverage",
                     {{"files",
                       {{{"path", "big.py"}},
                        {{"path", "small.py"}},
                        {{"path", "missing.py"}},
                        {{"path", "../secret.txt"}},
                        {{"path", (dir.path() / "secret.txt").string()}},
                        {{"path", (dir.path() / "project" / "small.py").string()}}}}}}};
  const auto sources = read_sources(doc, dir.path() / "project");
  EXPECT_EQ(sources.size(), 3u);
  ASSERT_EQ(sources.count("big.py"), 1u);
  EXPECT_EQ(sources.at("big.py").size(), kMaxSourceBytes);
  EXPECT_EQ(sources.at("small.py"), "print('hi')\n");
  EXPECT_EQ(sources.count((dir.path() / "project" / "small.py").string()), 1u);
  EXPECT_EQ(sources.count("missing.py"), 0u);
  EXPECT_EQ(sources.count("../secret.txt"), 0u);
  EXPECT_EQ(read_sources(json{{"coverage", nullptr}}, dir.path()).size(), 0u);
  EXPECT_EQ(read_sources(json::object(), dir.path()).size(), 0u);

  const std::string page = render_html(json{{"coverage", doc["coverage"]}}, sources);
  EXPECT_EQ(json::parse(script_text(page, "aqe-sources"))["capped"], json::array({"big.py"}));
  EXPECT_EQ(embedded_source(page, "big.py").size(), kMaxSourceBytes);
  EXPECT_EQ(embedded_source(page, "small.py"), "print('hi')\n");
}

// The issue's size bar: 10,000 tests and 2,000 source files stay under 10 MB.
TEST(ReportHtml, TwoThousandFilesStayUnderTenMegabytes) {
  json doc = fixture();
  json files = json::array();
  std::map<std::string, std::string> sources;
  std::string body;
  for (int line = 1; line <= 200; ++line)
    body += "    value_" + std::to_string(line) + " = compute(value, " + std::to_string(line) + ")\n";
  for (int i = 0; i < 2000; ++i) {
    const std::string path = "src/pkg" + std::to_string(i / 100) + "/module_" + std::to_string(i) + ".py";
    json missing = json::array();
    for (int line = 3; line <= 200; line += 7) missing.push_back(line);
    files.push_back({{"path", path},
                     {"lines_covered", 170},
                     {"lines_total", 200},
                     {"branches_covered", 30},
                     {"branches_total", 40},
                     {"line_rate", 85.0},
                     {"branch_rate", 75.0},
                     {"missing_lines", missing},
                     {"partial_branches", {{10, 12}, {20, -1}}}});
    sources[path] = body;
  }
  doc["coverage"]["files"] = files;
  doc["tests"]["total"] = 10000;
  json failures = json::array();
  for (int i = 0; i < 200; ++i) failures.push_back(doc["tests"]["failures"][0]);
  doc["tests"]["failures"] = failures;
  const std::string page = render_html(doc, sources);
  EXPECT_LT(page.size(), 10u * 1024 * 1024);
  EXPECT_EQ(json::parse(script_text(page, "aqe-data"))["coverage"]["files"].size(), 2000u);
}

}  // namespace
}  // namespace aqe::report
