#include "aqe/util/file_content.h"

#include <gtest/gtest.h>

#include <string>

#include "temp_dir.h"

namespace aqe {
namespace {

TEST(FileContent, SmallFileIsReadIntoTheBuffer) {
  aqe::testing::TempDir tmp("aqe-util-test");
  const auto path = tmp.write("small.txt", std::string("a\0b\nc", 5));
  std::string buffer;
  FileContent c;
  ASSERT_TRUE(c.open(path.string(), buffer).ok());
  EXPECT_EQ(c.data(), std::string_view("a\0b\nc", 5));
  EXPECT_EQ(c.data().data(), buffer.data());
}

TEST(FileContent, LargeFileIsMappedAndReopeningReplacesIt) {
  aqe::testing::TempDir tmp("aqe-util-test");
  std::string big(1 << 20, 'x');
  big.back() = 'y';
  const auto large = tmp.write("large.bin", big);
  const auto small = tmp.write("small.txt", "hello");
  std::string buffer;
  FileContent c;
  ASSERT_TRUE(c.open(large.string(), buffer).ok());
  EXPECT_EQ(c.data().size(), big.size());
  EXPECT_EQ(c.data().back(), 'y');
  EXPECT_TRUE(buffer.empty()) << "a mapped file does not use the buffer";
  ASSERT_TRUE(c.open(small.string(), buffer).ok());
  EXPECT_EQ(c.data(), "hello");
}

TEST(FileContent, EmptyAndMissingFiles) {
  aqe::testing::TempDir tmp("aqe-util-test");
  const auto empty = tmp.write("empty.txt", "");
  std::string buffer;
  FileContent c;
  ASSERT_TRUE(c.open(empty.string(), buffer).ok());
  EXPECT_TRUE(c.data().empty());
  auto missing = c.open((tmp.path() / "nope.txt").string(), buffer);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope.txt"), std::string::npos) << missing.error().message;
  EXPECT_TRUE(c.data().empty());
}

}  // namespace
}  // namespace aqe
