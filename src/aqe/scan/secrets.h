// Secret detection: every rule's regex in one Hyperscan database (start of match from
// HS_FLAG_SOM_LEFTMOST), plus one without the config-file rules for Python sources; each
// candidate is then confirmed on its short span: secret extraction, entropy, keywords, allowlists.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/scan/rules.h"
#include "aqe/util/result.h"

struct hs_database;
struct hs_scratch;

namespace aqe::scan {

struct SecretMatch {
  size_t rule = 0;   // index into SecretMatcher::rules()
  size_t begin = 0;  // byte offset of the whole match
  size_t end = 0;
  size_t secret_begin = 0;  // byte offset of the secret inside the file
  std::string secret;
};

double shannon_entropy(std::string_view s);

struct DatabaseFailure {
  int expression = -1;  // index of the pattern Hyperscan rejected, -1 if none in particular
  std::string message;
};

// A Hyperscan block-mode database for `patterns` (pattern i reports id i). Compiling takes
// from milliseconds to seconds, so with a `cache_dir` the serialized database is kept there as
// <name>-<hash of patterns, flags, Hyperscan version>.hsdb and loaded on later runs.
// Returns nullptr and fills `failure` when a pattern does not compile.
hs_database* cached_database(const std::vector<std::string>& patterns, const std::vector<unsigned>& flags,
                             const std::filesystem::path& cache_dir, std::string_view name,
                             DatabaseFailure& failure);

// Per-thread Hyperscan scratch space.
class SecretScratch {
 public:
  SecretScratch() = default;
  SecretScratch(const SecretScratch&) = delete;
  SecretScratch& operator=(const SecretScratch&) = delete;
  ~SecretScratch();
  hs_scratch* get() const { return scratch_; }
  hs_scratch** out() { return &scratch_; }

 private:
  hs_scratch* scratch_ = nullptr;
};

class SecretMatcher {
 public:
  // Fails with exit 3 naming the rule (id and where it was declared) when a regex does not
  // compile.
  static Result<std::unique_ptr<SecretMatcher>> build(std::vector<SecretRule> rules,
                                                      const std::vector<std::string>& global_allowlist,
                                                      std::vector<std::string> generic_name_suffixes,
                                                      const std::filesystem::path& cache_dir = {},
                                                      bool python_only = false);
  SecretMatcher(const SecretMatcher&) = delete;
  SecretMatcher& operator=(const SecretMatcher&) = delete;
  ~SecretMatcher();

  Status make_scratch(SecretScratch& scratch) const;
  // Confirmed matches in `data`, in file order, generic rules dropped where a specific rule
  // matched the same text.
  // `code_file`: a Python source, where rules marked config_files_only do not run. A matcher
  // built `python_only` (for a scan whose files are all Python) has no database of every rule
  // and scans each file as Python.
  std::vector<SecretMatch> scan(std::string_view data, SecretScratch& scratch, bool code_file = false) const;
  const std::vector<SecretRule>& rules() const { return rules_; }

 private:
  SecretMatcher() = default;
  // std::regex compiles slowly (~2 ms a rule); a rule's regexes are compiled the first time
  // Hyperscan reports a candidate for it, so a scan pays only for the rules that occur.
  struct Compiled {
    std::once_flag once;
    std::regex extract;
    std::vector<std::regex> allow;
  };
  const Compiled& compiled(size_t rule) const;
  const std::vector<std::regex>& global_allow() const;
  bool confirm(std::string_view data, size_t begin, size_t end, size_t rule, SecretMatch& out) const;
  bool allowed(const Compiled& c, const std::string& secret, bool global) const;
  bool metadata_name(std::string_view data, size_t begin) const;

  std::vector<SecretRule> rules_;
  std::unique_ptr<Compiled[]> compiled_;
  std::vector<std::string> global_allow_source_;
  mutable std::once_flag global_allow_once_;
  mutable std::vector<std::regex> global_allow_;
  std::vector<std::string> generic_name_suffixes_;
  hs_database* db_ = nullptr;       // every rule; pattern i is rule i (null when python_only)
  hs_database* code_db_ = nullptr;  // the rules that run on Python files (db_ when that is all)
  std::vector<size_t> code_rule_;   // code_db_'s pattern i is rule code_rule_[i]
};

}  // namespace aqe::scan
