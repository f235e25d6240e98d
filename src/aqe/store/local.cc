// The local backend: objects are files under a root directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "aqe/store/store.h"

namespace aqe::store {
namespace {

namespace fs = std::filesystem;

// Temp files of writes in progress start with this; list() hides them.
constexpr std::string_view kTempMark = ".aqe-tmp-";
constexpr size_t kCopyChunk = 1 << 20;

StoreFailure io_failure(const std::string& what, int err) {
  return store_failure(FailureKind::kPermanent, what + ": " + std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting close()'s error (a write error may surface only here).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Copies `from` into a new temp file beside `to`, fsyncs it and returns the temp path; the
// caller renames (or links) it into place.
StoreResult<std::string> copy_to_temp(const fs::path& from, const fs::path& to) {
  const Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    const int err = errno;
    return io_failure("cannot read " + from.string(), err);
  }
  std::string tmp;
  int fd = -1;
  // A concurrent remove() may delete the (empty) directory between its creation and the
  // temp file's: then create it again.
  for (int attempt = 0; attempt < 3 && fd < 0; ++attempt) {
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    if (ec) {
      return store_failure(FailureKind::kPermanent,
                           "cannot create " + to.parent_path().string() + ": " + ec.message());
    }
    tmp = (to.parent_path() / (std::string(kTempMark) + to.filename().string() + ".XXXXXX")).string();
    fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) break;
  }
  Fd out(fd);
  if (out.get() < 0) {
    const int err = errno;
    return io_failure("cannot create a temp file in " + to.parent_path().string(), err);
  }
  auto fail = [&](const std::string& what, int err) {
    ::unlink(tmp.c_str());
    return io_failure(what, err);
  };
  ::fchmod(out.get(), 0644);
  std::vector<char> buffer(kCopyChunk);
  for (;;) {
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read " + from.string(), errno);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out.get(), buffer.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail("cannot write " + to.string(), errno);
      done += w;
    }
  }
  if (::fsync(out.get()) != 0) return fail("cannot write " + to.string(), errno);
  if (out.close() != 0) return fail("cannot write " + to.string(), errno);
  return tmp;
}

// The rename is durable only once the directory entry is.
void sync_dir(const fs::path& dir) {
  const Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() >= 0) ::fsync(d.get());
}

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(fs::path root) : root_(std::move(root)) {}

  StoreStatus put(std::string_view key, const fs::path& file, PutMode mode) override {
    if (auto v = validate_key(key); !v) return v;
    const fs::path dest = root_ / std::string(key);
    auto tmp = copy_to_temp(file, dest);
    if (!tmp) return tmp.failure();
    if (mode == PutMode::kIfAbsent) {
      // link() fails when the name exists: the check and the write are one step.
      const int rc = ::link(tmp->c_str(), dest.c_str());
      const int err = errno;
      ::unlink(tmp->c_str());
      if (rc != 0 && err == EEXIST) {
        return store_failure(FailureKind::kExists, name() + ": " + std::string(key) + " already exists");
      }
      if (rc != 0) return io_failure("cannot write " + dest.string(), err);
    } else if (::rename(tmp->c_str(), dest.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp->c_str());
      return io_failure("cannot write " + dest.string(), err);
    }
    sync_dir(dest.parent_path());
    return stored();
  }

  StoreStatus get(std::string_view key, const fs::path& dest) override {
    if (auto v = validate_key(key); !v) return v;
    const fs::path src = root_ / std::string(key);
    struct stat st {};
    if (::stat(src.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return store_failure(FailureKind::kNotFound, name() + ": no object " + std::string(key));
    }
    auto tmp = copy_to_temp(src, dest);
    if (!tmp) return tmp.failure();
    if (::rename(tmp->c_str(), dest.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp->c_str());
      return io_failure("cannot write " + dest.string(), err);
    }
    return stored();
  }

  // One pass over the file: the sink copies (and hashes) as it reads.
  StoreStatus get_into(std::string_view key, ObjectSink& sink) override {
    if (auto v = validate_key(key); !v) return v;
    const fs::path src = root_ / std::string(key);
    const Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (in.get() < 0 || ::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return store_failure(FailureKind::kNotFound, name() + ": no object " + std::string(key));
    }
    auto stopped = [&] {
      return store_failure(FailureKind::kPermanent,
                           name() + ": " + std::string(key) + ": the read was stopped");
    };
    if (!sink.begin()) return stopped();
    std::vector<char> buffer(kCopyChunk);
    for (;;) {
      const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        return io_failure("cannot read " + src.string(), err);
      }
      if (n == 0) return stored();
      if (!sink.write(buffer.data(), static_cast<size_t>(n))) return stopped();
    }
  }

  StoreResult<std::vector<ObjectInfo>> list(std::string_view prefix) override {
    std::vector<ObjectInfo> objects;
    std::error_code ec;
    if (!fs::exists(root_, ec)) return objects;  // nothing stored yet
    // Only the directory the prefix names (or its parent, for a partial last segment) is walked.
    const std::string p(prefix);
    const size_t slash = p.rfind('/');
    const fs::path start = slash == std::string::npos ? root_ : root_ / p.substr(0, slash);
    if (!fs::is_directory(start, ec)) return objects;
    for (auto it = fs::recursive_directory_iterator(start, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      if (it->path().filename().string().starts_with(kTempMark)) continue;
      std::string key = it->path().lexically_relative(root_).generic_string();
      if (!key.starts_with(p)) continue;
      objects.push_back(ObjectInfo{std::move(key), static_cast<uint64_t>(it->file_size(ec))});
    }
    if (ec)
      return store_failure(FailureKind::kPermanent, "cannot list " + start.string() + ": " + ec.message());
    std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return objects;
  }

  StoreStatus remove(std::string_view key) override {
    if (auto v = validate_key(key); !v) return v;
    const fs::path path = root_ / std::string(key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      const int err = errno;
      return io_failure("cannot remove " + path.string(), err);
    }
    // Empty directories left behind are removed up to the root, so a listing stays short.
    std::error_code ec;
    for (fs::path dir = path.parent_path(); dir != root_ && dir.string().size() > root_.string().size();
         dir = dir.parent_path()) {
      if (!fs::remove(dir, ec) || ec) break;  // not empty (or gone): stop
    }
    return stored();
  }

  std::string name() const override { return "local:" + root_.string(); }

 private:
  fs::path root_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(std::filesystem::path root) {
  return std::make_unique<LocalBackend>(std::move(root));
}

}  // namespace aqe::store
