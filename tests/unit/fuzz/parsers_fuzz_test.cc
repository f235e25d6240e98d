// Seeded mutation fuzzing of every parser of user input: config files, coverage reports
// (coverage.py JSON, Cobertura, LCOV), JUnit XML, SARIF, dependency manifests and lock files,
// the scan baseline and OSV records. Valid samples are mutated (byte flips, truncation,
// splices, deep nesting, huge numbers, wrong JSON types, invalid UTF-8); the property is that a
// parser returns a value or an error and never throws or crashes. Seeds are fixed, so a failure
// names a case that reproduces.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/config/config.h"
#include "aqe/coverage/coverage.h"
#include "aqe/gate/gate.h"
#include "aqe/results/junit.h"
#include "aqe/results/sarif.h"
#include "aqe/scan/baseline.h"
#include "aqe/scan/deps.h"
#include "aqe/scan/osv.h"
#include "aqe/util/json.h"
#include "test_data.h"

namespace aqe::fuzz {
namespace {

using nlohmann::json;

enum class Syntax { kJson, kXml, kText };

class Mutator {
 public:
  Mutator(uint32_t seed, Syntax syntax) : rng_(seed), syntax_(syntax) {}

  // One to three stacked mutations of `text`.
  std::string mutate(std::string text) {
    const uint32_t n = 1 + pick(3);
    for (uint32_t i = 0; i < n; ++i) text = mutate_once(std::move(text));
    return text;
  }

 private:
  // mt19937's raw output is the same on every platform (the distributions are not).
  uint32_t pick(size_t n) { return n == 0 ? 0 : static_cast<uint32_t>(rng_() % n); }

  std::string mutate_once(std::string s) {
    const size_t pos = pick(s.size() + 1);
    switch (pick(10)) {
      case 0:
        if (!s.empty()) s[pos % s.size()] = static_cast<char>(s[pos % s.size()] ^ (1 << pick(8)));
        return s;
      case 1: {
        static const std::vector<std::string> kBytes = {"\xff",
                                                        "\xc3",
                                                        "\xed\xa0\x80",
                                                        "\xc0\xaf",
                                                        std::string(1, '\0'),
                                                        "\"",
                                                        "\\",
                                                        "{",
                                                        "}",
                                                        "[",
                                                        "]",
                                                        ",",
                                                        ":",
                                                        "<",
                                                        ">",
                                                        "&",
                                                        "&#0;",
                                                        "]]>",
                                                        "\n",
                                                        "\r",
                                                        "\t",
                                                        "=",
                                                        "#",
                                                        "@",
                                                        "-r ",
                                                        "\\u",
                                                        "\\ud800"};
        return s.insert(pos, kBytes[pick(kBytes.size())]);
      }
      case 2:
        return s.substr(0, pos);
      case 3:
        return s.erase(pos, pick(64));
      case 4: {
        const std::string part = s.substr(pos, pick(256));
        return s.insert(pick(s.size() + 1), part);
      }
      case 5:
        return deep(std::move(s), pos);
      case 6:
        return huge_number(std::move(s), pos);
      case 7:
        return syntax_ == Syntax::kJson ? wrong_type(std::move(s)) : huge_number(std::move(s), pos);
      case 8: {
        // Invalid UTF-8 inside a string or attribute, where parsers copy bytes.
        const size_t quote = s.find('"', pos);
        return quote == std::string::npos ? s.insert(pos, "\xfe\xff") : s.insert(quote + 1, "\xff\xc3(");
      }
      default:
        return s.insert(pos, std::string(pick(2048), static_cast<char>('a' + pick(26))));
    }
  }

