// Response headers by path glob: Cache-Control, security headers, CORS.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "policy/path_glob.hpp"

namespace ferry {

struct response_header {
  std::string_view name;
  std::string_view value;
};

class header_rules {
 public:
  explicit header_rules(const std::vector<header_rule>& rules);

  // Appends to `out` the headers that the rules matching `path` set, in rule order (a later
  // rule's value for the same name replaces an earlier one; an empty value removes it). For
  // CORS rules: when `origin` is allowed, adds Access-Control-Allow-Origin (the origin itself,
  // or "*" for a wildcard rule without credentials), Access-Control-Allow-Credentials and
  // Access-Control-Expose-Headers; and whenever a CORS rule with an origin list matches,
  // `Vary: Origin` (even when the origin is absent or refused, so caches stay correct).
  // Views point into this object or into `origin`.
  void apply(std::string_view path, std::string_view origin, std::vector<response_header>& out) const;

  // A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method): appends the
  // Access-Control-Allow-{Origin,Methods,Headers,Credentials}, Max-Age and Vary headers and
  // returns true when a matching CORS rule allows the origin and method; false otherwise
  // (the caller then answers as for a plain OPTIONS).
  bool preflight(std::string_view path, std::string_view origin, std::string_view request_method,
                 std::vector<response_header>& out) const;

  // No rules at all: apply() and preflight() add nothing, whatever the request.
  bool empty() const { return rules_.empty(); }

 private:
  struct compiled_rule {
    path_glob glob;
    header_rule rule;
    std::string allow_methods;   // joined with ", "
    std::string allow_headers;
    std::string expose_headers;
    std::string max_age;
  };
  std::vector<compiled_rule> rules_;
};

}  // namespace ferry
