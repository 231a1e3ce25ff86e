#include "files/directory_listing.hpp"

#include "http/char_classes.hpp"
#include "http/http_date.hpp"
#include "http/text_escape.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>

namespace ferry {

namespace {

// Text for an HTML page: markup characters escaped, invalid UTF-8 and control characters shown
// as U+FFFD (they would otherwise be parse errors or invisible).
void append_html_text(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += utf8_replacement;
      ++i;
      continue;
    }
    if (len > 1) {
      out.append(s.substr(i, len));
      i += len;
      continue;
    }
    const char c = s[i++];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          out += utf8_replacement;
        } else {
          out += c;
        }
    }
  }
}

// A relative link to one entry: every byte outside RFC 3986 "unreserved" percent-encoded —
// '/' too, since a name is a single segment — so no name can add a scheme, query, fragment,
// host or extra path segment, nor break out of the attribute.
void append_href(std::string& out, std::string_view name) { append_percent_encoded(out, name); }

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

// Listings show times from 1970 on (a file's mtime can be anything).
std::string imf_fixdate(std::time_t t) { return format_http_date(std::max<std::time_t>(t, 0)); }

// Entries a listing never shows: they would link to this directory or its parent under a
// misleading name, and the caller should not pass them anyway.
bool is_listable(const listing_entry& e) { return !e.name.empty() && e.name != "." && e.name != ".."; }

void sort_entries(std::vector<listing_entry>& entries) {
  std::erase_if(entries, [](const listing_entry& e) { return !is_listable(e); });
  // std::string compares bytes as unsigned char, so the order is the UTF-8 code point order.
  std::sort(entries.begin(), entries.end(), [](const listing_entry& a, const listing_entry& b) {
    if (a.is_directory != b.is_directory) return a.is_directory;
    return a.name < b.name;
  });
}

}  // namespace

std::string render_listing_html(std::string_view url_path, std::vector<listing_entry> entries) {
  sort_entries(entries);
  std::string out;
  out.reserve(256 + entries.size() * 160);
  out += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Index of ";
  append_html_text(out, url_path);
  out += "</title>\n</head>\n<body>\n<h1>Index of ";
  append_html_text(out, url_path);
  out += "</h1>\n<table>\n<thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead>\n<tbody>\n";
  if (url_path != "/") {
    out += "<tr><td><a href=\"../\">../</a></td><td>-</td><td></td></tr>\n";
  }
  for (const listing_entry& e : entries) {
    out += "<tr><td><a href=\"";
    append_href(out, e.name);
    if (e.is_directory) out += '/';
    out += "\">";
    append_html_text(out, e.name);
    if (e.is_directory) out += '/';
    out += "</a></td><td>";
    out += e.is_directory ? std::string("-") : std::to_string(e.size);
    out += "</td><td>";
    out += imf_fixdate(e.modified);
    out += "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n</body>\n</html>\n";
  return out;
}

std::string render_listing_json(std::vector<listing_entry> entries) {
  sort_entries(entries);
  std::string out;
  out.reserve(2 + entries.size() * 96);
  out += '[';
  bool first = true;
  for (const listing_entry& e : entries) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    append_json_string(out, e.name);
    out += e.is_directory ? ",\"type\":\"directory\"" : ",\"type\":\"file\"";
    out += ",\"size\":";
    out += std::to_string(e.size);
    out += ",\"modified\":\"";
    out += imf_fixdate(e.modified);
    out += "\"}";
  }
  out += ']';
  return out;
}

namespace {

using char_class::trim_ows;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// qvalue (RFC 9110 §12.4.2) in thousandths: "0", "0.5", "1", "1.000"; nullopt when malformed.
std::optional<int> parse_qvalue(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  int value = (s[0] - '0') * 1000;
  if (s.size() == 1) return value;
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  int scale = 100;
  for (std::size_t i = 2; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value += (s[i] - '0') * scale;
    scale /= 10;
  }
  if (value > 1000) return std::nullopt;
  return value;
}

// Splits `s` at `sep` outside quoted strings (parameter values may be quoted and contain
// commas or semicolons). Calls f(piece) for every piece; one linear pass.
template <typename F>
void split_outside_quotes(std::string_view s, char sep, F&& f) {
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == sep) {
      f(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start <= s.size()) f(s.substr(start));
}

}  // namespace

bool listing_wants_json(std::string_view accept) {
  // Best q seen for each range that matters, in thousandths; -1 when the range is absent.
  int json = -1;
  int html = -1;
  int text_any = -1;
  int any = -1;

  split_outside_quotes(accept, ',', [&](std::string_view element) {
    std::string_view media_range;
    int q = 1000;
    bool valid = true;
    bool first = true;
    split_outside_quotes(element, ';', [&](std::string_view part) {
      part = trim_ows(part);
      if (first) {
        media_range = part;
        first = false;
        return;
      }
      const std::size_t eq = part.find('=');
      if (eq == std::string_view::npos) return;
      if (!iequals(trim_ows(part.substr(0, eq)), "q")) return;
      const auto parsed = parse_qvalue(trim_ows(part.substr(eq + 1)));
      if (parsed) {
        q = *parsed;
      } else {
        valid = false;  // a range whose weight we cannot read is ignored rather than guessed
      }
    });
    if (!valid || media_range.empty()) return;
    if (iequals(media_range, "application/json")) {
      json = std::max(json, q);
    } else if (iequals(media_range, "text/html")) {
      html = std::max(html, q);
    } else if (iequals(media_range, "text/*")) {
      text_any = std::max(text_any, q);
    } else if (iequals(media_range, "*/*")) {
      any = std::max(any, q);
    }
  });

  if (json <= 0) return false;
  // The most specific range that covers text/html gives its weight; none means not acceptable.
  const int html_q = html >= 0 ? html : text_any >= 0 ? text_any : any >= 0 ? any : 0;
  return json > html_q;
}

}  // namespace ferry
