// OSV records: parsing, range evaluation, aliases, severity, specifier overlap.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aqe/scan/osv.h"

namespace aqe::scan {
namespace {

using nlohmann::json;

Advisory parsed(const json& doc) {
  auto adv = parse_osv(doc, "test.json");
  EXPECT_TRUE(adv.ok());
  return adv.ok() ? adv.value() : Advisory{};
}

json record(const std::string& id, const std::string& eco, const std::string& name, const json& events,
            const json& extra = json::object()) {
  json doc = {
      {"id", id},
      {"affected", json::array({{{"package", {{"ecosystem", eco}, {"name", name}}},
                                 {"ranges", json::array({{{"type", eco == "npm" ? "SEMVER" : "ECOSYSTEM"},
                                                          {"events", events}}})}}})}};
  for (const auto& [k, v] : extra.items()) doc[k] = v;
  return doc;
}

VersionQuery exact(const std::string& v) { return VersionQuery{v, {}}; }

VersionQuery spec(const std::string& s) {
  auto clauses = parse_specifier(s);
  EXPECT_TRUE(clauses.has_value()) << s;
  return VersionQuery{std::nullopt, clauses.value_or(std::vector<SpecClause>{})};
}

struct RangeCase {
  std::string version;
  bool affected;
  std::string fixed;
};

TEST(OsvRange, IntroducedFixedAndLastAffected) {
  AdvisoryDb db;
  // Two affected windows in one range, then a last_affected window in a second record.
  db.add(parsed(record(
      "A-1", "PyPI", "pkg",
      json::array(
          {{{"introduced", "1.0"}}, {{"fixed", "1.5"}}, {{"introduced", "2.0"}}, {{"fixed", "2.0.3"}}}))));
  db.add(parsed(
      record("A-2", "PyPI", "pkg", json::array({{{"introduced", "3.0"}}, {{"last_affected", "3.2"}}}))));
  const std::vector<RangeCase> cases = {
      {"0.9", false, ""}, {"1.0", true, "1.5"},   {"1.4.99", true, "1.5"},     {"1.5", false, ""},
      {"1.9", false, ""}, {"2.0", true, "2.0.3"}, {"2.0.3rc1", true, "2.0.3"}, {"2.0.3", false, ""},
      {"3.0", true, ""},  {"3.2", true, ""},      {"3.2.post1", false, ""},    {"3.3", false, ""}};
  for (const auto& c : cases) {
    auto found = db.match(Ecosystem::kPyPI, "pkg", exact(c.version));
    EXPECT_EQ(!found.empty(), c.affected) << c.version;
    if (!found.empty()) {
      EXPECT_EQ(found[0].fixed, c.fixed) << c.version;
    }
  }
}

TEST(OsvRange, ZeroIntroducedAndUnsortedEvents) {
  AdvisoryDb db;
  db.add(
      parsed(record("B-1", "npm", "lodash", json::array({{{"fixed", "4.17.21"}}, {{"introduced", "0"}}}))));
  EXPECT_FALSE(db.match(Ecosystem::kNpm, "lodash", exact("4.17.20")).empty());
  EXPECT_FALSE(db.match(Ecosystem::kNpm, "lodash", exact("0.1.0")).empty());
  EXPECT_TRUE(db.match(Ecosystem::kNpm, "lodash", exact("4.17.21")).empty());
  EXPECT_TRUE(db.match(Ecosystem::kNpm, "lodash", exact("4.18.0-beta.1")).empty());
  EXPECT_TRUE(db.match(Ecosystem::kPyPI, "lodash", exact("4.17.20")).empty());  // other ecosystem
}

TEST(OsvRange, ExplicitVersionsListAndNameNormalisation) {
  AdvisoryDb db;
  json doc = {{"id", "PYSEC-X"},
              {"affected", json::array({{{"package", {{"ecosystem", "PyPI"}, {"name", "Foo_Bar.baz"}}},
                                         {"versions", json::array({"1.0", "1.1"})}}})}};
  db.add(parsed(doc));
  EXPECT_FALSE(db.match(Ecosystem::kPyPI, "foo-bar-baz", exact("1.1.0")).empty());
  EXPECT_FALSE(db.match(Ecosystem::kPyPI, "FOO__bar-Baz", exact("1.0")).empty());
  EXPECT_TRUE(db.match(Ecosystem::kPyPI, "foo-bar-baz", exact("1.2")).empty());
}

TEST(OsvAdvisory, AliasesAreReportedOnce) {
  AdvisoryDb db;
  json events = json::array({{{"introduced", "2.3.0"}}, {{"fixed", "2.31.0"}}});
  db.add(parsed(record("PYSEC-2023-74", "PyPI", "requests", events,
                       {{"aliases", json::array({"CVE-2023-32681", "GHSA-j8r2-6x86-q33q"})}})));
  db.add(parsed(record(
      "GHSA-j8r2-6x86-q33q", "PyPI", "requests", events,
      {{"aliases", json::array({"CVE-2023-32681"})}, {"database_specific", {{"severity", "MODERATE"}}}})));
  auto found = db.match(Ecosystem::kPyPI, "requests", exact("2.25.1"));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].advisory->id, "GHSA-j8r2-6x86-q33q");  // the record with a severity wins
  EXPECT_EQ(found[0].severity, Severity::kMedium);
  EXPECT_EQ(found[0].fixed, "2.31.0");
}

