// The runtime objects built once from one configuration: what the request path consults.
// Immutable and shared by every worker; a reload builds a new one and in-flight requests
// finish on the old.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "files/file_resolver.hpp"
#include "files/mime_types.hpp"
#include "http/http1_parser.hpp"
#include "policy/header_rules.hpp"

namespace ferry {

struct site {
  explicit site(std::shared_ptr<const config> configuration);

  std::shared_ptr<const config> cfg;
  file_resolver resolver;
  mime_table mime;
  header_rules rules;
  std::vector<std::string_view> sidecar_codings;  // "br", "zstd", "gzip" in preference order
  http1_limits limits;
};

// The file-name suffix of a precompressed sidecar for a coding ("br" → ".br").
std::string_view sidecar_suffix(std::string_view coding);

}  // namespace ferry
