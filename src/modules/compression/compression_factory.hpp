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
  // "br" or "gzip" (case-insensitive), at the configured level. Null for any other coding, and
  // also when the codec cannot allocate its state: the response then goes out uncompressed.
  std::unique_ptr<content_encoder> create(std::string_view coding) const override;
  // As create(), at cheapest_brotli_level / cheapest_gzip_level (or the configured level when
  // that is lower).
  std::unique_ptr<content_encoder> create_cheapest(std::string_view coding) const override;
  // [compression] under_pressure: true for "adapt", false for "ignore".
  bool yields_to_cpu_pressure() const override { return yields_to_pressure_; }

 private:
  // The encoder for `coding` at these levels, or null.
  std::unique_ptr<content_encoder> create_at(std::string_view coding, int gzip_level, int brotli_level) const;

  media_type_set types_;
  std::uint64_t min_size_;
  int gzip_level_;
  int brotli_level_;
  bool yields_to_pressure_;
};

// The levels of create_cheapest(): the fastest each codec has that still compresses text well
// (brotli 0 saves little more than gzip 1; brotli 1 costs about the same).
inline constexpr int cheapest_gzip_level = 1;
inline constexpr int cheapest_brotli_level = 1;

}  // namespace ferry
