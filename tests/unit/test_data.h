// Reading the fixtures under tests/data from unit tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "aqe/util/fs.h"

namespace aqe::testing {

// tests/data/<relative>; a missing file fails the test and reads as "".
inline std::string test_data(const std::string& relative) {
  auto text = read_file(std::filesystem::path(AQE_TEST_DATA_DIR) / relative);
  EXPECT_TRUE(text.ok()) << relative;
  return text.ok() ? *text : std::string();
}

}  // namespace aqe::testing
