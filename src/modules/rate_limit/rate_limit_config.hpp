// The [rate_limit] table, read once per configuration load into immutable settings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/config_error.hpp"
#include "modules/rate_limit/client_key.hpp"
#include "modules/rate_limit/gcra.hpp"
#include "modules/rate_limit/redis_client.hpp"
#include "policy/path_glob.hpp"

namespace ferry {

enum class limit_key_kind : std::uint8_t {
  client_address,  // the client address, IPv4 and IPv6 grouped by their prefixes
  principal,       // the authenticated identity (JWT sub, API key id, ...); anonymous: not counted
  tenant,          // the authenticated identity's tenant ([auth.mtls], ...); none: not counted
  vhost,           // the virtual host (its [[vhosts]] name, or the host as sent on the default one)
  header,          // a request header's value; absent: not counted
};

struct limit_rule {
  std::string name;      // unique; the RateLimit policy name
  std::string vhost;     // "*" or a lower-case host
  path_glob path{"/**"};
  bool every_path = true;  // path is "/**": no need to match
  limit_key_kind key = limit_key_kind::client_address;
  std::string header;    // key = header: its name
  std::int64_t requests = 1;
  std::int64_t period_ns = 1'000'000'000;
  gcra_policy policy;
  std::string policy_header;  // the RateLimit-Policy value, formatted once
};

enum class rate_limit_backend : std::uint8_t {
  local,  // one table in this process, exact across its workers
  redis,  // shared by every instance using the same Redis
};

// What a limit does with a request when Redis cannot decide it (timeout, no connection, error).
enum class redis_failure_action : std::uint8_t {
  local,   // decide it in this process's table: each instance enforces the limit alone
  open,    // let it through: the limit does not count it
  closed,  // refuse the request with 503 and Retry-After: 1
};

// [rate_limit.redis]
struct redis_limit_settings {
  redis_client_config client;  // host, port, AUTH, db, connections, timeouts, TLS
  std::string key_prefix = "ferry:rl:";
  redis_failure_action on_failure = redis_failure_action::local;  // from on_error and local_fallback
};

struct rate_limit_settings {
  std::size_t max_keys = 100'000;
  client_key_prefixes prefixes;
  bool headers = true;  // RateLimit-Policy and RateLimit on responses a limit covers
  std::vector<limit_rule> limits;
  rate_limit_backend backend = rate_limit_backend::local;
  redis_limit_settings redis;  // backend = redis only
};

// Reads [rate_limit]; every problem goes to `errors` with its line. Nullopt when there was one.
// A password_file is read here, and TLS files are loaded once to check them, so a missing file
// is a config error rather than a Redis that never connects.
std::optional<rate_limit_settings> parse_rate_limit_config(const toml::table& table, config_error_sink& errors);

// "100/s", "6000/m", "1/h", "10000/d" -> (requests, period in ns); false when malformed or out
// of range (1 to 1,000,000,000 requests).
bool parse_rate(std::string_view text, std::int64_t& requests, std::int64_t& period_ns);

}  // namespace ferry
