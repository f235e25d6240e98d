#include "aqe/util/writeback.h"

#include <fcntl.h>

namespace aqe {

void WritebackPacer::wrote(size_t len) {
  written_ += static_cast<off_t>(len);
#ifdef __linux__
  constexpr off_t kChunk = 8 << 20;
  if (fd_ < 0 || written_ - flushed_ < kChunk) return;
  ::sync_file_range(fd_, flushed_, written_ - flushed_, SYNC_FILE_RANGE_WRITE);
  flushed_ = written_;
#endif
}

}  // namespace aqe
