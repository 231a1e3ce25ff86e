#include "modules/auth/auth_commands.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "modules/auth/api_key_set.hpp"
#include "modules/auth/audit_chain.hpp"

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

}  // namespace

std::vector<module_command> auth_commands() {
  return {
      {"generate-key", "generate-key             print a new random API key (or URL-signing secret)", generate_key},
      {"hash-key", "hash-key [KEY]           print the sha256: form of an API key (KEY from stdin if omitted)",
       hash_key},
      {"audit", "audit verify [--continued] FILE   check an audit file's hash chain", audit},
  };
}

}  // namespace ferry
