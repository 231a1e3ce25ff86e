#include "modules/compression/precompress_codec.hpp"

#include <brotli/encode.h>
#ifdef FERRY_HAVE_ZSTD
#include <zstd.h>
#endif

#include <algorithm>
#include <cstddef>
#include <new>
#include <string>

#include "modules/compression/compression_error.hpp"
#include "modules/compression/gzip_encoder.hpp"
#include "modules/compression/output_buffer.hpp"

namespace ferry {
namespace {

constexpr int brotli_min_window_bits = 10;  // BROTLI_MIN_WINDOW_BITS
// Brotli's window holds 2^bits - 16 bytes.
constexpr std::uint64_t brotli_window_slack = 16;

BrotliEncoderMode brotli_mode_for(std::string_view media_type) {
  if (media_type.starts_with("font/") || media_type == "application/vnd.ms-fontobject") {
    return BROTLI_MODE_FONT;
  }
  const bool text = media_type.starts_with("text/") || media_type.ends_with("javascript") ||
                    media_type.ends_with("json") || media_type.ends_with("xml");
  return text ? BROTLI_MODE_TEXT : BROTLI_MODE_GENERIC;
}

class sidecar_brotli_encoder final : public content_encoder {
 public:
  sidecar_brotli_encoder() = default;
  sidecar_brotli_encoder(const sidecar_brotli_encoder&) = delete;
  sidecar_brotli_encoder& operator=(const sidecar_brotli_encoder&) = delete;
  ~sidecar_brotli_encoder() override {
    if (state_ != nullptr) BrotliEncoderDestroyInstance(state_);
  }

  std::error_code init(std::uint64_t size, std::string_view media_type) {
    state_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    if (state_ == nullptr) return compression_errc::out_of_memory;
    // The hint only tunes the encoder; inputs of 1 GiB and more all look alike to it.
    const auto hint = static_cast<std::uint32_t>(std::min<std::uint64_t>(size, std::uint64_t{1} << 30));
    const bool ok =
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, precompress_brotli_quality) &&
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN,
                                  static_cast<std::uint32_t>(precompress_brotli_window_bits(size))) &&
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_SIZE_HINT, hint) &&
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_MODE, brotli_mode_for(media_type));
    return ok ? std::error_code() : std::error_code(compression_errc::codec_failure);
  }

  std::error_code encode(std::span<const char> input, bool finish, std::string& output) override {
    if (sticky_) return sticky_;
    const BrotliEncoderOperation operation = finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(input.data());
    std::size_t available_in = input.size();
    for (;;) {
      const std::size_t input_before = available_in;
      std::size_t available_out = 0;  // the encoder keeps its output; taken below without a copy
      if (!BrotliEncoderCompressStream(state_, operation, &available_in, &next_in, &available_out, nullptr,
                                       nullptr)) {
        return fail(compression_errc::codec_failure);
      }
      bool produced = false;
      while (BrotliEncoderHasMoreOutput(state_)) {
        std::size_t size = 0;
        const std::uint8_t* data = BrotliEncoderTakeOutput(state_, &size);
        if (!append_output(output, reinterpret_cast<const char*>(data), size)) {
          return fail(compression_errc::out_of_memory);
        }
        produced = produced || size != 0;
      }
      if (finish && BrotliEncoderIsFinished(state_)) {
        sticky_ = compression_errc::finished;
        return {};
      }
      if (!finish && available_in == 0) return {};
      // A round that neither takes input nor emits output would repeat forever.
      if (!produced && available_in == input_before) return fail(compression_errc::codec_failure);
    }
  }

 private:
  std::error_code fail(compression_errc e) {
    sticky_ = e;  // a failed stream stays failed
    return sticky_;
  }

  BrotliEncoderState* state_ = nullptr;
  std::error_code sticky_;  // finished or failed: every later call returns it
};

#ifdef FERRY_HAVE_ZSTD
class sidecar_zstd_encoder final : public content_encoder {
 public:
  sidecar_zstd_encoder() = default;
  sidecar_zstd_encoder(const sidecar_zstd_encoder&) = delete;
  sidecar_zstd_encoder& operator=(const sidecar_zstd_encoder&) = delete;
  ~sidecar_zstd_encoder() override { ZSTD_freeCCtx(context_); }

  std::error_code init(std::uint64_t size) {
    context_ = ZSTD_createCCtx();
    if (context_ == nullptr) return compression_errc::out_of_memory;
    // The pledged size goes into the frame header and lets zstd shrink its tables (and the
    // window) for small files; a file that changes size while being read fails the frame.
    const auto set = [this](ZSTD_cParameter parameter, int value) {
      return !ZSTD_isError(ZSTD_CCtx_setParameter(context_, parameter, value));
    };
    const bool ok = set(ZSTD_c_compressionLevel, precompress_zstd_level) &&
                    set(ZSTD_c_windowLog, precompress_zstd_window_log) && set(ZSTD_c_checksumFlag, 1) &&
                    !ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(context_, size));
    return ok ? std::error_code() : std::error_code(compression_errc::codec_failure);
  }

  std::error_code encode(std::span<const char> input, bool finish, std::string& output) override {
    if (sticky_) return sticky_;
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    const ZSTD_EndDirective mode = finish ? ZSTD_e_end : ZSTD_e_continue;
    const std::size_t step = ZSTD_CStreamOutSize();
    for (;;) {
      const std::size_t before = output.size();
      if (!grow_output(output, step)) return fail(compression_errc::out_of_memory);
      ZSTD_outBuffer out{output.data() + before, step, 0};
      const std::size_t remaining = ZSTD_compressStream2(context_, &out, &in, mode);
      output.resize(before + out.pos);
      if (ZSTD_isError(remaining)) return fail(compression_errc::codec_failure);
      if (finish ? remaining == 0 : in.pos == in.size) break;
    }
    if (finish) sticky_ = compression_errc::finished;
    return {};
  }

 private:
  std::error_code fail(compression_errc e) {
    sticky_ = e;
    return sticky_;
  }

  ZSTD_CCtx* context_ = nullptr;
  std::error_code sticky_;
};
#endif

template <class Encoder, class... Args>
std::unique_ptr<content_encoder> make_initialised(std::error_code& error, Args... args) {
  std::unique_ptr<Encoder> encoder(new (std::nothrow) Encoder());
  if (!encoder) {
    error = compression_errc::out_of_memory;
    return nullptr;
  }
  error = encoder->init(args...);
  if (error) return nullptr;
  return encoder;
}

}  // namespace

int precompress_brotli_window_bits(std::uint64_t size) {
  int bits = brotli_min_window_bits;
  while (bits < precompress_brotli_max_window_bits && (std::uint64_t{1} << bits) - brotli_window_slack < size) {
    ++bits;
  }
  return bits;
}

std::unique_ptr<content_encoder> make_sidecar_encoder(std::string_view coding, std::uint64_t size,
                                                      std::string_view media_type, std::error_code& error) {
  error.clear();
  if (coding == "br") return make_initialised<sidecar_brotli_encoder>(error, size, media_type);
#ifdef FERRY_HAVE_ZSTD
  if (coding == "zstd") return make_initialised<sidecar_zstd_encoder>(error, size);
#endif
  if (coding == "gzip") return make_gzip_encoder(precompress_gzip_level, error);
  error = std::make_error_code(std::errc::not_supported);
  return nullptr;
}

}  // namespace ferry
