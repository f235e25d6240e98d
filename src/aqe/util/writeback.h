// Starts the kernel writing a file out while it is still being written (Linux sync_file_range,
// every 8 MiB), so the fsync at its end waits for the last chunk only, not the whole file: the
// disk works while the network does. A no-op elsewhere.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace aqe {

class WritebackPacer {
 public:
  // `fd` is written from offset 0 on, sequentially.
  explicit WritebackPacer(int fd = -1) : fd_(fd) {}
  // Starts again for a file written anew from offset 0 (a truncated or another descriptor).
  void reset(int fd) {
    fd_ = fd;
    written_ = 0;
    flushed_ = 0;
  }
  // After `len` more bytes were written.
  void wrote(size_t len);

 private:
  int fd_;
  off_t written_ = 0;
  off_t flushed_ = 0;  // bytes whose writeback was started
};

}  // namespace aqe
