// The one recorder of runs. Every command that measures something (execute, generate,
// security-scan, quality-gate) is wrapped the same way: a run is begun in the state DB before
// the feature runs and finished after it with the feature's typed summary and a status taken
// from the exit code, also when the command fails, times out or is interrupted. Artifact
// upload and the usage ledger attach here.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aqe/ci/ci.h"
#include "aqe/cli/command.h"
#include "aqe/state/db.h"

namespace aqe::cli {

class RunRecorder {
 public:
  // Opens <state_dir>/aqe.db and begins a run of `command`. When the DB cannot be opened or
  // written the recorder stays inactive and remembers why; the command still runs.
  RunRecorder(std::string command, const std::filesystem::path& state_dir, const ci::CiFacts& facts);

  // What features write the run's rows through (test results, findings, coverage).
  state::RunWriter& writer() { return writer_; }

  // Finishes the run from `outcome` (exit code, summary, args). Anything that was not stored
  // (the DB unavailable, a row or the run itself not written) is said on the outcome, with why:
  // results are never lost silently. With `required` (state_required), a command that
  // otherwise succeeded exits 4, retry-safe, since the next gate would judge an older run;
  // without it, or when the command already failed, it is a warning.
  void finish(CommandOutcome& outcome, bool required);

 private:
  std::string command_;
  std::optional<state::Db> db_;
  state::RunWriter writer_;
  std::string unavailable_;  // why nothing is recorded
};

}  // namespace aqe::cli
