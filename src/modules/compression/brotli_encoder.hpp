// Streaming brotli (RFC 7932) content coding over libbrotlienc.
#pragma once

#include <memory>
#include <system_error>

#include "modules/compression/codec_allocator.hpp"
#include "modules/content_encoder.hpp"

namespace ferry {

inline constexpr int brotli_min_level = 0;
inline constexpr int brotli_max_level = 11;

// A fresh brotli encoder at quality `level` (0..11, clamped), text mode, 256 KiB window.
// Returns null with `error` set when the encoder state could not be allocated.
//
// Limitation: libbrotlienc as shipped (built without BROTLI_ENCODER_CLEANUP_ON_OOM) calls
// exit() when an allocation fails after the state exists, so only the state allocation can be
// reported as an error; the small fixed window keeps those later allocations bounded.
std::unique_ptr<content_encoder> make_brotli_encoder(int level, std::error_code& error,
                                                     const codec_allocator& allocator = {});

}  // namespace ferry
