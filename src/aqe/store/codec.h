// Streaming compression (libzstd, zlib) and SHA-256 (libcrypto) of files, in bounded memory.
// Internal to store/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
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

// Writes an object's bytes to a file as a backend reads them, decompressed, hashing what it
// writes: a fetch reads every byte once. An invalid stream, more stored bytes than
// `max_stored_size` or more decompressed bytes than `max_size` is kCorrupt and stops the read
// there, so a wrong object cannot fill the disk.
class DecodingWriter final : public ObjectSink {
 public:
  DecodingWriter(std::filesystem::path out, Compression compression, uint64_t max_size,
                 uint64_t max_stored_size);
  ~DecodingWriter() override;
  DecodingWriter(const DecodingWriter&) = delete;
  DecodingWriter& operator=(const DecodingWriter&) = delete;

  // Creates `out`, or empties it when a retried read starts over.
  bool begin() override;
  bool write(const char* data, size_t len) override;
  // After the last byte: ends the stream (a truncated one is kCorrupt), fsyncs and closes the
  // file, and returns the sizes and the sha256 of what was written.
  StoreResult<FileDigest> finish();
  // Why begin() or write() returned false.
  const std::optional<StoreFailure>& failure() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Writes the decompressed bytes of `in` to `out` (fsynced), hashing them, through a
// DecodingWriter. An invalid stream or one longer than `max_size` is kCorrupt.
StoreResult<FileDigest> decompress_file(const std::filesystem::path& in, const std::filesystem::path& out,
                                        Compression compression, uint64_t max_size);

}  // namespace aqe::store
