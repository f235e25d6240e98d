// The generated test file: its header (what it was generated from), its assembly from
// individual tests, and the content hash that makes regeneration incremental.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace aqe::gen {

struct GeneratedTest {
  std::string name;                  // test function name, unique in its file
  std::string code;                  // "def test_...():\n    ...\n"
  std::vector<std::string> imports;  // import lines the code needs
};

struct TestFileHeader {
  std::string version;  // aqe version that wrote the file
  std::string source;   // project-relative source path
  std::string sha256;   // of the source file's bytes
};

// Header, the union of imports (sorted), then the tests in the given order.
std::string render_test_file(const TestFileHeader& header, const std::vector<GeneratedTest>& tests);

// The header of a file aqe wrote; nullopt for any other file (which aqe never overwrites).
std::optional<TestFileHeader> parse_header(std::string_view text);

// Tests whose names are not in `drop`, in order.
std::vector<GeneratedTest> without(const std::vector<GeneratedTest>& tests,
                                   const std::set<std::string>& drop);

}  // namespace aqe::gen
