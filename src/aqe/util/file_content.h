// A file's bytes, read-only: small files are read into a reused buffer, large ones mapped.
// Used by the scanner (every file of a tree) and the quality gate (a large coverage report).
#pragma once

#include <string>
#include <string_view>

#include "aqe/util/result.h"

namespace aqe {

class FileContent {
 public:
  FileContent() = default;
  FileContent(const FileContent&) = delete;
  FileContent& operator=(const FileContent&) = delete;
  ~FileContent() { release(); }

  // `buffer` is reused across files by one thread to avoid an allocation per small file.
  Status open(const std::string& path, std::string& buffer);
  std::string_view data() const { return data_; }

 private:
  void release();
  std::string_view data_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

}  // namespace aqe