  std::string deep(std::string s, size_t pos) {
    // Mostly just past the bound; the 100,000 levels of the issue (500 KB) are slow at -O0.
    static const size_t kDepths[] = {129,  129,  129,  129,  129,   129,   129,   129,
                                     1000, 1000, 1000, 1000, 20000, 20000, 20000, 100000};
    const size_t depth = kDepths[pick(std::size(kDepths))];
    std::string open, close;
    if (syntax_ == Syntax::kXml) {
      for (size_t i = 0; i < depth; ++i) open += "<a>";
      for (size_t i = 0; i < depth; ++i) close += "</a>";
    } else {
      const bool objects = pick(2) == 0;
      open.reserve(depth * 5);
      for (size_t i = 0; i < depth; ++i) open += objects ? "{\"a\":" : "[";
      close.assign(depth, objects ? '}' : ']');
    }
    // Closed or not: both are inputs a parser must survive.
    return s.insert(pos, pick(2) == 0 ? open + close : open);
  }

  std::string huge_number(std::string s, size_t pos) {
    static const std::vector<std::string> kNumbers = {"1e999",
                                                      "-1e999",
                                                      "1e308",
                                                      "1e-999",
                                                      "99999999999999999999999",
                                                      "18446744073709551616",
                                                      "9223372036854775808",
                                                      "-9223372036854775809",
                                                      "1.5",
                                                      "-0",
                                                      "0.0",
                                                      "4294967296",
                                                      "NaN",
                                                      "1e300"};
    size_t digit = s.find_first_of("0123456789", pos);
    if (digit == std::string::npos) return s.insert(pos, kNumbers[pick(kNumbers.size())]);
    size_t end = s.find_first_not_of("0123456789.eE+-", digit);
    if (end == std::string::npos) end = s.size();
    return s.replace(digit, end - digit, kNumbers[pick(kNumbers.size())]);
  }

  // A valid document with one value replaced by a value of another type.
  std::string wrong_type(std::string s) {
    // Bounded: dump() recurses, and a mutated seed may nest 100,000 levels.
    ParsedJson parsed = parse_json(s);
    if (parsed.error) return s.insert(pick(s.size() + 1), "5");
    json& doc = parsed.value;
    std::vector<json*> nodes;
    std::vector<json*> stack = {&doc};
    while (!stack.empty()) {
      json* n = stack.back();
      stack.pop_back();
      nodes.push_back(n);
      if (n->is_structured())
        for (auto& child : *n) stack.push_back(&child);
    }
    static const std::vector<std::string> kValues = {"5",    "-1",   "1e300",      "\"x\"",  "[]",
                                                     "{}",   "null", "true",       "[1, 2]", "{\"a\": 1}",
                                                     "[[]]", "0.5",  "\"\\u0000\""};
    *nodes[pick(nodes.size())] = json::parse(kValues[pick(kValues.size())]);
    return doc.dump();
  }

  std::mt19937 rng_;
  Syntax syntax_;
};

struct Target {
  std::string name;
  Syntax syntax;
  std::vector<std::string> seeds;
  // Parses one input; reports a broken property with ADD_FAILURE.
  std::function<void(const std::string&)> parse;
};

// An error from an input reader is the user's input at fault: exit 3 with a message.
template <typename T>
void expect_input_error_shape(const Result<T>& r, const std::string& what) {
  if (r.ok()) return;
  EXPECT_EQ(r.error().exit_code, ExitCode::kUsage) << what << ": " << r.error().message;
  EXPECT_FALSE(r.error().message.empty()) << what;
}

// 15,000 cases in all: some 5 s of CPU in the debug build.
constexpr int kCasesPerTarget = 1000;

void run(const Target& t, uint32_t seed) {
  Mutator m(seed, t.syntax);
  for (int i = 0; i < kCasesPerTarget; ++i) {
    const std::string input = m.mutate(t.seeds[static_cast<size_t>(i) % t.seeds.size()]);
    try {
      t.parse(input);
    } catch (const std::exception& e) {
      ADD_FAILURE() << t.name << " threw on case " << i << " (seed " << seed << "): " << e.what()
                    << "\ninput starts: "
                    << json(input.substr(0, 200)).dump(-1, ' ', true, json::error_handler_t::replace);
      return;
    }
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << t.name << ": property broken on case " << i << " (seed " << seed << ")";
      return;
    }
  }
}

std::string fixture(const std::string& name) { return aqe::testing::test_data(name); }

const char* const kFleetConfig = R"({
  "project": {"source_dirs": ["src"], "exclude": ["build/*"]},
  "python": {"interpreter": "/usr/bin/python3"},
  "execute": {"parallel": true, "workers": 2, "timeout_s": 600, "retries": 1, "coverage": true},
  "generate": {"time_budget_s": 5, "coverage_target": 90},
  "llm": {"base_url": "https://user:token@llm.example.com/v1", "timeout_s": 30},
  "security": {"max_file_size_kb": 512, "rules": [
    {"id": "x", "regex": "xox[a-z]-[0-9]{10}", "severity": "high", "entropy": 3.5, "keywords": ["xox"]}]},
  "log": {"level": "info"}
})";

