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

void RunRecorder::finish(CommandOutcome& outcome) {
  if (!writer_.active()) {
    outcome.warnings.push_back("results not stored: " + unavailable_);
    return;
  }
  const int code = to_int(outcome.exit_code);
  state::RunStatus status = state::status_of_exit(code);
  if (writer_.failure()) {
    // A run whose rows are missing must not be judged as if they were all there.
    outcome.warnings.push_back("results not stored: " + writer_.failure()->message);
    status = state::RunStatus::kError;
  }
  const nlohmann::json args = outcome.run_args.is_null() ? nlohmann::json(nullptr) : outcome.run_args;
  if (auto st = db_->finish_run(writer_.run_id(), status, code, outcome.summary, args); !st) {
    outcome.warnings.push_back("results not stored: " + st.error().message);
  }
}

}  // namespace aqe::cli
