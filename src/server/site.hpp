// The runtime objects built once from one configuration: what the request path consults.
// Immutable and shared by every worker; a reload builds a new one and in-flight requests
// finish on the old.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "files/file_resolver.hpp"
#include "files/mime_types.hpp"
#include "http/http1_parser.hpp"
#include "policy/header_rules.hpp"
#include "server/bandwidth_budget.hpp"

namespace ferry {

struct site {
  // The default host's site, with one site per [[vhosts]] entry inside it.
  explicit site(std::shared_ptr<const config> configuration);
  // A virtual host's: `index` is its position in the top level's vhosts plus one.
  site(std::shared_ptr<const config> configuration, std::string vhost_name, std::size_t vhost_index);
  site(const site&) = delete;
  site& operator=(const site&) = delete;

  // The site serving requests for `host` (an authority's host, any case, a trailing dot
  // ignored): the virtual host with that exact server name, else the one with the longest
  // matching wildcard ("*.example.com" covers every name below example.com), else this one.
  const site& route(std::string_view host) const;
  bool has_vhosts() const { return !vhosts_.empty(); }

  std::shared_ptr<const config> cfg;
  std::string name;        // the virtual host's name; "" for the default host
  std::size_t index = 0;   // 0 for the default host; per-host state (file caches) is kept by it
  // 0 for the default host; else a number for the host's name, the same in every
  // configuration this process loads (per-tenant counts survive reloads by it).
  std::uint32_t tenant_id = 0;
  // The host's max_bandwidth budget, shared by every worker; null without a cap.
  bandwidth_budget* bandwidth = nullptr;
  file_resolver resolver;
  mime_table mime;
  header_rules rules;
  std::vector<std::string_view> sidecar_codings;  // "br", "zstd", "gzip" in preference order
  std::vector<std::string_view> sidecar_suffixes;  // their file name suffixes, in the same order
  http1_limits limits;

 private:
  std::vector<std::unique_ptr<const site>> vhosts_;
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, const site*, name_hash, std::equal_to<>> exact_names_;
  // (".example.com", site) for "*.example.com", longest suffix first.
  std::vector<std::pair<std::string, const site*>> wildcard_names_;
};

// The virtual-host name a site::tenant_id stands for ("" for 0 or an unknown id).
std::string tenant_name(std::uint32_t tenant_id);

// The file-name suffix of a precompressed sidecar for a coding ("br" → ".br").
std::string_view sidecar_suffix(std::string_view coding);

}  // namespace ferry
