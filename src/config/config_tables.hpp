// The core's part of the TOML layout: top-level keys and the [files], [error_pages],
// [[headers]], [limits], [admission], [request_id], [health], [client_address], [timeouts]
// and [log] tables. Internal to the loader.
#pragma once

#include "config/config.hpp"
#include "config/toml_reader.hpp"

namespace ferry {

// Reads every core key of the document root into `cfg`, taking them from `root` so that the
// caller can tell module tables and unknown keys apart afterwards.
void read_core_tables(toml_table_reader& root, config& cfg);

}  // namespace ferry
