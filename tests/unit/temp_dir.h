// A fresh directory under the system temp dir for one test, removed with everything in it
// when the test ends. Shared by the unit tests that need files on disk.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "aqe/util/fs.h"

namespace aqe::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "aqe-unit") {
    auto d = make_temp_dir(prefix);
    if (!d) ADD_FAILURE() << "cannot create a temp dir: " << d.error().message;
    if (d) path_ = *d;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to `rel` (created with its parent directories), byte for byte.
  std::filesystem::path write(const std::string& rel, std::string_view content) const {
    const std::filesystem::path p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace aqe::testing
