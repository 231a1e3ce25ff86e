// The content_encoder_factory the compression module installs: decides what is worth
// compressing and creates a per-response gzip or brotli encoder at the configured level.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "modules/compression/compression_config.hpp"
#include "modules/compression/media_type_set.hpp"
#include "modules/content_encoder.hpp"

namespace ferry {

class compression_factory final : public content_encoder_factory {
 public:
  explicit compression_factory(const compression_config& config);

  // {"br", "gzip"}: brotli first, as it is smaller at similar cost.
  std::span<const std::string_view> codings() const override;
  // The media type matches a configured type (case-insensitive, "type/*" wildcards) and
  // `size` >= min_size.
  bool should_compress(std::string_view media_type, std::uint64_t size) const override;
  // "br" or "gzip" (case-insensitive). Null for any other coding, and also when the codec
  // cannot allocate its state: the response then goes out uncompressed.
  std::unique_ptr<content_encoder> create(std::string_view coding) const override;

 private:
  media_type_set types_;
  std::uint64_t min_size_;
  int gzip_level_;
  int brotli_level_;
};

}  // namespace ferry
