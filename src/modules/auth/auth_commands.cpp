#include "modules/auth/auth_commands.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/toml_values.hpp"
#include "modules/auth/api_key_set.hpp"
#include "modules/auth/audit_chain.hpp"
#include "modules/auth/credential_time.hpp"
#include "modules/auth/signed_url.hpp"

namespace ferry {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;
// Shorter keys are likely chosen by a person, and a leaked unsalted hash of one can be guessed.
constexpr std::size_t short_key = 22;

int generate_key(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "usage: ferry generate-key\n");
    return exit_usage;
  }
  const std::string key = generate_api_key();
  if (key.empty()) {
    std::fprintf(stderr, "ferry generate-key: the random generator failed\n");
    return exit_failed;
  }
  std::printf("%s\n", key.c_str());
  return exit_ok;
}

// The key comes from the argument or, better (it stays out of the shell history), stdin.
int hash_key(const std::vector<std::string>& args) {
  if (args.size() > 1) {
    std::fprintf(stderr, "usage: ferry hash-key [KEY]   (without KEY: one line from stdin)\n");
    return exit_usage;
  }
  std::string key;
  if (args.empty()) {
    std::getline(std::cin, key);
    if (!key.empty() && key.back() == '\r') key.pop_back();
  } else {
    key = args.front();
  }
  const std::string hash = hash_api_key(key);
  if (key.empty() || hash.empty()) {
    std::fprintf(stderr, "ferry hash-key: no key given\n");
    return exit_usage;
  }
  if (key.size() < short_key) {
    std::fprintf(stderr, "ferry hash-key: warning: a key this short can be guessed from its hash; use ferry generate-key\n");
  }
  std::printf("%s\n", hash.c_str());
  return exit_ok;
}

int audit(const std::vector<std::string>& args) {
  audit_chain_verify_options options;
  std::string file;
  const bool usage_ok = !args.empty() && args[0] == "verify" &&
                        ((args.size() == 2 && args[1] != "--continued") ||
                         (args.size() == 3 && args[1] == "--continued"));
  if (!usage_ok) {
    std::fprintf(stderr, "usage: ferry audit verify [--continued] FILE\n");
    return exit_usage;
  }
  if (args.size() == 3) options.from_seed = false;
  file = args.back();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "ferry audit verify: cannot open %s\n", file.c_str());
    return exit_failed;
  }
  const audit_chain_result result = verify_audit_chain(in, options);
  if (!result.ok) {
    std::printf("%s: line %llu: %s\n", file.c_str(), static_cast<unsigned long long>(result.bad_line),
                result.error.c_str());
    return exit_failed;
  }
  std::printf("%s: ok, %llu lines, last %s\n", file.c_str(), static_cast<unsigned long long>(result.lines),
              result.last_hash.c_str());
  return exit_ok;
}

// --- sign-url ----------------------------------------------------------------------------------

constexpr std::string_view sign_url_usage =
    "usage: ferry sign-url --keys FILE --kid KID (--expires-in DURATION | --expires TIME) [--client-ip ADDR] PATH\n"
    "  FILE      the [auth.signed_urls] key file (\"<kid> <secret>\" lines)\n"
    "  DURATION  from now: 90s, 10m, 1h, 7d\n"
    "  TIME      Unix seconds or RFC 3339 (2027-01-01T00:00:00Z)\n"
    "  ADDR      the client's address, when [auth.signed_urls] has bind_client_ip = true\n"
    "  PATH      the path as it names the file, not percent-encoded (/downloads/a b.txt)\n"
    "Prints PATH percent-encoded with ?expires=...&kid=...&sig=...\n";

struct sign_url_arguments {
  std::optional<std::string> keys;
  std::optional<std::string> kid;
  std::optional<std::string> expires_in;
  std::optional<std::string> expires;
  std::optional<std::string> client_ip;
  std::optional<std::string> path;
};

// Fills `out` from "--name VALUE", "--name=VALUE" and one PATH; "" or what is wrong.
std::string parse_sign_url_arguments(const std::vector<std::string>& args, sign_url_arguments& out) {
  const std::array<std::pair<std::string_view, std::optional<std::string>*>, 5> options{{
      {"--keys", &out.keys},
      {"--kid", &out.kid},
      {"--expires-in", &out.expires_in},
      {"--expires", &out.expires},
      {"--client-ip", &out.client_ip},
  }};
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.empty() || arg.front() != '-') {
      if (out.path) return "more than one PATH";
      out.path = arg;
      continue;
    }
    const std::size_t eq = arg.find('=');
    const std::string_view name = std::string_view(arg).substr(0, eq);
    std::optional<std::string>* slot = nullptr;
    for (const auto& [option, target] : options) {
      if (option == name) slot = target;
    }
    if (slot == nullptr) return "unknown option " + quote_for_message(name);
    if (slot->has_value()) return std::string(name) + " given twice";
    if (eq != std::string::npos) {
      *slot = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      *slot = args[++i];
    } else {
      return std::string(name) + " needs a value";
    }
  }
  if (!out.keys) return "--keys FILE is required";
  if (!out.kid) return "--kid KID is required";
  if (out.expires_in.has_value() == out.expires.has_value()) return "give one of --expires-in or --expires";
  if (!out.path) return "PATH is required";
  return {};
}

