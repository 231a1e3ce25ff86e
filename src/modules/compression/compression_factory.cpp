#include "modules/compression/compression_factory.hpp"

#include <algorithm>
#include <array>
#include <system_error>

#include "modules/compression/brotli_encoder.hpp"
#include "modules/compression/gzip_encoder.hpp"

namespace ferry {
namespace {

constexpr std::array<std::string_view, 2> offered_codings{"br", "gzip"};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  const auto lower = [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace

compression_factory::compression_factory(const compression_config& config)
    : min_size_(config.min_size),
      gzip_level_(config.gzip_level),
      brotli_level_(config.brotli_level),
      yields_to_pressure_(config.under_pressure == compression_pressure_policy::adapt) {
  for (const std::string& type : config.types) types_.add(type);
}

std::span<const std::string_view> compression_factory::codings() const { return offered_codings; }

bool compression_factory::should_compress(std::string_view media_type, std::uint64_t size) const {
  return size >= min_size_ && types_.contains(media_type);
}

std::unique_ptr<content_encoder> compression_factory::create(std::string_view coding) const {
  return create_at(coding, gzip_level_, brotli_level_);
}

std::unique_ptr<content_encoder> compression_factory::create_cheapest(std::string_view coding) const {
  return create_at(coding, std::min(gzip_level_, cheapest_gzip_level), std::min(brotli_level_, cheapest_brotli_level));
}

std::unique_ptr<content_encoder> compression_factory::create_at(std::string_view coding, int gzip_level,
                                                                int brotli_level) const {
  std::error_code error;  // the caller falls back to identity; the reason is not actionable
  if (equal_ignoring_case(coding, "br")) return make_brotli_encoder(brotli_level, error);
  if (equal_ignoring_case(coding, "gzip")) return make_gzip_encoder(gzip_level, error);
  return nullptr;
}

}  // namespace ferry
