#include "modules/auth/credential_result.hpp"

namespace ferry {

std::string_view to_string(credential_verdict verdict) {
  switch (verdict) {
    case credential_verdict::ok:
      return "ok";
    case credential_verdict::missing:
      return "missing";
    case credential_verdict::malformed:
      return "malformed";
    case credential_verdict::unknown:
      return "unknown";
    case credential_verdict::bad_secret:
      return "bad_secret";
    case credential_verdict::expired:
      return "expired";
    case credential_verdict::error:
      return "error";
  }
  return "error";
}

}  // namespace ferry
