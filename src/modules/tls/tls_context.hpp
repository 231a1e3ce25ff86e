// Owns the served certificates of one [tls] configuration: loads them at start-up and, on
// request, reloads those whose files changed into a new snapshot, swapped in for new
// handshakes while existing sessions keep the snapshot (and SSL_CTX) they started with.
#pragma once

#include <toml++/toml.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "modules/tls/certificate_set.hpp"
#include "modules/tls/ticket_keys.hpp"
#include "modules/tls/tls_config.hpp"

namespace ferry {

struct tls_problem {
  toml::source_region where;  // the config line that named the file
  std::string text;
};

class tls_context {
 public:
  // `alpn_protocols` in server preference order (today {"http/1.1"}; "h2" joins with HTTP/2).
  // `ticket_clock` is for tests: it drives ticket-key rotation without sleeping.
  tls_context(tls_config config, std::vector<std::string> alpn_protocols,
              ticket_key_ring::clock_function ticket_clock = {});

  // Loads every certificate; false (with every problem) when any fails.
  bool load(std::vector<tls_problem>& problems);

  // The snapshot new sessions start with.
  std::shared_ptr<const certificate_set> current() const;

  // Rebuilds the contexts of certificates whose cert or key file changed (all of them when
  // the client CA bundle or CRL changed). A context that fails keeps its old one; the
  // returned texts say why. Thread-safe.
  std::vector<std::string> reload_changed();

  const tls_config& config() const { return config_; }

 private:
  const tls_config config_;
  const std::vector<std::string> alpn_protocols_;
  const std::shared_ptr<ticket_key_ring> tickets_;
  std::mutex reload_mutex_;           // one reload at a time
  mutable std::mutex current_mutex_;  // guards current_ only: held for a pointer copy
  std::shared_ptr<const certificate_set> current_;
};

}  // namespace ferry
