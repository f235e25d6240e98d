#include "aqe/cli/recorder.h"

#include <utility>

namespace aqe::cli {

RunRecorder::RunRecorder(std::string command, const std::filesystem::path& state_dir,
                         const ci::CiFacts& facts)
    : command_(std::move(command)) {
  auto db = state::Db::open(state_dir);
  if (!db) {
    unavailable_ = db.error().message;
    return;
  }
  db_ = std::move(*db);
  state::RunInfo info;
  info.command = command_;
  info.branch = facts.branch;
  info.commit = facts.commit;
  auto id = db_->begin_run(info);
  if (!id) {
    unavailable_ = id.error().message;
    writer_ = state::RunWriter(&*db_, 0);  // stored durations can still be read
    return;
  }
  writer_ = state::RunWriter(&*db_, *id);
}

namespace {

void not_stored(CommandOutcome& outcome, const std::string& reason, bool required) {
  const std::string message = "results not stored: " + reason;
  if (!required || outcome.exit_code != ExitCode::kSuccess) {
    outcome.warnings.push_back(message);
    return;
  }
  outcome.exit_code = ExitCode::kTransient;
  outcome.errors.push_back(make_error("STATE_NOT_STORED", message,
                                      "safe to retry; the next quality-gate would judge an older run. "
                                      "state_required: false (QE_STATE_REQUIRED=false) makes this a warning",
                                      ExitCode::kTransient));
}

}  // namespace

void RunRecorder::finish(CommandOutcome& outcome, bool required) {
  if (!writer_.active()) {
    not_stored(outcome, unavailable_, required);
    return;
  }
  std::optional<std::string> lost;
  state::RunStatus status = state::status_of_exit(to_int(outcome.exit_code));
  if (writer_.failure()) {
    // A run whose rows are missing must not be judged as if they were all there.
    lost = writer_.failure()->message;
    status = state::RunStatus::kError;
  }
  // The status is of what the command measured; exit 4 below is about storing it.
  if (auto st = db_->finish_run(writer_.run_id(), status, to_int(outcome.exit_code), outcome.summary,
                                outcome.run_args);
      !st && !lost) {
    lost = st.error().message;
  }
  if (lost) not_stored(outcome, *lost, required);
}

}  // namespace aqe::cli
