#include "aqe/store/codec.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "aqe/util/writeback.h"

namespace aqe::store {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 1 << 18;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

StoreFailure io_failure(const std::string& what) {
  return store_failure(FailureKind::kPermanent, what + ": " + std::strerror(errno));
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { reset(); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void reset() { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  void update(const void* data, size_t len) { EVP_DigestUpdate(ctx_, data, len); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md.data(), &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 0xf];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// One compressor or decompressor: feeds `in` (empty with `last` = end of input) and hands
// every produced chunk to `sink`. Returns false on a codec error (message in `error`).
using Sink = std::function<bool(const char*, size_t)>;

class Codec {
 public:
  virtual ~Codec() = default;
  virtual bool feed(const char* in, size_t len, bool last, const Sink& sink) = 0;
  std::string error;
};

class ZstdCompress final : public Codec {
 public:
  explicit ZstdCompress(int level) : ctx_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level);
  }
  ~ZstdCompress() override { ZSTD_freeCCtx(ctx_); }
  ZstdCompress(const ZstdCompress&) = delete;
  ZstdCompress& operator=(const ZstdCompress&) = delete;
  bool feed(const char* in, size_t len, bool last, const Sink& sink) override {
    ZSTD_inBuffer input{in, len, 0};
    std::vector<char> out(ZSTD_CStreamOutSize());
    for (;;) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      const size_t left = ZSTD_compressStream2(ctx_, &output, &input, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(left)) {
        error = ZSTD_getErrorName(left);
        return false;
      }
      if (output.pos && !sink(out.data(), output.pos)) return false;
      if (last ? left == 0 : input.pos == input.size) return true;
    }
  }

 private:
  ZSTD_CCtx* ctx_;
};

class ZstdDecompress final : public Codec {
 public:
  ZstdDecompress() : ctx_(ZSTD_createDCtx()) {}
  ~ZstdDecompress() override { ZSTD_freeDCtx(ctx_); }
  ZstdDecompress(const ZstdDecompress&) = delete;
  ZstdDecompress& operator=(const ZstdDecompress&) = delete;
  bool feed(const char* in, size_t len, bool last, const Sink& sink) override {
    ZSTD_inBuffer input{in, len, 0};
    std::vector<char> out(ZSTD_DStreamOutSize());
    while (input.pos < input.size) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      pending_ = ZSTD_decompressStream(ctx_, &output, &input);
      if (ZSTD_isError(pending_)) {
        error = ZSTD_getErrorName(pending_);
        return false;
      }
      if (output.pos && !sink(out.data(), output.pos)) return false;
    }
    if (last && pending_ != 0) {
      error = "truncated zstd stream";
      return false;
    }
    return true;
  }

 private:
  ZSTD_DCtx* ctx_;
  size_t pending_ = 1;  // 0 once a frame is complete
};

// gzip framing (windowBits 15 + 16) over zlib's deflate/inflate.
class Gzip final : public Codec {
 public:
  Gzip(bool compress, int level) : compress_(compress) {
    ok_ = compress ? deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK
                   : inflateInit2(&z_, 15 + 16) == Z_OK;
  }
  ~Gzip() override { compress_ ? deflateEnd(&z_) : inflateEnd(&z_); }
  Gzip(const Gzip&) = delete;
  Gzip& operator=(const Gzip&) = delete;
  bool feed(const char* in, size_t len, bool last, const Sink& sink) override {
    if (!ok_) {
      error = "cannot initialise zlib";
      return false;
    }
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));  // zlib's API is not const-correct
    z_.avail_in = static_cast<uInt>(len);
    std::array<char, kChunk> out{};
    for (;;) {
      z_.next_out = reinterpret_cast<Bytef*>(out.data());
      z_.avail_out = static_cast<uInt>(out.size());
      const int rc = compress_ ? deflate(&z_, last ? Z_FINISH : Z_NO_FLUSH) : inflate(&z_, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        error = z_.msg ? z_.msg : "zlib error " + std::to_string(rc);
        return false;
      }
      const size_t produced = out.size() - z_.avail_out;
      if (produced && !sink(out.data(), produced)) return false;
      if (rc == Z_STREAM_END) {
        ended_ = true;
        return true;
      }
      if (z_.avail_in == 0 && z_.avail_out != 0) break;
    }
    if (last && !compress_ && !ended_) {
      error = "truncated gzip stream";
      return false;
    }
    return true;
  }

 private:
  z_stream z_{};
  bool compress_;
  bool ok_ = false;
  bool ended_ = false;
};

