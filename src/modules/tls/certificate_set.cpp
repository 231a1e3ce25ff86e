#include "modules/tls/certificate_set.hpp"

#include "modules/tls/certificate_names.hpp"

namespace ferry {

std::size_t certificate_set::select(std::string_view server_name) const {
  for (std::size_t i = 0; i < certificates.size(); ++i) {
    for (const auto& name : certificates[i]->names) {
      if (!name.starts_with("*.") && certificate_name_matches(name, server_name)) return i;
    }
  }
  for (std::size_t i = 0; i < certificates.size(); ++i) {
    for (const auto& name : certificates[i]->names) {
      if (name.starts_with("*.") && certificate_name_matches(name, server_name)) return i;
    }
  }
  return 0;
}

int tls_binding_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace ferry
