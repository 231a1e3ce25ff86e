#include "modules/auth/authorization_decision.hpp"

namespace ferry {

std::string_view authorization_outcome_name(authorization_outcome outcome) {
  switch (outcome) {
    case authorization_outcome::allowed:
      return "allowed";
    case authorization_outcome::unauthenticated:
      return "unauthenticated";
    case authorization_outcome::forbidden:
      return "forbidden";
  }
  return "forbidden";
}

}  // namespace ferry