const char* const kGatesConfig = R"({
  "threshold": 75,
  "weights": {"line_coverage": 0.5, "branch_coverage": 0.2, "test_pass_rate": 0.2, "security": 0.1},
  "conditions": [{"metric": "line_coverage", "op": ">=", "value": 80}],
  "profiles": {"main": {"branches": ["main"], "blocking": true, "threshold": 90}},
  "scopes": [{"path": "src/auth/", "threshold": 95, "conditions": [{"metric": "line_coverage", "op": ">=", "value": 95}]}]
})";

const char* const kStorageConfig = R"({
  "backend": "s3", "s3": {"bucket": "b", "region": "eu-west-1", "endpoint_url": "http://127.0.0.1:9000"},
  "compression": {"algorithm": "zstd", "level": 3},
  "retention": {"default_days": 30, "keep_latest_n": 5}
})";

const char* const kBaseline = R"({"version": 1, "tool": "aqe security-scan", "findings": [
  {"fingerprint": "cbec28bf906877eb", "rule_id": "aws-access-key-id", "file": "src/a.py"},
  {"fingerprint": "0011223344556677", "rule_id": "generic-password", "file": "b.py"}]})";

const char* const kOsv = R"({"id": "PYSEC-2018-28", "aliases": ["CVE-2018-18074"], "summary": "s",
  "database_specific": {"severity": "HIGH"},
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}],
    "versions": ["2.19.0"]}]})";

