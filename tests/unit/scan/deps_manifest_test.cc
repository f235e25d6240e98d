// Manifest readers: what each format declares, with lines; requirement syntax edge cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "aqe/scan/deps.h"
#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;

std::string describe(const Dependency& d) {
  std::string v =
      d.query.exact ? "==" + *d.query.exact : " spec(" + std::to_string(d.query.spec.size()) + ")";
  return d.name + v + "@" + std::to_string(d.line);
}

// Sorted: JSON and TOML tables iterate in key order, not file order.
std::vector<std::string> described(const ManifestRead& r) {
  std::vector<std::string> out;
  for (const auto& d : r.dependencies) out.push_back(describe(d));
  std::sort(out.begin(), out.end());
  return out;
}

const Dependency* named(const ManifestRead& r, const std::string& name) {
  for (const auto& d : r.dependencies)
    if (d.name == name) return &d;
  return nullptr;
}

struct Pep508Case {
  std::string text;
  bool parsed;
  std::string name;
  std::string exact;  // empty: a specifier
  bool warns;         // not parsed and worth a warning
};

TEST(Pep508, Requirements) {
  const std::vector<Pep508Case> cases = {
      {"requests==2.25.1", true, "requests", "2.25.1", false},
      {"requests[socks,security] == 2.25.1", true, "requests", "2.25.1", false},
      {"Jinja2>=2.10,<3 ; python_version >= \"3.6\"", true, "Jinja2", "", false},
      {"zope.interface (>=5.0)", true, "zope.interface", "", false},
      {"django===3.2.1", true, "django", "3.2.1", false},
      {"flask", false, "", "", false},                                  // unconstrained
      {"pkg @ https://example.invalid/pkg.zip", false, "", "", false},  // direct reference
      {"https://example.invalid/pkg-1.0.tar.gz", false, "", "", false},
      {"requests=>2.0", false, "", "", true},
      {"-not-a-name", false, "", "", true}};
  for (const auto& c : cases) {
    std::string why;
    auto d = parse_pep508(c.text, why);
    EXPECT_EQ(d.has_value(), c.parsed) << c.text;
    EXPECT_EQ(!why.empty(), c.warns) << c.text << ": " << why;
    if (!d) continue;
    EXPECT_EQ(d->name, c.name) << c.text;
    EXPECT_EQ(d->query.exact.value_or(""), c.exact) << c.text;
  }
  std::string why;
  auto marked = parse_pep508("Jinja2>=2.10,<3 ; python_version >= \"3.6\"", why);
  ASSERT_TRUE(marked.has_value());
  EXPECT_NE(marked->note.find("python_version"), std::string::npos);
}

class RequirementsFiles : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& text) { tmp_.write(name, text); }
  ManifestRead read(const std::string& name) {
    ManifestRead out;
    read_manifest((dir_ / name).string(), name, out);
    return out;
  }
  aqe::testing::TempDir tmp_{"aqe-deps-test"};
  fs::path dir_ = tmp_.path();
};

TEST_F(RequirementsFiles, CommentsContinuationsOptionsAndIncludes) {
  write("requirements.txt",
        "# comment\n"
        "-r base/requirements-base.txt\n"
        "--index-url https://pypi.org/simple\n"
        "-e git+https://example.invalid/x.git#egg=x\n"
        "requests==2.25.1  # pinned\n"
        "urllib3==1.26.5 \\\n"
        "    --hash=sha256:abcd\n"
        "six>=1.10\n");
  write("base/requirements-base.txt", "-r ../requirements.txt\nidna==2.8\n");
  ManifestRead r = read("requirements.txt");
  EXPECT_EQ(described(r), (std::vector<std::string>{"idna==2.8@2", "requests==2.25.1@5", "six spec(1)@8",
                                                    "urllib3==1.26.5@6"}))
      << ::testing::PrintToString(r.warnings);
  ASSERT_NE(named(r, "idna"), nullptr);
  EXPECT_EQ(named(r, "idna")->file, "base/requirements-base.txt");
  ASSERT_EQ(r.warnings.size(), 1u);  // the include cycle back to requirements.txt
  EXPECT_NE(r.warnings[0].find("cycle"), std::string::npos) << r.warnings[0];
}

