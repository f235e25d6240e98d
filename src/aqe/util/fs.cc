#include "aqe/util/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace aqe {

namespace fs = std::filesystem;

namespace {

// `--output /dev/null`, `/dev/stdout` or a FIFO: written in place. Renaming a temporary file
// over them would replace the device (as root, /dev/null became a regular file) and never reach
// the reader of the pipe.
Status write_in_place(const fs::path& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error("IO_ERROR", "cannot write " + path.string() + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return make_error("IO_ERROR", "cannot write " + path.string() + ": " + std::strerror(err));
    }
    off += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    return make_error("IO_ERROR", "cannot write " + path.string() + ": " + std::strerror(errno));
  }
  return ok_status();
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view content) {
  std::error_code ec;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    return write_in_place(path, content);
  }
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  std::string tmpl = path.string() + ".tmp.XXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0) {
    return make_error("IO_ERROR", "cannot create " + tmpl + ": " + std::strerror(errno));
  }
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      return make_error("IO_ERROR", "cannot write " + path.string() + ": " + std::strerror(err));
    }
    off += static_cast<size_t>(n);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    return make_error("IO_ERROR", "cannot write " + path.string() + ": " + std::strerror(errno));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return make_error("IO_ERROR", "cannot rename to " + path.string() + ": " + std::strerror(err));
  }
  return ok_status();
}

// read(2) into a string sized from fstat: a stream copy went through two growing buffers
// (the state DB's Hyperscan caches are megabytes, read by every scan).
Result<std::string> read_file(const fs::path& path) {
  auto failed = [&](int err) {
    return make_error("IO_ERROR", "cannot read " + path.string() + ": " + std::strerror(err));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failed(errno);
  struct stat st {};
  size_t expected = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    expected = static_cast<size_t>(st.st_size);
  std::string out(expected + 1, '\0');  // one spare byte: reaching it means the file grew
  size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2);
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return failed(err);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(used);
  return out;
}

Result<fs::path> make_temp_dir(std::string_view prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
  if (!mkdtemp(tmpl.data())) {
    return make_error("IO_ERROR", "cannot create temporary directory: " + std::string(std::strerror(errno)));
  }
  return fs::path(tmpl);
}

Status ensure_writable_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error("IO_ERROR", "cannot create " + dir.string() + ": " + ec.message());
  if (!fs::is_directory(dir, ec)) return make_error("IO_ERROR", dir.string() + " is not a directory");
  // Permission bits do not tell (root, read-only mounts, ACLs): try it.
  std::string probe = (dir / ".aqe-write-probe.XXXXXX").string();
  int fd = mkstemp(probe.data());
  if (fd < 0) return make_error("IO_ERROR", "cannot write in " + dir.string() + ": " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return ok_status();
}

}  // namespace aqe
