#include "aqe/util/file_content.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aqe {
namespace {

// Below this, read() beats the page-table work of mmap/munmap.
constexpr size_t kMapThreshold = 256 * 1024;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Error read_error(const std::string& path) {
  return make_error("READ_FAILED", "unreadable: " + path + ": " + std::strerror(errno), "",
                    ExitCode::kFailure);
}

}  // namespace

void FileContent::release() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
  map_ = nullptr;
  data_ = {};
}

Status FileContent::open(const std::string& path, std::string& buffer) {
  release();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return read_error(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return read_error(path);
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) return ok_status();
  if (size >= kMapThreshold) {
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (m == MAP_FAILED) return read_error(path);
    ::madvise(m, size, MADV_SEQUENTIAL);
    map_ = m;
    map_size_ = size;
    data_ = std::string_view(static_cast<const char*>(m), size);
    return ok_status();
  }
  buffer.resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd.get(), buffer.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return read_error(path);
    if (n == 0) break;  // the file shrank since fstat
    got += static_cast<size_t>(n);
  }
  data_ = std::string_view(buffer.data(), got);
  return ok_status();
}

}  // namespace aqe