// Whole seconds (rounded up) of "90s", "10m", "1h" (the config's durations) or "7d".
parsed<std::int64_t> parse_lifetime(std::string_view text) {
  parsed<std::int64_t> out;
  const bool days = !text.empty() && text.back() == 'd';
  const parsed<std::chrono::milliseconds> duration =
      parse_duration(days ? std::string(text.substr(0, text.size() - 1)) + "h" : std::string(text));
  if (!duration) {
    out.error = duration.error;
    return out;
  }
  std::int64_t ms = duration.value.count();
  if (days) {
    if (ms > std::numeric_limits<std::int64_t>::max() / 24) {
      out.error = "is too large";
      return out;
    }
    ms *= 24;
  }
  out.value = ms / 1000 + (ms % 1000 != 0 ? 1 : 0);
  if (out.value == 0) out.error = "must be more than 0s";
  return out;
}

// The address in the server's text form (inet_ntop, as the access log shows it), so
// "2001:DB8::0001" signs the same as "2001:db8::1". An IPv6 zone ("%eth0") is kept as given.
std::optional<std::string> canonical_client_ip(std::string_view text) {
  const std::size_t percent = text.find('%');
  const std::string address(text.substr(0, percent));
  std::array<unsigned char, 16> bytes{};
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  if (percent == std::string_view::npos && inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
    if (inet_ntop(AF_INET, bytes.data(), buffer.data(), buffer.size()) == nullptr) return std::nullopt;
    return std::string(buffer.data());
  }
  if (inet_pton(AF_INET6, address.c_str(), bytes.data()) != 1) return std::nullopt;
  if (inet_ntop(AF_INET6, bytes.data(), buffer.data(), buffer.size()) == nullptr) return std::nullopt;
  std::string canonical(buffer.data());
  if (percent != std::string_view::npos) canonical += text.substr(percent);
  return canonical;
}

}  // namespace

int sign_url_command(const std::vector<std::string>& args, std::int64_t now, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << sign_url_usage;
    return exit_ok;
  }
  const auto usage_error = [&](const std::string& what) {
    err << "ferry sign-url: " << what << '\n' << sign_url_usage;
    return exit_usage;
  };
  const auto error = [&](const std::string& what, int status) {
    err << "ferry sign-url: " << what << '\n';
    return status;
  };
  sign_url_arguments a;
  if (const std::string problem = parse_sign_url_arguments(args, a); !problem.empty()) return usage_error(problem);

  std::int64_t expires = 0;
  if (a.expires_in) {
    const parsed<std::int64_t> lifetime = parse_lifetime(*a.expires_in);
    if (!lifetime) {
      return error("--expires-in " + quote_for_message(*a.expires_in) + " " + lifetime.error +
                       " (use e.g. 90s, 10m, 1h or 7d)",
                   exit_usage);
    }
    // Far beyond the 12-digit expiry that sign_url_path refuses; stops an overflow.
    if (lifetime.value > std::numeric_limits<std::int64_t>::max() - now) {
      return error("--expires-in " + quote_for_message(*a.expires_in) + " is too large", exit_usage);
    }
    expires = now + lifetime.value;
  } else {
    const std::optional<std::int64_t> at = credential::parse_expiry(*a.expires);
    if (!at) {
      return error("--expires " + quote_for_message(*a.expires) +
                       " is not Unix seconds or an RFC 3339 time (2027-01-01T00:00:00Z)",
                   exit_usage);
    }
    expires = *at;
  }

  std::string client_ip;
  if (a.client_ip) {
    const std::optional<std::string> canonical = canonical_client_ip(*a.client_ip);
    if (!canonical) {
      return error("--client-ip " + quote_for_message(*a.client_ip) + " is not a numeric IPv4 or IPv6 address",
                   exit_usage);
    }
    client_ip = *canonical;
  }

  const url_signing_key_file_load load = load_url_signing_key_file(*a.keys);
  if (!load.set) {
    for (const std::string& problem : load.errors) err << "ferry sign-url: " << problem << '\n';
    if (load.errors.empty()) err << "ferry sign-url: " << *a.keys << ": cannot load\n";
    return exit_failed;
  }
  const url_signing_key* key = load.set->find(*a.kid);
  if (key == nullptr) return error("no key " + quote_for_message(*a.kid) + " in " + *a.keys, exit_usage);

  const signed_link link = sign_url_path(*a.path, expires, key->id, key->secret, client_ip);
  if (!link.error.empty()) return error(link.error + ": " + quote_for_message(*a.path), exit_usage);
  if (expires <= now) err << "ferry sign-url: warning: the link has already expired\n";
  out << link.link << '\n';
  return exit_ok;
}

namespace {

int sign_url_now(const std::vector<std::string>& args) {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return sign_url_command(args, now, std::cout, std::cerr);
}

}  // namespace

std::vector<module_command> auth_commands() {
  return {
      {"generate-key", "generate-key             print a new random API key (or URL-signing secret)", generate_key},
      {"hash-key", "hash-key [KEY]           print the sha256: form of an API key (KEY from stdin if omitted)",
       hash_key},
      {"sign-url", "sign-url --keys FILE --kid KID --expires-in DURATION PATH   print a signed URL (sign-url --help)",
       sign_url_now},
      {"audit", "audit verify [--continued] FILE   check an audit file's hash chain", audit},
  };
}

}  // namespace ferry
