// File-system operations with the guarantees aqe relies on.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "aqe/util/result.h"

namespace aqe {

// Writes `content` to `path` so that readers see the old file or the new one, never a
// partial one: write to a temporary file in the same directory, fsync, rename. A path that is a
// device or a FIFO (`/dev/null`, `/dev/stdout`, a pipe) is written in place, never replaced.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content);

Result<std::string> read_file(const std::filesystem::path& path);

// A fresh directory under $TMPDIR (or /tmp) named prefix-XXXXXX.
Result<std::filesystem::path> make_temp_dir(std::string_view prefix);

// Creates `dir` (and its parents) if needed and checks that a file can be created in it.
Status ensure_writable_dir(const std::filesystem::path& dir);

}  // namespace aqe
