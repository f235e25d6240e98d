// Paths as aqe compares and shows them. One canonical form, computed lexically (no file-system
// access, no symlinks followed), as ninja's CanonicalizePath does: coverage reports, SARIF,
// git and the user's flags name the same file in different spellings.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace aqe {

// '/'-separated, no empty or "." components, no trailing '/'; ".." folds into the component
// before it, stays at the start of a relative path and is dropped at the root.
// "" stays "", "." and "./" become ".", "/" stays "/".
std::string canonicalize_path(std::string_view path);

// `path` relative to `dir` (both canonicalised) when it lies inside it, "." for `dir` itself;
// nullopt when it does not, or when one is absolute and the other is not.
std::optional<std::string> path_inside(std::string_view path, std::string_view dir);

// A file as the quality gate compares files and scopes: trimmed, "file://" dropped,
// canonical, and relative to `project_dir` when it is absolute and inside it.
std::string project_path(std::string_view path, const std::filesystem::path& project_dir);

// What display_path does with a path outside the project.
enum class Outside {
  kAsGiven,   // show it as given (config files, discovered sources)
  kRelative,  // "../out/test_x.py": generate lists what it wrote so that it can be found
};

// How aqe names a file to the user: relative to `project_dir` when inside it, '/'-separated.
// Unlike the rest, it resolves symlinks (std::filesystem::relative), so a path through a link
// into the project is still shown inside it.
std::string display_path(const std::filesystem::path& path, const std::filesystem::path& project_dir,
                         Outside outside = Outside::kAsGiven);

}  // namespace aqe