std::vector<Target> targets() {
  std::vector<Target> out;
  const std::vector<std::pair<config::ConfigFile, std::string>> configs = {
      {config::ConfigFile::kFleet, kFleetConfig},
      {config::ConfigFile::kGates, kGatesConfig},
      {config::ConfigFile::kStorage, kStorageConfig}};
  for (const auto& [kind, seed] : configs) {
    out.push_back({"config " + std::string(config::file_name(kind)),
                   Syntax::kJson,
                   {seed},
                   [kind](const std::string& s) {
                     config::FileCheck c = config::check_text(kind, "config/x.json", s);
                     for (const auto& e : c.errors) EXPECT_FALSE(e.message.empty());
                     if (kind != config::ConfigFile::kGates || !c.errors.empty()) return;
                     // A file the validator accepts is read by the gate's sections as it is.
                     const json doc = parse_json(s).value;
                     const json none;
                     auto section = [&](const char* key) -> const json& {
                       const json* m = member(doc, key);
                       return m ? *m : none;
                     };
                     (void)gate::parse_conditions(section("conditions"), "conditions");
                     (void)gate::parse_profiles(section("profiles"));
                     (void)gate::parse_scopes(section("scopes"));
                   }});
  }
  auto coverage = [](const std::string& s) {
    // Line lists kept (the gate's diff coverage) or only validated: two paths of the readers.
    coverage::ReadOptions options;
    if (s.size() % 2 == 0) options.keep_lines_for.emplace();
    expect_input_error_shape(coverage::read_coverage(s, "coverage", options), "read_coverage");
  };
  out.push_back({"coverage.py JSON", Syntax::kJson, {fixture("gate/coverage.json")}, coverage});
  out.push_back({"Cobertura XML", Syntax::kXml, {fixture("gate/coverage.xml")}, coverage});
  out.push_back({"LCOV", Syntax::kText, {fixture("gate/coverage.lcov")}, coverage});
  out.push_back(
      {"JUnit XML",
       Syntax::kXml,
       {fixture("gate/junit-fail.xml"), fixture("gate/junit-pass.xml"), fixture("gate/ctest-junit.xml")},
       [](const std::string& s) {
         expect_input_error_shape(results::read_junit_report(s, "junit.xml"), "read_junit_report");
         (void)results::parse_junit(s, "junit.xml");
       }});
  out.push_back({"SARIF", Syntax::kJson, {fixture("gate/clang-analyzer.sarif")}, [](const std::string& s) {
                   expect_input_error_shape(results::parse_sarif(s, "scan.sarif"), "parse_sarif");
                 }});
  const std::string deps = "scan/deps/project/";
  out.push_back({"requirements.txt",
                 Syntax::kText,
                 {fixture(deps + "requirements.txt"), fixture(deps + "requirements-base.txt")},
                 [](const std::string& s) {
                   scan::ManifestRead r;
                   scan::read_requirements(s, "/nonexistent-aqe-fuzz/requirements.txt", "requirements.txt",
                                           r);
                 }});
  out.push_back(
      {"pyproject.toml", Syntax::kText, {fixture(deps + "pyproject.toml")}, [](const std::string& s) {
         scan::ManifestRead r;
         scan::read_pyproject(s, "pyproject.toml", r);
       }});
  out.push_back({"poetry.lock", Syntax::kText, {fixture(deps + "poetry.lock")}, [](const std::string& s) {
                   scan::ManifestRead r;
                   scan::read_poetry_lock(s, "poetry.lock", r);
                 }});
  out.push_back({"Pipfile.lock", Syntax::kJson, {fixture(deps + "Pipfile.lock")}, [](const std::string& s) {
                   scan::ManifestRead r;
                   scan::read_pipfile_lock(s, "Pipfile.lock", r);
                 }});
  out.push_back(
      {"package-lock.json", Syntax::kJson, {fixture(deps + "package-lock.json")}, [](const std::string& s) {
         scan::ManifestRead r;
         scan::read_package_lock(s, "package-lock.json", r);
       }});
  out.push_back({"scan baseline", Syntax::kJson, {kBaseline}, [](const std::string& s) {
                   auto b = scan::parse_baseline(s, "baseline.json");
                   if (!b.ok()) {
                     EXPECT_FALSE(b.error().message.empty());
                   }
                 }});
  out.push_back({"OSV record", Syntax::kJson, {kOsv}, [](const std::string& s) {
                   (void)scan::parse_osv(parse_json(s).value, "osv.json");
                 }});
  return out;
}

class ParserFuzz : public ::testing::TestWithParam<size_t> {};

TEST_P(ParserFuzz, NeverThrowsOrCrashes) {
  const std::vector<Target> all = targets();
  ASSERT_LT(GetParam(), all.size());
  const Target& t = all[GetParam()];
  for (const auto& seed : t.seeds) ASSERT_FALSE(seed.empty()) << t.name << ": empty seed";
  SCOPED_TRACE(t.name);
  run(t, static_cast<uint32_t>(0x5eed0000u + GetParam()));
}

INSTANTIATE_TEST_SUITE_P(AllParsers, ParserFuzz, ::testing::Range<size_t>(0, 15));

TEST(ParserFuzz, EveryTargetIsInstantiated) { EXPECT_EQ(targets().size(), 15u); }

}  // namespace
}  // namespace aqe::fuzz