std::unique_ptr<Codec> make_codec(Compression c, bool compress, int level) {
  if (c == Compression::kZstd) {
    if (compress) return std::make_unique<ZstdCompress>(level);
    return std::make_unique<ZstdDecompress>();
  }
  if (c == Compression::kGzip) return std::make_unique<Gzip>(compress, level);
  return nullptr;
}

bool write_all(std::FILE* f, const char* data, size_t len) { return std::fwrite(data, 1, len, f) == len; }

// Reads `in` chunk by chunk and hands each chunk to `each`.
StoreStatus read_chunks(const fs::path& in,
                        const std::function<StoreStatus(const char*, size_t, bool)>& each) {
  const File f(std::fopen(in.c_str(), "rb"));
  if (!f) return io_failure("cannot read " + in.string());
  std::vector<char> buffer(kChunk);
  for (;;) {
    const size_t n = std::fread(buffer.data(), 1, buffer.size(), f.get());
    if (std::ferror(f.get())) return io_failure("cannot read " + in.string());
    const bool last = n < buffer.size() && std::feof(f.get());
    if (auto s = each(buffer.data(), n, last); !s) return s;
    if (last) return stored();
  }
}

}  // namespace

StoreResult<FileDigest> compress_file(const fs::path& in, const fs::path& out, Compression compression,
                                      int level) {
  FileDigest d;
  Sha256 sha;
  File dest;
  if (compression != Compression::kNone) {
    dest.reset(std::fopen(out.c_str(), "wb"));
    if (!dest) return io_failure("cannot create " + out.string());
  }
  auto codec = make_codec(compression, true, level);
  bool write_failed = false;
  const Sink sink = [&](const char* data, size_t len) {
    d.stored_size += len;
    write_failed = !write_all(dest.get(), data, len);
    return !write_failed;
  };
  auto s = read_chunks(in, [&](const char* data, size_t len, bool last) -> StoreStatus {
    sha.update(data, len);
    d.size += len;
    if (!codec) return stored();
    if (codec->feed(data, len, last, sink)) return stored();
    if (write_failed) return io_failure("cannot write " + out.string());
    return store_failure(FailureKind::kPermanent, "cannot compress " + in.string() + ": " + codec->error);
  });
  if (!s) return s.failure();
  if (dest && std::fclose(dest.release()) != 0) return io_failure("cannot write " + out.string());
  if (!codec) d.stored_size = d.size;
  d.sha256 = sha.hex();
  return d;
}

struct DecodingWriter::State {
  fs::path out;
  Compression compression;
  uint64_t max_size;
  uint64_t max_stored_size;
  int fd = -1;
  WritebackPacer writeback;
  std::unique_ptr<Codec> codec;
  Sha256 sha;
  FileDigest digest;
  std::optional<StoreFailure> failure;

  bool fail(StoreFailure f) {
    failure = std::move(f);
    return false;
  }

  // errno is read before the message is built: its allocations may clobber it.
  bool fail_io(const char* verb) {
    const int err = errno;
    return fail(store_failure(FailureKind::kPermanent,
                              std::string(verb) + " " + out.string() + ": " + std::strerror(err)));
  }

  bool corrupt(std::string why) { return fail(store_failure(FailureKind::kCorrupt, std::move(why))); }

