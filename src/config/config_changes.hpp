// What a reload changed, in words for the audit log: the top-level keys and tables of the TOML
// document whose contents differ ("changed: auth, tls; added: metrics; removed: health").
// Compared by a digest of each one's normalised TOML text, so reordering or reformatting the
// file is no change, while any edited value inside a table names that table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

namespace ferry {

// Top-level key -> digest, sorted by key.
using config_digests = std::vector<std::pair<std::string, std::uint64_t>>;

config_digests digest_config_sections(const toml::table& document);

// "no changes", or the changed/added/removed top-level keys.
std::string describe_config_changes(const config_digests& before, const config_digests& after);

}  // namespace ferry
