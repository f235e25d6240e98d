#include "aqe/git/run.h"

#include "aqe/exec/process.h"
#include "aqe/git/git.h"
#include "aqe/util/strings.h"

namespace aqe::git::detail {

Result<std::string> run_git(const std::filesystem::path& dir, std::vector<std::string> argv,
                            std::chrono::milliseconds timeout,
                            std::function<void(std::string_view)> on_stdout) {
  exec::ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = dir;
  spec.timeout = timeout;
  if (on_stdout) {
    spec.on_stdout = std::move(on_stdout);
    spec.keep_stdout = false;
  }
  auto r = exec::run(spec);
  if (!r) return r.error();
  std::string why(trim(r->stderr_data));
  if (r->termination == exec::Termination::kTimedOut)
    return make_error(std::string(kTimedOut), std::move(why), "", ExitCode::kTimeout);
  if (r->termination != exec::Termination::kExited || r->exit_code != 0)
    return make_error(std::string(kFailed), std::move(why));
  return std::move(r->stdout_data);
}

}  // namespace aqe::git::detail