TEST(OsvAdvisory, WithdrawnAndForeignRecordsNeverMatch) {
  AdvisoryDb db;
  db.add(parsed(record("W-1", "PyPI", "requests", json::array({{{"introduced", "0"}}}),
                       {{"withdrawn", "2024-01-01T00:00:00Z"}})));
  db.add(parsed(record("D-1", "Debian:12", "requests", json::array({{{"introduced", "0"}}}))));
  EXPECT_EQ(db.size(), 0u);
  EXPECT_TRUE(db.match(Ecosystem::kPyPI, "requests", exact("1.0")).empty());
  EXPECT_FALSE(parse_osv(json::array(), "x.json").ok());
}

TEST(OsvAdvisory, SeverityFromDatabaseOrCvss) {
  struct Case {
    json extra;
    Severity want;
  };
  const std::vector<Case> cases = {
      {{{"database_specific", {{"severity", "CRITICAL"}}}}, Severity::kCritical},
      {{{"database_specific", {{"severity", "LOW"}}}}, Severity::kLow},
      {{{"severity",
         json::array({{{"type", "CVSS_V3"}, {"score", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}})}},
       Severity::kCritical},
      {{{"severity",
         json::array({{{"type", "CVSS_V3"}, {"score", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}}})}},
       Severity::kHigh},
      {json::object(), Severity::kMedium}};
  for (const auto& c : cases) {
    AdvisoryDb db;
    db.add(parsed(record("S", "PyPI", "p", json::array({{{"introduced", "0"}}}), c.extra)));
    auto found = db.match(Ecosystem::kPyPI, "p", exact("1.0"));
    ASSERT_EQ(found.size(), 1u) << c.extra.dump();
    EXPECT_EQ(found[0].severity, c.want) << c.extra.dump();
  }
}

TEST(Cvss3, BaseScoresOfPublishedVectors) {
  const std::vector<std::pair<std::string, double>> cases = {
      {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},  // the classic critical
      {"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 6.1},  // CVE-2023-32681 (requests)
      {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3},  // CVE-2020-28493 (jinja2)
      {"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2},  // CVE-2021-23337 (lodash)
      {"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},  // typical reflected XSS
      {"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0}};
  for (const auto& [vector, score] : cases) {
    auto got = cvss3_base_score(vector);
    ASSERT_TRUE(got.has_value()) << vector;
    EXPECT_DOUBLE_EQ(*got, score) << vector;
  }
  EXPECT_FALSE(cvss3_base_score("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P").has_value());
  EXPECT_FALSE(cvss3_base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").has_value());
}

TEST(OsvSpecifier, RangesThatAdmitAnAffectedVersion) {
  AdvisoryDb db;
  db.add(
      parsed(record("J-1", "PyPI", "jinja2", json::array({{{"introduced", "0"}}, {{"fixed", "2.11.3"}}}))));
  struct Case {
    std::string spec;
    bool matched;
    std::string lowest;
  };
  const std::vector<Case> cases = {{">=2.10,<3", true, "2.10"}, {">=2.11.3", false, ""},
                                   {"<2.0", true, "0"},         {"~=2.11.0", true, "2.11.0"},
                                   {">=3,<4", false, ""},       {"==2.11.*", true, "2.11"}};
  for (const auto& c : cases) {
    auto found = db.match(Ecosystem::kPyPI, "Jinja2", spec(c.spec));
    EXPECT_EQ(!found.empty(), c.matched) << c.spec;
    if (!found.empty()) {
      EXPECT_EQ(found[0].affected_version, c.lowest) << c.spec;
      EXPECT_EQ(found[0].fixed, "2.11.3") << c.spec;
    }
  }
}

TEST(PackageName, Pep503) {
  EXPECT_EQ(normalize_package_name(Ecosystem::kPyPI, "Friendly-Bard"), "friendly-bard");
  EXPECT_EQ(normalize_package_name(Ecosystem::kPyPI, "FRIENDLY._-BARD"), "friendly-bard");
  EXPECT_EQ(normalize_package_name(Ecosystem::kPyPI, "zope.interface"), "zope-interface");
  EXPECT_EQ(normalize_package_name(Ecosystem::kNpm, "@Scope/Pkg"), "@Scope/Pkg");
}

}  // namespace
}  // namespace aqe::scan
