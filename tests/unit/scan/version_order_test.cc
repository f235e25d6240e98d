// PEP 440 and semver ordering, requirement specifiers and Poetry constraints.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aqe/scan/version.h"

namespace aqe::scan {
namespace {

int pep(const std::string& a, const std::string& b) {
  auto x = parse_pep440(a), y = parse_pep440(b);
  EXPECT_TRUE(x.has_value()) << a;
  EXPECT_TRUE(y.has_value()) << b;
  if (!x || !y) return 99;
  return compare_pep440(*x, *y);
}

int sem(const std::string& a, const std::string& b) {
  auto x = parse_semver(a), y = parse_semver(b);
  EXPECT_TRUE(x.has_value()) << a;
  EXPECT_TRUE(y.has_value()) << b;
  if (!x || !y) return 99;
  return compare_semver(*x, *y);
}

// The total order example of PEP 440 ("Summary of permitted suffixes and relative ordering").
TEST(Pep440, SpecExampleIsStrictlyIncreasing) {
  const std::vector<std::string> order = {
      "1.0.dev456",    "1.0a1",         "1.0a2.dev456", "1.0a12.dev456",
      "1.0a12",        "1.0b1.dev456",  "1.0b2",        "1.0b2.post345.dev456",
      "1.0b2.post345", "1.0rc1.dev456", "1.0rc1",       "1.0",
      "1.0+abc.5",     "1.0+abc.7",     "1.0+5",        "1.0.post456.dev34",
      "1.0.post456",   "1.0.15",        "1.1.dev1"};
  for (size_t i = 0; i + 1 < order.size(); ++i) {
    EXPECT_LT(pep(order[i], order[i + 1]), 0) << order[i] << " < " << order[i + 1];
    EXPECT_GT(pep(order[i + 1], order[i]), 0) << order[i + 1] << " > " << order[i];
  }
}

TEST(Pep440, NormalisedSpellingsAreEqual) {
  const std::vector<std::pair<std::string, std::string>> same = {{"1.0", "1.0.0"},
                                                                 {"1.0alpha1", "1.0a1"},
                                                                 {"1.0-1", "1.0.post1"},
                                                                 {"v1.0", "1.0"},
                                                                 {"1.0.RC1", "1.0rc1"},
                                                                 {"1.0c1", "1.0rc1"},
                                                                 {"1.0-dev", "1.0.dev0"},
                                                                 {"1.0.post", "1.0.post0"},
                                                                 {"1.0preview2", "1.0rc2"},
                                                                 {"1.0-r4", "1.0.post4"},
                                                                 {"1.0b", "1.0b0"},
                                                                 {"0!1.0", "1.0"},
                                                                 {"1.0+Ubuntu-1", "1.0+ubuntu.1"},
                                                                 {" 2.0 ", "2.0"}};
  for (const auto& [a, b] : same) EXPECT_EQ(pep(a, b), 0) << a << " == " << b;
}

TEST(Pep440, EpochAndReleaseLength) {
  EXPECT_GT(pep("1!0.1", "2.0"), 0);
  EXPECT_LT(pep("2.0", "2.0.1"), 0);
  EXPECT_LT(pep("2.9", "2.10"), 0);
  EXPECT_GT(pep("2.31.0", "2.4.0"), 0);
  EXPECT_LT(pep("1.0+abc", "1.0+5"), 0);  // numeric local segments sort after alphanumeric
}

TEST(Pep440, RejectsWhatIsNotAVersion) {
  for (const char* bad : {"", "abc", "1..0", "1.0.x", "1.0-", "latest", "1.0+", "=1.0"})
    EXPECT_FALSE(parse_pep440(bad).has_value()) << bad;
}

// semver.org section 11.
TEST(SemVer, PrecedenceExample) {
  const std::vector<std::string> order = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                          "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
                                          "1.0.1",        "1.1.0",         "1.10.0",           "2.0.0"};
  for (size_t i = 0; i + 1 < order.size(); ++i) {
    EXPECT_LT(sem(order[i], order[i + 1]), 0) << order[i] << " < " << order[i + 1];
    EXPECT_GT(sem(order[i + 1], order[i]), 0);
  }
  EXPECT_EQ(sem("1.0.0+build.5", "1.0.0"), 0);
  EXPECT_EQ(sem("v4.17.21", "4.17.21"), 0);
}

TEST(SemVer, RejectsWhatIsNotAVersion) {
  for (const char* bad : {"1.0", "01.0.0", "1.0.0-", "1.0.0-a..b", "x.y.z", "", "1.2.3.4"})
    EXPECT_FALSE(parse_semver(bad).has_value()) << bad;
}

struct AdmitCase {
  std::string spec;
  std::string version;
  bool admitted;
};

TEST(Specifier, Admits) {
  const std::vector<AdmitCase> cases = {
      {">=2.0,<3", "2.5", true},     {">=2.0,<3", "3.0", false},    {">=2.0,<3", "1.9", false},
      {"==2.19.0", "2.19", true},    {"==2.19.0", "2.19.1", false}, {"==2.19.*", "2.19.7", true},
      {"==2.19.*", "2.20.0", false}, {"!=2.19.*", "2.19.1", false}, {"~=2.2", "2.9", true},
      {"~=2.2", "3.0", false},       {"~=2.2.1", "2.2.5", true},    {"~=2.2.1", "2.3.0", false},
      {">1.0", "1.0", false},        {"<=1.0", "1.0", true},        {"==1.0", "1.0+local", true},
      {"==1.0+local", "1.0", false}, {"===1.0", "1.0", true},       {"", "0.1", true},
      {">= 1.0 , < 2", "1.5", true}};
  for (const auto& c : cases) {
    auto spec = parse_specifier(c.spec);
    ASSERT_TRUE(spec.has_value()) << c.spec;
    auto v = parse_pep440(c.version);
    ASSERT_TRUE(v.has_value()) << c.version;
    EXPECT_EQ(spec_admits(*spec, *v), c.admitted) << c.spec << " vs " << c.version;
  }
}

TEST(Specifier, RejectsMalformedClauses) {
  for (const char* bad : {"2.0", ">=", "=>2.0", ">=2.0,,<3", "~=abc"})
    EXPECT_FALSE(parse_specifier(bad).has_value()) << bad;
}

TEST(Specifier, PinnedVersion) {
  EXPECT_EQ(pinned_version(*parse_specifier("==2.19.0")), "2.19.0");
  EXPECT_EQ(pinned_version(*parse_specifier(">=1,<2")), std::nullopt);
  EXPECT_EQ(pinned_version(*parse_specifier("==2.*")), std::nullopt);
}

struct PoetryCase {
  std::string constraint;
  std::vector<std::pair<std::string, bool>> versions;
};

TEST(Poetry, CaretTildeAndBareVersions) {
  const std::vector<PoetryCase> cases = {
      {"^1.2.3", {{"1.2.3", true}, {"1.9", true}, {"2.0", false}, {"1.2.2", false}}},
      {"^0.2.3", {{"0.2.9", true}, {"0.3.0", false}}},
      {"^0.0.3", {{"0.0.3", true}, {"0.0.4", false}}},
      {"~1.2.3", {{"1.2.9", true}, {"1.3.0", false}}},
      {"~1", {{"1.9", true}, {"2.0", false}}},
      {"1.2.3", {{"1.2.3", true}, {"1.2.4", false}}},
      {">=1.0,<1.5", {{"1.4", true}, {"1.5", false}}},
      {"~=2.0", {{"2.5", true}, {"3.0", false}}},
      {"*", {{"0.0.1", true}}}};
  for (const auto& c : cases) {
    auto spec = poetry_constraint(c.constraint);
    ASSERT_TRUE(spec.has_value()) << c.constraint;
    for (const auto& [v, admitted] : c.versions)
      EXPECT_EQ(spec_admits(*spec, *parse_pep440(v)), admitted) << c.constraint << " vs " << v;
  }
  EXPECT_FALSE(poetry_constraint("^1.0 || ^2.0").has_value());
}

}  // namespace
}  // namespace aqe::scan