  // A decoded chunk: counted, hashed and written.
  bool emit(const char* data, size_t len) {
    digest.size += len;
    // A stream that grows past its recorded size is not the stored file (nor one to keep writing).
    if (digest.size > max_size) {
      return corrupt(codec ? "decompresses to more bytes than the " + std::to_string(max_size) + " recorded"
                           : "longer than the " + std::to_string(max_size) + " bytes recorded");
    }
    sha.update(data, len);
    while (len > 0) {
      const ssize_t n = ::write(fd, data, len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_io("cannot write");
      data += n;
      len -= static_cast<size_t>(n);
      writeback.wrote(static_cast<size_t>(n));
    }
    return true;
  }

  bool codec_failed() {
    if (failure) return false;  // emit() said why
    return corrupt("invalid " + std::string(to_string(compression)) + " data (" + codec->error + ")");
  }
};

DecodingWriter::DecodingWriter(fs::path out, Compression compression, uint64_t max_size,
                               uint64_t max_stored_size)
    : s_(std::make_unique<State>()) {
  s_->out = std::move(out);
  s_->compression = compression;
  s_->max_size = max_size;
  s_->max_stored_size = max_stored_size;
}

DecodingWriter::~DecodingWriter() {
  if (s_->fd >= 0) ::close(s_->fd);
}

bool DecodingWriter::begin() {
  State& s = *s_;
  s.failure.reset();
  if (s.fd < 0) {
    s.fd = ::open(s.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s.fd < 0) return s.fail_io("cannot create");
  } else if (::ftruncate(s.fd, 0) != 0 || ::lseek(s.fd, 0, SEEK_SET) != 0) {
    return s.fail_io("cannot write");
  }
  s.writeback.reset(s.fd);
  s.codec = make_codec(s.compression, false, 0);
  s.sha.reset();
  s.digest = FileDigest{};
  return true;
}

bool DecodingWriter::write(const char* data, size_t len) {
  State& s = *s_;
  if (s.failure || s.fd < 0) return false;
  s.digest.stored_size += len;
  if (s.digest.stored_size > s.max_stored_size) {
    return s.corrupt("the object is longer than the " + std::to_string(s.max_stored_size) +
                     " bytes recorded");
  }
  if (!s.codec) return s.emit(data, len);
  if (s.codec->feed(data, len, false, [&s](const char* d, size_t n) { return s.emit(d, n); })) return true;
  return s.codec_failed();
}

StoreResult<FileDigest> DecodingWriter::finish() {
  State& s = *s_;
  if (!s.failure && s.fd < 0) begin();  // a backend that never started the read: an empty object
  if (s.failure) return *s.failure;
  if (s.codec && !s.codec->feed(nullptr, 0, true, [&s](const char* d, size_t n) { return s.emit(d, n); })) {
    s.codec_failed();
    return *s.failure;
  }
  const int fd = s.fd;
  s.fd = -1;
  // Closed whether or not fsync worked; the first error is the one reported.
  int err = ::fsync(fd) == 0 ? 0 : errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    return store_failure(FailureKind::kPermanent,
                         "cannot write " + s.out.string() + ": " + std::strerror(err));
  }
  s.digest.sha256 = s.sha.hex();
  return s.digest;
}

const std::optional<StoreFailure>& DecodingWriter::failure() const { return s_->failure; }

StoreResult<FileDigest> decompress_file(const fs::path& in, const fs::path& out, Compression compression,
                                        uint64_t max_size) {
  DecodingWriter writer(out, compression, max_size, UINT64_MAX);
  if (!writer.begin()) return *writer.failure();
  auto s = read_chunks(in, [&](const char* data, size_t len, bool /*last*/) -> StoreStatus {
    if (writer.write(data, len)) return stored();
    return *writer.failure();
  });
  if (!s) return s.failure();
  return writer.finish();
}

}  // namespace aqe::store
