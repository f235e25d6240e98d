// Streaming compression (libzstd, zlib) and SHA-256 (libcrypto) of files, in bounded memory.
// Internal to store/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "aqe/store/artifact.h"

namespace aqe::store {

struct FileDigest {
  uint64_t size = 0;  // of the uncompressed bytes
  std::string sha256;
  uint64_t stored_size = 0;  // of the compressed bytes
};

// Hashes `in` and writes it compressed to `out`. With kNone, only hashes (out is not written).
StoreResult<FileDigest> compress_file(const std::filesystem::path& in, const std::filesystem::path& out,
                                      Compression compression, int level);

// Writes the decompressed bytes of `in` to `out` (fsynced), hashing them. An invalid stream or
// one longer than `max_size` is kCorrupt. With kNone, `in` is only hashed (out is not written).
StoreResult<FileDigest> decompress_file(const std::filesystem::path& in, const std::filesystem::path& out,
                                        Compression compression, uint64_t max_size);

}  // namespace aqe::store
