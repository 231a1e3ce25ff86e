#include "modules/tls/certificate_names.hpp"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstddef>

namespace ferry {
namespace {

constexpr std::size_t max_name = 253;
constexpr std::size_t max_label = 63;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Dot-separated labels; counts them into `labels`.
bool valid_labels(std::string_view name, std::size_t& labels) {
  labels = 0;
  if (name.empty() || name.size() > max_name) return false;
  std::size_t length = 0;
  for (const char c : name) {
    if (c == '.') {
      if (length == 0) return false;
      ++labels;
      length = 0;
    } else if (!label_char(c) || ++length > max_label) {
      return false;
    }
  }
  if (length == 0) return false;
  ++labels;
  return true;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view asn1_text(const ASN1_STRING* text) {
  const unsigned char* data = ASN1_STRING_get0_data(text);
  const int length = ASN1_STRING_length(text);
  if (data == nullptr || length <= 0) return {};
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(length)};
}

}  // namespace

bool valid_certificate_name(std::string_view name) {
  std::size_t labels = 0;
  if (name.starts_with("*.")) return valid_labels(name.substr(2), labels) && labels >= 2;
  return valid_labels(name, labels);
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

bool certificate_name_matches(std::string_view pattern, std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.empty() || pattern.empty()) return false;
  if (!pattern.starts_with("*.")) return equal_ignoring_case(pattern, host);
  const std::string_view suffix = pattern.substr(1);  // ".example.com"
  if (host.size() <= suffix.size()) return false;
  const std::string_view first_label = host.substr(0, host.size() - suffix.size());
  return first_label.find('.') == std::string_view::npos &&
         equal_ignoring_case(host.substr(first_label.size()), suffix);
}

bool certificate_names_cover(const std::vector<std::string>& patterns, std::string_view host) {
  for (const auto& pattern : patterns) {
    if (certificate_name_matches(pattern, host)) return true;
  }
  return false;
}

std::vector<std::string> certificate_dns_names(X509* certificate) {
  std::vector<std::string> names;
  if (certificate == nullptr) return names;
  auto* alt_names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (alt_names != nullptr) {
    const int count = sk_GENERAL_NAME_num(alt_names);
    for (int i = 0; i < count; ++i) {
      const GENERAL_NAME* entry = sk_GENERAL_NAME_value(alt_names, i);
      if (entry->type != GEN_DNS) continue;
      const std::string_view name = asn1_text(entry->d.dNSName);
      if (valid_certificate_name(name)) names.push_back(lower_ascii(name));
    }
    GENERAL_NAMES_free(alt_names);
  }
  if (!names.empty()) return names;
  const X509_NAME* subject = X509_get_subject_name(certificate);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    const std::string_view name = asn1_text(cn);
    if (valid_certificate_name(name)) names.push_back(lower_ascii(name));
  }
  return names;
}

}  // namespace ferry
