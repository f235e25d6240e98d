#include "aqe/scan/walker.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <utility>

#include "aqe/scan/gitignore.h"
#include "aqe/util/fs.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;

std::string read_small_file(const fs::path& p) {
  auto r = read_file(p);
  return r.ok() ? r.value() : std::string();
}

// The ignore files that apply above `dir`: every .gitignore from the repository top (the
// nearest ancestor holding .git) down to dir's parent, plus .git/info/exclude.
std::vector<std::string> ancestor_ignore_texts(const fs::path& dir) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  std::vector<fs::path> chain;
  for (fs::path p = abs;; p = p.parent_path()) {
    chain.push_back(p);
    if (fs::exists(p / ".git", ec)) break;
    if (p == p.parent_path()) return {};  // not inside a git repository
  }
  std::vector<std::string> texts;
  texts.push_back(read_small_file(chain.back() / ".git" / "info" / "exclude"));
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (*it == abs) break;  // the root's own .gitignore is read by the walk
    texts.push_back(read_small_file(*it / ".gitignore"));
  }
  return texts;
}

class Walker {
 public:
  Walker(const std::vector<std::string>& excludes, std::uint64_t max_size, WalkResult& out)
      : excludes_(IgnoreFile::from_globs(excludes)), max_size_(max_size), out_(out) {}

  void walk_root(const fs::path& root) {
    std::string shown = root.generic_string();
    while (shown.size() > 1 && shown.back() == '/') shown.pop_back();
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) {
      out_.missing.push_back(shown);
      return;
    }
    if (!S_ISDIR(st.st_mode)) {
      add_file(root.string(), shown, st);
      return;
    }
    std::vector<IgnoreFile> stack;
    // Ancestors' patterns are anchored at the root: only basename patterns can still apply
    // exactly, which is the common case (*.log, build/, node_modules/).
    for (const std::string& text : ancestor_ignore_texts(root)) stack.emplace_back("", text);
    visited_.clear();
    walk_dir(root.string(), shown == "." ? "" : shown, "", st, stack);
  }

 private:
  bool ignored(const std::vector<IgnoreFile>& stack, const std::string& rel, bool is_dir) const {
    if (excludes_.verdict(rel, is_dir) > 0) return true;
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
      int v = it->verdict(rel, is_dir);
      if (v != 0) return v > 0;
    }
    return false;
  }

  void add_file(const std::string& path, const std::string& shown, const struct stat& st) {
    if (!S_ISREG(st.st_mode)) return;
    if (static_cast<std::uint64_t>(st.st_size) > max_size_) {
      out_.skipped.push_back({shown, "too large (" + std::to_string(st.st_size) + " bytes)"});
      return;
    }
    out_.files.push_back({path, shown, static_cast<std::uint64_t>(st.st_size)});
  }

  void walk_dir(const std::string& path, const std::string& shown, const std::string& rel,
                const struct stat& dir_st, std::vector<IgnoreFile>& stack) {
    auto key = std::make_pair(dir_st.st_dev, dir_st.st_ino);
    if (!visited_.insert(key).second) {
      out_.skipped.push_back({shown, "symlink loop"});
      return;
    }
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) {
      out_.skipped.push_back({shown, "unreadable directory"});
      return;
    }
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == ".." || n == ".git") continue;
      names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    std::string own = read_small_file(path + "/.gitignore");
    bool pushed = !own.empty();
    if (pushed) stack.emplace_back(rel, own);
    for (const std::string& n : names)
      visit(path + "/" + n, shown.empty() ? n : shown + "/" + n, rel.empty() ? n : rel + "/" + n, stack);
    if (pushed) stack.pop_back();
    visited_.erase(key);
  }

  void visit(const std::string& path, const std::string& shown, const std::string& rel,
             std::vector<IgnoreFile>& stack) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      struct stat lst {};
      bool dangling = ::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode);
      if (!ignored(stack, rel, false)) {
        out_.skipped.push_back({shown, dangling ? "broken or looping symlink" : "unreadable"});
      }
      return;
    }
    bool is_dir = S_ISDIR(st.st_mode);
    if (ignored(stack, rel, is_dir)) return;
    if (is_dir) {
      walk_dir(path, shown, rel, st, stack);
    } else {
      add_file(path, shown, st);
    }
  }

  IgnoreFile excludes_;
  std::uint64_t max_size_;
  WalkResult& out_;
  std::set<std::pair<dev_t, ino_t>> visited_;  // directories on the current descent path
};

}  // namespace

WalkResult walk_paths(const std::vector<std::filesystem::path>& paths,
                      const std::vector<std::string>& excludes, std::uint64_t max_file_size) {
  WalkResult out;
  Walker w(excludes, max_file_size, out);
  for (const auto& p : paths) w.walk_root(p);
  return out;
}

}  // namespace aqe::scan