TEST_F(RequirementsFiles, MissingIncludeIsAWarningNamingTheLine) {
  write("requirements-dev.txt", "\n-r nope.txt\nidna==2.8\n");
  ManifestRead r = read("requirements-dev.txt");
  EXPECT_EQ(described(r), (std::vector<std::string>{"idna==2.8@3"}));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].rfind("requirements-dev.txt:2: cannot read included file nope.txt", 0), 0u)
      << r.warnings[0];
}

TEST(ManifestNames, Recognised) {
  for (const char* yes : {"requirements.txt", "a/requirements-dev.txt", "requirements/prod.txt",
                          "pyproject.toml", "x/poetry.lock", "Pipfile.lock", "web/package-lock.json"})
    EXPECT_TRUE(is_manifest(yes)) << yes;
  for (const char* no : {"notes.txt", "Pipfile", "package.json", "setup.py", "requirements.in"})
    EXPECT_FALSE(is_manifest(no)) << no;
}

TEST(Pyproject, Pep621AndPoetryTables) {
  ManifestRead r;
  read_pyproject(
      "[project]\n"
      "name = \"x\"\n"
      "dependencies = [\n"
      "  \"jinja2==3.1.4\",\n"
      "  \"requests>=2.31\",\n"
      "  \"flask\",\n"
      "]\n"
      "[project.optional-dependencies]\n"
      "docs = [\"sphinx==1.0\"]\n"
      "[tool.poetry.dependencies]\n"
      "python = \"^3.8\"\n"
      "urllib3 = \"^1.26.0\"\n"
      "pyyaml = { version = \"5.3\", markers = \"sys_platform == 'linux'\" }\n"
      "mylib = { git = \"https://example.invalid/mylib.git\" }\n"
      "[tool.poetry.group.dev.dependencies]\n"
      "pytest = \"~7.1\"\n",
      "pyproject.toml", r);
  EXPECT_EQ(described(r),
            (std::vector<std::string>{"jinja2==3.1.4@4", "pytest spec(2)@16", "pyyaml==5.3@13",
                                      "requests spec(1)@5", "sphinx==1.0@9", "urllib3 spec(2)@12"}))
      << ::testing::PrintToString(r.warnings);
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_NE(named(r, "pyyaml"), nullptr);
  EXPECT_NE(named(r, "pyyaml")->note.find("sys_platform"), std::string::npos);
}

TEST(Pyproject, InvalidTomlIsAWarningWithPosition) {
  ManifestRead r;
  read_pyproject("[project\nname = 1\n", "pyproject.toml", r);
  EXPECT_TRUE(r.dependencies.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].rfind("pyproject.toml:", 0), 0u) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("not valid TOML"), std::string::npos) << r.warnings[0];
}

TEST(PoetryLock, Packages) {
  ManifestRead r;
  read_poetry_lock(
      "[[package]]\nname = \"urllib3\"\nversion = \"1.26.18\"\n\n"
      "[[package]]\nname = \"requests\"\nversion = \"2.28.0\"\n\n[metadata]\nlock-version = \"2.0\"\n",
      "poetry.lock", r);
  EXPECT_EQ(described(r), (std::vector<std::string>{"requests==2.28.0@7", "urllib3==1.26.18@3"}));
}

TEST(PipfileLock, DefaultAndDevelop) {
  ManifestRead r;
  read_pipfile_lock(
      "{\n  \"_meta\": {},\n  \"default\": {\n    \"requests\": {\"version\": \"==2.30.0\"}\n  },\n"
      "  \"develop\": {\n    \"jinja2\": {\"version\": \"==2.11.3\"},\n    \"editable\": {\"path\": \".\"}\n "
      " }\n}\n",
      "Pipfile.lock", r);
  EXPECT_EQ(described(r), (std::vector<std::string>{"jinja2==2.11.3@7", "requests==2.30.0@4"}));
  ManifestRead bad;
  read_pipfile_lock("{", "Pipfile.lock", bad);
  EXPECT_EQ(bad.warnings.size(), 1u);
}

