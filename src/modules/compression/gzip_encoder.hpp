// Streaming gzip (RFC 1952) content coding over zlib's deflate.
#pragma once

#include <memory>
#include <system_error>

#include "modules/compression/codec_allocator.hpp"
#include "modules/content_encoder.hpp"

namespace ferry {

inline constexpr int gzip_min_level = 1;
inline constexpr int gzip_max_level = 9;

// A fresh gzip encoder at `level` (1..9, clamped). Returns null with `error` set when the
// encoder or zlib's state could not be allocated; the caller then sends the identity coding.
std::unique_ptr<content_encoder> make_gzip_encoder(int level, std::error_code& error,
                                                   const codec_allocator& allocator = {});

}  // namespace ferry
