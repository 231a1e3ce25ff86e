#include "modules/compression/brotli_encoder.hpp"

#include <brotli/encode.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>

#include "modules/compression/compression_error.hpp"
#include "modules/compression/output_buffer.hpp"

namespace ferry {
namespace {

// A 2^18 = 256 KiB window instead of brotli's default 4 MiB. Every compressed response
// allocates its own ring buffer and hash tables, so the window is what bounds memory per
// concurrent response (measured: 2.5 to 4 MiB per encoder at the default quality 4, whatever
// the file size; qualities 7..11 need 10..40 MiB for their larger hash tables). The client's
// decoder must hold the window too, and static text assets gain little from matches further back.
constexpr int brotli_window_bits = 18;

// Without a size hint brotli guesses the size from the first chunk, and at quality 4 a first
// chunk of 1 MiB or more switches to a hash table 4 MiB larger. A fixed hint makes memory
// independent of how the caller chunks the file; the larger table gained well under 0.1%.
constexpr std::uint32_t brotli_size_hint = std::uint32_t{1} << 18;

void* brotli_allocate(void* opaque, std::size_t size) {
  return static_cast<const codec_allocator*>(opaque)->allocate_bytes(size);
}

void brotli_release(void* opaque, void* address) {
  static_cast<const codec_allocator*>(opaque)->release_bytes(address);
}

class brotli_encoder final : public content_encoder {
 public:
  explicit brotli_encoder(const codec_allocator& allocator) : allocator_(allocator) {}
  brotli_encoder(const brotli_encoder&) = delete;  // brotli keeps a pointer to allocator_
  brotli_encoder& operator=(const brotli_encoder&) = delete;

  ~brotli_encoder() override {
    if (state_ != nullptr) BrotliEncoderDestroyInstance(state_);
  }

  std::error_code init(int level) {
    state_ = BrotliEncoderCreateInstance(&brotli_allocate, &brotli_release, &allocator_);
    if (state_ == nullptr) return compression_errc::out_of_memory;
    const bool ok = BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY,
                                              static_cast<std::uint32_t>(level)) &&
                    BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, brotli_window_bits) &&
                    BrotliEncoderSetParameter(state_, BROTLI_PARAM_SIZE_HINT, brotli_size_hint) &&
                    BrotliEncoderSetParameter(state_, BROTLI_PARAM_MODE, BROTLI_MODE_TEXT);
    return ok ? std::error_code() : std::error_code(compression_errc::codec_failure);
  }

  std::error_code encode(std::span<const char> input, bool finish, std::string& output) override {
    if (sticky_) return sticky_;
    if (const std::error_code ec = compress(input, finish, output)) {
      sticky_ = ec;  // a failed stream stays failed
      return ec;
    }
    if (finish) sticky_ = compression_errc::finished;
    return {};
  }

 private:
  std::error_code compress(std::span<const char> input, bool finish, std::string& output) {
    const BrotliEncoderOperation operation =
        finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(input.data());
    std::size_t available_in = input.size();
    for (;;) {
      const std::size_t input_before = available_in;
      // No output buffer: the encoder keeps what it produced and we take it below, which
      // appends each byte once without a scratch copy.
      std::size_t available_out = 0;
      if (!BrotliEncoderCompressStream(state_, operation, &available_in, &next_in, &available_out,
                                       nullptr, nullptr)) {
        return compression_errc::codec_failure;
      }
      bool produced = false;
      while (BrotliEncoderHasMoreOutput(state_)) {
        std::size_t size = 0;  // 0: take whatever is pending
        const std::uint8_t* data = BrotliEncoderTakeOutput(state_, &size);
        if (!append_output(output, reinterpret_cast<const char*>(data), size)) {
          return compression_errc::out_of_memory;
        }
        produced = produced || size != 0;
      }
      if (finish ? BrotliEncoderIsFinished(state_) : available_in == 0) return {};
      // The encoder always either takes input or emits output; a round with neither would
      // loop forever.
      if (!produced && available_in == input_before) return compression_errc::codec_failure;
    }
  }

  codec_allocator allocator_;
  BrotliEncoderState* state_ = nullptr;
  std::error_code sticky_;  // finished or failed: every later call returns it
};

}  // namespace

std::unique_ptr<content_encoder> make_brotli_encoder(int level, std::error_code& error,
                                                     const codec_allocator& allocator) {
  error.clear();
  std::unique_ptr<brotli_encoder> encoder(new (std::nothrow) brotli_encoder(allocator));
  if (!encoder) {
    error = compression_errc::out_of_memory;
    return nullptr;
  }
  error = encoder->init(std::clamp(level, brotli_min_level, brotli_max_level));
  if (error) return nullptr;
  return encoder;
}

}  // namespace ferry
