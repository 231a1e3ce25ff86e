// The auth module's commands on the ferry binary: `ferry generate-key`, `ferry hash-key [KEY]`,
// `ferry sign-url ... PATH` and `ferry audit verify [--continued] FILE`.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "modules/module_registry.hpp"

namespace ferry {

std::vector<module_command> auth_commands();

// `ferry sign-url --keys FILE --kid KID (--expires-in DURATION | --expires TIME) [--client-ip ADDR] PATH`
// with the clock and the streams given, so tests can run it. Prints the link to `out`; exit 0,
// 1 when the key file cannot be read or has errors, 2 for a wrong command line (unknown kid,
// bad duration or time, bad address, bad path).
int sign_url_command(const std::vector<std::string>& args, std::int64_t now, std::ostream& out, std::ostream& err);

}  // namespace ferry
