// The per-file work of a scan, shared by run_scan and the unit tests: secrets on every text
// file, code rules on Python files, inline suppressions, fingerprints.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/scan/python_rules.h"
#include "aqe/scan/rules.h"
#include "aqe/scan/scan.h"
#include "aqe/scan/secrets.h"

namespace aqe::scan {

struct FileFindings {
  std::vector<Finding> findings;
  int suppressed = 0;
  std::string warning;  // e.g. unparseable Python
};

class ScanEngine {
 public:
  static Result<std::unique_ptr<ScanEngine>> build(const std::vector<CustomRule>& custom,
                                                   bool code_rules = true,
                                                   const std::filesystem::path& cache_dir = {},
                                                   bool python_only = false);

  // Scratch space and parser for one thread.
  struct Worker {
    SecretScratch secrets;
    SecretScratch triggers;
    PythonParser parser;
    std::string buffer;
  };
  Status init_worker(Worker& w) const;

  FileFindings scan_text(std::string_view data, std::string_view display_path, Worker& w) const;

 private:
  ScanEngine() = default;
  Finding secret_finding(const SecretMatch& m, std::string_view file) const;
  Finding code_finding(const CodeMatch& m, std::string_view data, std::string_view file) const;

  std::unique_ptr<SecretMatcher> secrets_;
  std::unique_ptr<PythonRules> code_;
  std::vector<CodeRuleMeta> code_meta_;
  bool code_rules_ = true;
};

// A .p12/.pfx/.jks/.keystore file is a finding by its name alone; nullopt for other files.
std::optional<Finding> keystore_finding(std::string_view display_path);

std::string fingerprint(std::string_view rule_id, std::string_view file, std::string_view content);
// The one redaction of every output (text, JSON, SARIF, the run database): a secret shows at
// most a quarter of its characters, at most 4, then ****.
std::string redact(std::string_view secret);
// `line` with its bytes [begin, begin + length) redacted.
std::string redact_span(std::string_view line, size_t begin, size_t length);
// What a secret's fingerprint hashes: the line without spaces and without the secret, and
// how many identical lines of the file came before.
std::string secret_context(std::string_view line, size_t begin, size_t length, int occurrence);

}  // namespace aqe::scan
