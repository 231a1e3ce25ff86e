#include "server/site.hpp"

namespace ferry {

std::string_view sidecar_suffix(std::string_view coding) {
  if (coding == "br") return ".br";
  if (coding == "zstd") return ".zst";
  if (coding == "gzip") return ".gz";
  return {};
}

site::site(std::shared_ptr<const config> configuration)
    : cfg(std::move(configuration)),
      resolver(cfg->root, cfg->symlinks, cfg->dotfiles),
      mime(cfg->mime_types),
      rules(cfg->headers) {
  if (cfg->precompressed.enabled) {
    for (const auto& coding : cfg->precompressed.encodings) {
      // Views into the shared config, which this site keeps alive.
      if (!sidecar_suffix(coding).empty()) sidecar_codings.emplace_back(coding);
    }
  }
  limits.max_head = cfg->limits.max_request_head;
  limits.max_header_count = cfg->limits.max_header_count;
  limits.max_uri_length = cfg->limits.max_uri_length;
  limits.max_body = cfg->limits.max_body_size;
}

}  // namespace ferry
