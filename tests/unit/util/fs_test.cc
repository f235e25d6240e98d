// util/fs.h: write_file_atomic replaces regular files whole and writes devices and FIFOs in place.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "aqe/util/fs.h"

namespace aqe {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "aqe-fs-XXXXXX").string();
  return fs::path(mkdtemp(tmpl.data()));
}

TEST(WriteFileAtomic, ReplacesARegularFileWhole) {
  const fs::path dir = temp_dir();
  ASSERT_TRUE(write_file_atomic(dir / "a" / "f.txt", "one"));
  ASSERT_TRUE(write_file_atomic(dir / "a" / "f.txt", "two"));
  EXPECT_EQ(*read_file(dir / "a" / "f.txt"), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "a"), fs::directory_iterator{}), 1);  // no temp left
  fs::remove_all(dir);
}

// `--output` naming a pipe (or /dev/null, /dev/stdout): the reader gets the bytes and the path
// stays what it was; a rename over it would have put a regular file there.
TEST(WriteFileAtomic, WritesAFifoInPlace) {
  const fs::path dir = temp_dir();
  const fs::path fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(write_file_atomic(fifo, "through the pipe"));
  char buf[64] = {};
  ssize_t n = ::read(reader, buf, sizeof buf);
  ::close(reader);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "through the pipe");
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aqe