TEST(PackageLock, V3PackagesNestedAliasesAndLinks) {
  ManifestRead r;
  read_package_lock(
      "{\n"
      "  \"lockfileVersion\": 3,\n"
      "  \"packages\": {\n"
      "    \"\": {\"name\": \"app\", \"version\": \"1.0.0\"},\n"
      "    \"node_modules/lodash\": {\"version\": \"4.17.20\"},\n"
      "    \"node_modules/a/node_modules/lodash\": {\"version\": \"4.17.21\"},\n"
      "    \"node_modules/old\": {\"name\": \"left-pad\", \"version\": \"1.0.0\"},\n"
      "    \"node_modules/local\": {\"link\": true, \"resolved\": \"packages/local\"},\n"
      "    \"node_modules/gitdep\": {\"version\": \"git+ssh://git@example.invalid/x.git#abc\"}\n"
      "  }\n"
      "}\n",
      "package-lock.json", r);
  EXPECT_EQ(described(r),
            (std::vector<std::string>{"left-pad==1.0.0@7", "lodash==4.17.20@5", "lodash==4.17.21@6"}));
  ASSERT_NE(named(r, "left-pad"), nullptr);
  EXPECT_EQ(named(r, "left-pad")->ecosystem, Ecosystem::kNpm);
  EXPECT_EQ(named(r, "left-pad")->declared, "left-pad@1.0.0");
}

TEST(PackageLock, V1NestedDependencies) {
  ManifestRead r;
  read_package_lock(
      "{\n  \"lockfileVersion\": 1,\n  \"dependencies\": {\n"
      "    \"lodash\": {\"version\": \"4.17.15\",\n"
      "      \"dependencies\": {\"minimist\": {\"version\": \"0.0.8\"}}}\n  }\n}\n",
      "package-lock.json", r);
  EXPECT_EQ(described(r), (std::vector<std::string>{"lodash==4.17.15@4", "minimist==0.0.8@5"}));
}

TEST(CheckDependencies, FindingNamesPackageVersionAdvisoryAndFix) {
  AdvisoryDb db;
  auto adv = parse_osv(nlohmann::json::parse(R"({"id": "GHSA-j8r2-6x86-q33q", "summary": "Proxy header leak",
      "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]}]}],
      "database_specific": {"severity": "MODERATE"}})"),
                       "a.json");
  ASSERT_TRUE(adv.ok());
  db.add(*adv);
  std::string why;
  auto dep = parse_pep508("requests==2.25.1", why);
  ASSERT_TRUE(dep.has_value());
  dep->file = "requirements.txt";
  dep->line = 3;
  auto findings = check_dependencies({*dep, *dep}, db);
  ASSERT_EQ(findings.size(), 1u);  // the same line read twice (direct and via -r) counts once
  const Finding& f = findings[0];
  EXPECT_EQ(f.rule_id, "dep-vulnerable");
  EXPECT_EQ(f.category, "dependency");
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.file, "requirements.txt");
  EXPECT_EQ(f.line, 3);
  EXPECT_EQ(f.message,
            "requests 2.25.1 is affected by GHSA-j8r2-6x86-q33q (Proxy header leak); fixed in 2.31.0");
  EXPECT_EQ(f.snippet, "requests==2.25.1");
  // The fingerprint survives a line move and a version bump that is still affected.
  dep->line = 9;
  dep->query.exact = "2.30.0";
  EXPECT_EQ(check_dependencies({*dep}, db)[0].fingerprint, f.fingerprint);
}

}  // namespace
}  // namespace aqe::scan
