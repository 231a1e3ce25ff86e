// Audit events for what changes under a running server: configuration reloads (with what
// changed) and the certificates handshakes present. They go to the auth module's audit log
// (pipeline_extensions::access); without one nothing is written.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ferry {

// The certificates a configuration's TLS listeners present now (empty without TLS).
std::vector<certificate_expiry> presented_certificates(const config& cfg);

// At start: one "loaded" event per certificate.
void audit_started(const config& cfg);

// A reload that succeeded: the summary of what changed, through the new configuration's audit
// log, then the certificates it loaded, replaced or dropped. `generation` counts successful
// loads including this one.
void audit_reload_succeeded(const config& before, const config& after, std::uint64_t generation);

// A reload that failed: the error, through the configuration that keeps running.
void audit_reload_failed(const config& current, std::string_view error, std::uint64_t generation);

// Certificates that changed between two lists of the same listeners (index by index): "reloaded"
// where the fingerprint differs, "loaded" for entries only in `after`, "removed" for entries
// only in `before`.
void audit_certificate_changes(const config& cfg, const std::vector<certificate_expiry>& before,
                               const std::vector<certificate_expiry>& after);

}  // namespace ferry
