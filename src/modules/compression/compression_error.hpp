// Errors of the on-the-fly encoders, as std::error_code in the "ferry.compression" category
// (the request path reports failures as values, never by throwing).
#pragma once

#include <system_error>
#include <type_traits>

namespace ferry {

enum class compression_errc {
  finished = 1,   // encode() called after the stream was finished
  out_of_memory,  // the codec or the output buffer could not allocate
  codec_failure,  // the codec reported an internal error; the stream is unusable
};

const std::error_category& compression_category() noexcept;

inline std::error_code make_error_code(compression_errc e) noexcept {
  return {static_cast<int>(e), compression_category()};
}

}  // namespace ferry

template <>
struct std::is_error_code_enum<ferry::compression_errc> : std::true_type {};
