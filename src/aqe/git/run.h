// How git/ starts git: through exec/, with a timeout, and a failure as the Error git.h
// describes. Internal to git/; features include git.h.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/util/result.h"

namespace aqe::git::detail {

// git's stdout as written; `argv` starts with "git"; an empty `dir` is the current directory.
// With `on_stdout`, stdout goes there chunk by chunk instead and the result is "".
Result<std::string> run_git(const std::filesystem::path& dir, std::vector<std::string> argv,
                            std::chrono::milliseconds timeout,
                            std::function<void(std::string_view)> on_stdout = {});

}  // namespace aqe::git::detail
