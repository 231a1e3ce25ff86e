// Encoders at their best settings for sidecars, which are compressed once and served many
// times: brotli quality 11, zstd level 19, gzip level 9. Much slower than the on-the-fly
// settings, and they need more memory (up to about 50 MiB for brotli and 90 MiB for zstd per
// encoder, less for small files), so only `ferry precompress` uses them.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <system_error>

#include "modules/content_encoder.hpp"

namespace ferry {

inline constexpr int precompress_brotli_quality = 11;
inline constexpr int precompress_zstd_level = 19;
inline constexpr int precompress_gzip_level = 9;
// Window limits: brotli's command-line default (4 MiB), and the 8 MiB that RFC 9659 allows a
// "zstd" content coding so that every browser can decode it.
inline constexpr int precompress_brotli_max_window_bits = 22;
inline constexpr int precompress_zstd_window_log = 23;

// The brotli window for an input of `size` bytes: the smallest that holds the whole input,
// between brotli's minimum (10) and precompress_brotli_max_window_bits. A smaller window costs
// nothing in ratio and saves the encoder's and the client's memory.
int precompress_brotli_window_bits(std::uint64_t size);

// A fresh encoder for `coding` ("br", "zstd" or "gzip") for an input of exactly `size` bytes
// of `media_type` (it picks brotli's text, font or generic mode). Null with `error` set when
// the coding is not compiled in or the encoder cannot be set up. The output is deterministic:
// the same input always gives the same bytes (gzip's header carries no time stamp).
std::unique_ptr<content_encoder> make_sidecar_encoder(std::string_view coding, std::uint64_t size,
                                                      std::string_view media_type, std::error_code& error);

}  // namespace ferry
