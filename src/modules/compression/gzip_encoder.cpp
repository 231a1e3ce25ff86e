#include "modules/compression/gzip_encoder.hpp"

#define ZLIB_CONST  // next_in is const: zlib never writes to the input
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <new>
#include <string>

#include "modules/compression/compression_error.hpp"
#include "modules/compression/output_buffer.hpp"

namespace ferry {
namespace {

constexpr int gzip_window_bits = 15 + 16;  // 32 KiB window; +16 selects the gzip wrapper
constexpr int gzip_mem_level = 8;          // zlib's default: 128 KiB of hash state
// Scratch space handed to deflate per round; the unused tail is cut off again.
constexpr uInt output_step = 16 * 1024;

voidpf zlib_allocate(voidpf opaque, uInt items, uInt size) {
  // Both factors are 32-bit, so the product cannot overflow a 64-bit size_t.
  const std::size_t bytes = static_cast<std::size_t>(items) * static_cast<std::size_t>(size);
  return static_cast<const codec_allocator*>(opaque)->allocate_bytes(bytes);
}

void zlib_release(voidpf opaque, voidpf address) {
  static_cast<const codec_allocator*>(opaque)->release_bytes(address);
}

class gzip_encoder final : public content_encoder {
 public:
  explicit gzip_encoder(const codec_allocator& allocator) : allocator_(allocator) {}
  gzip_encoder(const gzip_encoder&) = delete;  // zlib keeps a pointer to allocator_
  gzip_encoder& operator=(const gzip_encoder&) = delete;

  ~gzip_encoder() override {
    if (initialised_) deflateEnd(&stream_);
  }

  std::error_code init(int level) {
    stream_.zalloc = &zlib_allocate;
    stream_.zfree = &zlib_release;
    stream_.opaque = &allocator_;
    const int rc = deflateInit2(&stream_, level, Z_DEFLATED, gzip_window_bits, gzip_mem_level,
                                Z_DEFAULT_STRATEGY);
    if (rc == Z_MEM_ERROR) return compression_errc::out_of_memory;
    if (rc != Z_OK) return compression_errc::codec_failure;
    initialised_ = true;
    return {};
  }

  std::error_code encode(std::span<const char> input, bool finish, std::string& output) override {
    if (sticky_) return sticky_;
    // avail_in is 32-bit: longer inputs go to deflate in pieces; only the last may finish.
    std::size_t offset = 0;
    do {
      const std::size_t piece =
          std::min<std::size_t>(input.size() - offset, std::numeric_limits<uInt>::max());
      stream_.next_in = reinterpret_cast<const Bytef*>(input.data() + offset);
      stream_.avail_in = static_cast<uInt>(piece);
      offset += piece;
      if (const std::error_code ec = deflate_all(finish && offset == input.size(), output)) {
        sticky_ = ec;  // a failed stream stays failed
        return ec;
      }
    } while (offset < input.size());
    if (finish) sticky_ = compression_errc::finished;
    return {};
  }

 private:
  // Runs deflate until it has taken all of avail_in (and, when finishing, written the trailer),
  // appending exactly what it produced.
  std::error_code deflate_all(bool finishing, std::string& output) {
    const int flush = finishing ? Z_FINISH : Z_NO_FLUSH;
    for (;;) {
      const std::size_t before = output.size();
      if (!grow_output(output, output_step)) return compression_errc::out_of_memory;
      stream_.next_out = reinterpret_cast<Bytef*>(output.data() + before);
      stream_.avail_out = output_step;
      const int rc = deflate(&stream_, flush);
      output.resize(before + (output_step - stream_.avail_out));  // shrinking never allocates
      if (rc == Z_STREAM_END) return {};
      if (rc == Z_BUF_ERROR) {
        // No progress was possible: expected when all input is taken and nothing is pending;
        // while finishing with output space it would mean a broken stream.
        return finishing ? std::error_code(compression_errc::codec_failure) : std::error_code();
      }
      if (rc != Z_OK) return compression_errc::codec_failure;
      if (!finishing && stream_.avail_in == 0 && stream_.avail_out != 0) return {};
    }
  }

  codec_allocator allocator_;
  z_stream stream_{};
  bool initialised_ = false;
  std::error_code sticky_;  // finished or failed: every later call returns it
};

}  // namespace

std::unique_ptr<content_encoder> make_gzip_encoder(int level, std::error_code& error,
                                                   const codec_allocator& allocator) {
  error.clear();
  std::unique_ptr<gzip_encoder> encoder(new (std::nothrow) gzip_encoder(allocator));
  if (!encoder) {
    error = compression_errc::out_of_memory;
    return nullptr;
  }
  error = encoder->init(std::clamp(level, gzip_min_level, gzip_max_level));
  if (error) return nullptr;
  return encoder;
}

}  // namespace ferry
