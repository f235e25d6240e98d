#include "aqe/scan/walker.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "aqe/scan/gitignore.h"
#include "aqe/util/fs.h"
#include "aqe/util/strings.h"

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
  Walker(const WalkOptions& o, WalkResult& out)
      : excludes_(IgnoreFile::from_globs(o.excludes)), options_(o), out_(out) {}

  void walk_root(const fs::path& root) {
    std::string shown = root.generic_string();
    while (shown.size() > 1 && shown.back() == '/') shown.pop_back();
    struct stat st {};
    // A path the user names is followed even when it is a link: they asked for it.
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
    descent_.clear();
    walk_dir(root.string(), shown == "." ? "" : shown, "", st, stack);
  }

 private:
  using Inode = std::pair<dev_t, ino_t>;

  bool stop() {
    if (!out_.interrupted && options_.cancelled && options_.cancelled()) out_.interrupted = true;
    return out_.interrupted;
  }

  bool ignored(const std::vector<IgnoreFile>& stack, const std::string& rel, bool is_dir) const {
    if (excludes_.verdict(rel, is_dir) > 0) return true;
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
      int v = it->verdict(rel, is_dir);
      if (v != 0) return v > 0;
    }
    return false;
  }

  void add_file(const std::string& path, const std::string& shown, const struct stat& st) {
    if (!S_ISREG(st.st_mode)) {
      out_.skipped.push_back({shown, "not a regular file"});
      return;
    }
    // A file reached twice (through links, or two given paths) is scanned once.
    if (auto [it, fresh] = files_.emplace(Inode{st.st_dev, st.st_ino}, shown); !fresh) {
      out_.skipped.push_back({shown, "same file as " + it->second});
      return;
    }
    if (static_cast<std::uint64_t>(st.st_size) > options_.max_file_size) {
      out_.skipped.push_back({shown, "too large (" + std::to_string(st.st_size) + " bytes)"});
      return;
    }
    out_.files.push_back({path, shown, static_cast<std::uint64_t>(st.st_size)});
  }

  void walk_dir(const std::string& path, const std::string& shown, const std::string& rel,
                const struct stat& dir_st, std::vector<IgnoreFile>& stack) {
    const Inode key{dir_st.st_dev, dir_st.st_ino};
    if (descent_.count(key) != 0) {
      out_.skipped.push_back({shown, "symlink loop"});
      return;
    }
    // Each real directory is walked once, so links cannot fan a tree out into 2^n paths.
    if (auto [it, fresh] = dirs_.emplace(key, shown); !fresh) {
      out_.skipped.push_back({shown, "same directory as " + (it->second.empty() ? "." : it->second)});
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
    descent_.insert(key);
    for (const std::string& n : names) {
      if (stop()) break;
      visit(path + "/" + n, shown.empty() ? n : shown + "/" + n, rel.empty() ? n : rel + "/" + n, stack);
    }
    descent_.erase(key);
    if (pushed) stack.pop_back();
  }

  void visit(const std::string& path, const std::string& shown, const std::string& rel,
             std::vector<IgnoreFile>& stack) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (!ignored(stack, rel, false)) out_.skipped.push_back({shown, "unreadable"});
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      if (!options_.follow_links) {
        if (!ignored(stack, rel, false))
          out_.skipped.push_back({shown, "symlink not followed (--follow-links)"});
        return;
      }
      if (::stat(path.c_str(), &st) != 0) {
        if (!ignored(stack, rel, false)) out_.skipped.push_back({shown, "broken or looping symlink"});
        return;
      }
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
  const WalkOptions& options_;
  WalkResult& out_;
  std::set<Inode> descent_;             // directories on the current descent path
  std::map<Inode, std::string> dirs_;   // every directory walked, and where it was first seen
  std::map<Inode, std::string> files_;  // every file taken, and where it was first seen
};

}  // namespace

WalkResult walk_paths(const std::vector<std::filesystem::path>& paths, const WalkOptions& options) {
  WalkResult out;
  Walker w(options, out);
  for (const auto& p : paths) {
    if (out.interrupted) break;
    w.walk_root(p);
  }
  return out;
}

bool is_test_file(std::string_view rel, const std::vector<std::string>& test_dirs) {
  while (starts_with(rel, "./")) rel.remove_prefix(2);
  const std::string wrapped = "/" + std::string(rel);
  for (std::string dir : test_dirs) {
    while (starts_with(dir, "./")) dir.erase(0, 2);
    while (!dir.empty() && dir.back() == '/') dir.pop_back();
    if (dir.empty() || dir == ".") continue;
    if (starts_with(rel, dir + "/") || wrapped.find("/" + dir + "/") != std::string::npos) return true;
  }
  if (wrapped.find("/tests/") != std::string::npos || wrapped.find("/test/") != std::string::npos)
    return true;
  size_t slash = rel.rfind('/');
  std::string_view base = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  if (!ends_with(base, ".py")) return false;
  return starts_with(base, "test_") || ends_with(base, "_test.py") || base == "conftest.py";
}

}  // namespace aqe::scan
