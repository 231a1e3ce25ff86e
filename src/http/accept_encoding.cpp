#include "http/accept_encoding.hpp"

#include <cstddef>

#include "http/char_classes.hpp"

namespace ferry {

namespace {

// q-values in thousandths: 0..1000. `unranked` marks a coding the header says nothing about.
constexpr int unranked = -1;

using char_class::trim_ows;

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

// RFC 9110 §8.4.1.1/§8.4.1.3: x-gzip and x-compress are aliases kept for old clients.
std::string_view canonical_coding(std::string_view coding) {
  if (iequals(coding, "x-gzip")) return "gzip";
  if (iequals(coding, "x-compress")) return "compress";
  return coding;
}

bool same_coding(std::string_view a, std::string_view b) {
  return iequals(canonical_coding(a), canonical_coding(b));
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 if invalid.
int parse_qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return -1;
  const int whole = text[0] - '0';
  if (text.size() == 1) return whole * 1000;
  if (text[1] != '.' || text.size() > 5) return -1;
  int thousandths = 0;
  int scale = 100;
  for (const char c : text.substr(2)) {
    if (c < '0' || c > '9') return -1;
    thousandths += (c - '0') * scale;
    scale /= 10;
  }
  if (whole == 1 && thousandths != 0) return -1;
  return whole * 1000 + thousandths;
}

struct coding_element {
  std::string_view coding;
  int q = 1000;
};

// Parses one list element: OWS coding [ OWS ";" OWS "q=" qvalue ] OWS. nullopt-like result
// (empty coding) for anything else, which the caller treats as absent.
coding_element parse_element(std::string_view element) {
  coding_element result;
  const std::size_t semicolon = element.find(';');
  const std::string_view coding = trim_ows(element.substr(0, semicolon));
  if (!is_token(coding)) return {};
  if (semicolon != std::string_view::npos) {
    const std::string_view weight = trim_ows(element.substr(semicolon + 1));
    if (weight.size() < 2 || to_lower(weight[0]) != 'q' || weight[1] != '=') return {};
    result.q = parse_qvalue(weight.substr(2));
    if (result.q < 0) return {};
  }
  result.coding = coding;
  return result;
}

// Calls visit(coding, q) for each valid element, in header order. Linear in the header.
template <typename Visitor>
void for_each_element(std::string_view header, Visitor visit) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const coding_element element = parse_element(header.substr(0, comma));
    if (!element.coding.empty()) visit(element.coding, element.q);
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
}

// The q the header gives `coding`: its first explicit element, else the first "*", else unranked.
int q_for(std::string_view header, std::string_view coding) {
  int explicit_q = unranked;
  int wildcard_q = unranked;
  for_each_element(header, [&](std::string_view name, int q) {
    if (explicit_q == unranked && same_coding(name, coding)) explicit_q = q;
    if (wildcard_q == unranked && name == "*") wildcard_q = q;
  });
  return explicit_q != unranked ? explicit_q : wildcard_q;
}

}  // namespace

std::string_view choose_encoding(std::string_view accept_encoding,
                                 std::span<const std::string_view> available) {
  // One pass over the header per offered coding: the server offers a handful, so the work
  // stays linear in the header and nothing is allocated.
  std::string_view best;
  int best_q = 0;
  for (const std::string_view candidate : available) {
    if (candidate.empty() || iequals(candidate, "identity")) continue;
    const int q = q_for(accept_encoding, candidate);
    if (q > best_q) {  // strictly greater: ties keep the server's earlier preference
      best = candidate;
      best_q = q;
    }
  }
  if (best.empty()) return {};
  // A client that ranks identity above every coding we could send gets identity; on a tie
  // the compressed coding wins, since the client accepts both equally.
  if (q_for(accept_encoding, "identity") > best_q) return {};
  return best;
}

}  // namespace ferry
