// Code rules for Python (the bandit families), matched on the tree-sitter syntax tree so that
// comments and strings never trigger them. A Hyperscan pass over trigger tokens decides which
// files are parsed at all and which rule families are checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/scan/rules.h"
#include "aqe/scan/secrets.h"
#include "aqe/util/result.h"

struct TSParser;

namespace aqe::scan {

struct CodeMatch {
  std::string rule_id;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  size_t begin = 0;
  size_t end = 0;
  std::string detail;                // what exactly was found, e.g. "subprocess.run(..., shell=True)"
  std::optional<Severity> severity;  // overrides the rule's default (e.g. literal command)
  // A `# nosec` comment on the statement's first or last line (not inside a string): the ids
  // that follow it (B602, py-eval...), empty when it names none and so covers every rule.
  std::optional<std::vector<std::string>> nosec;
};

class PythonParser {
 public:
  PythonParser();
  PythonParser(const PythonParser&) = delete;
  PythonParser& operator=(const PythonParser&) = delete;
  ~PythonParser();
  TSParser* get() const { return parser_; }

 private:
  TSParser* parser_;
};

struct TriggerHit {
  unsigned family = 0;
  size_t end = 0;  // byte offset just past the trigger text
};

class PythonRules {
 public:
  // The trigger database is cached in `cache_dir` like the secret one (empty: compile).
  static Result<std::unique_ptr<PythonRules>> build(const std::filesystem::path& cache_dir = {});
  PythonRules(const PythonRules&) = delete;
  PythonRules& operator=(const PythonRules&) = delete;
  ~PythonRules();

  Status make_scratch(SecretScratch& scratch) const;
  // Where trigger tokens occur in `source`; none = nothing to parse.
  std::vector<TriggerHit> triggers(std::string_view source, SecretScratch& scratch) const;
  // Parses the statements around the hits that are in code (or, for string rules, in a
  // literal) and checks them; `parse_failed` is set (and nothing returned) when the file is not
  // valid Python.
  std::vector<CodeMatch> check(std::string_view source, std::string_view display_path,
                               const std::vector<TriggerHit>& hits, PythonParser& parser,
                               bool& parse_failed) const;

 private:
  PythonRules() = default;
  hs_database* db_ = nullptr;
};

bool is_python_file(std::string_view path);

}  // namespace aqe::scan
