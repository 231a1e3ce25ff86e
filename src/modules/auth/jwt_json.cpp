#include "modules/auth/jwt_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace ferry {

const json_value* json_value::find(std::string_view name) const {
  if (type != kind::object) return nullptr;
  for (const auto& member : members) {
    if (member.name == name) return &member.value;
  }
  return nullptr;
}

namespace {

// Numbers longer than this are refused: no JWT or JWK needs them, and it bounds from_chars.
constexpr std::size_t max_number_chars = 64;

void append_utf8(std::uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

class json_parser {
 public:
  json_parser(std::string_view text, const json_limits& limits) : text_(text), limits_(limits) {}

  bool parse_document(json_value& out) {
    skip_whitespace();
    if (!parse_value(out, 0)) return false;
    skip_whitespace();
    return pos_ == text_.size();
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }

  void skip_whitespace() {
    while (!at_end()) {
      const unsigned char c = peek();
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  bool consume_literal(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  bool parse_value(json_value& out, std::size_t depth) {
    if (at_end()) return false;
    switch (peek()) {
      case '{':
        return parse_object(out, depth + 1);
      case '[':
        return parse_array(out, depth + 1);
      case '"':
        out.type = json_value::kind::string;
        return parse_string(out.text);
      case 't':
        out.type = json_value::kind::boolean;
        out.boolean = true;
        return consume_literal("true");
      case 'f':
        out.type = json_value::kind::boolean;
        out.boolean = false;
        return consume_literal("false");
      case 'n':
        out.type = json_value::kind::null;
        return consume_literal("null");
      default:
        return parse_number(out);
    }
  }

  bool parse_object(json_value& out, std::size_t depth) {
    if (depth > limits_.max_depth) return false;
    out.type = json_value::kind::object;
    ++pos_;  // '{'
    skip_whitespace();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_whitespace();
      if (at_end() || peek() != '"') return false;
      json_member member;
      if (!parse_string(member.name)) return false;
      skip_whitespace();
      if (at_end() || peek() != ':') return false;
      ++pos_;
      skip_whitespace();
      if (!parse_value(member.value, depth)) return false;
      out.members.push_back(std::move(member));
      skip_whitespace();
      if (at_end()) return false;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') return false;
      ++pos_;
      break;
    }
    return unique_names(out.members);
  }

  static bool unique_names(const std::vector<json_member>& members) {
    if (members.size() < 2) return true;
    std::vector<std::string_view> names;
    names.reserve(members.size());
    for (const auto& member : members) names.emplace_back(member.name);
    std::sort(names.begin(), names.end());
    return std::adjacent_find(names.begin(), names.end()) == names.end();
  }

  bool parse_array(json_value& out, std::size_t depth) {
    if (depth > limits_.max_depth) return false;
    out.type = json_value::kind::array;
    ++pos_;  // '['
    skip_whitespace();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_whitespace();
      json_value item;
      if (!parse_value(item, depth)) return false;
      out.items.push_back(std::move(item));
      skip_whitespace();
      if (at_end()) return false;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ']') return false;
      ++pos_;
      return true;
    }
  }

  bool parse_hex4(std::uint32_t& out) {
    if (text_.size() - pos_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = peek();
      std::uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      out = (out << 4) | digit;
      ++pos_;
    }
    return true;
  }

  bool parse_escape(std::string& out) {
    if (at_end()) return false;
    const unsigned char c = peek();
    ++pos_;
    switch (c) {
      case '"': out.push_back('"'); return true;
      case '\\': out.push_back('\\'); return true;
      case '/': out.push_back('/'); return true;
      case 'b': out.push_back('\b'); return true;
      case 'f': out.push_back('\f'); return true;
      case 'n': out.push_back('\n'); return true;
      case 'r': out.push_back('\r'); return true;
      case 't': out.push_back('\t'); return true;
      case 'u': break;
      default: return false;
    }
    std::uint32_t unit = 0;
    if (!parse_hex4(unit)) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate without a high one
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      // A high surrogate must be followed by an escaped low surrogate.
      if (!consume_literal("\\u")) return false;
      std::uint32_t low = 0;
      if (!parse_hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(unit, out);
    return true;
  }

  // One UTF-8 encoded character starting at pos_ (first byte >= 0x80), validated per RFC 3629:
  // no overlong forms, no surrogates, nothing above U+10FFFF.
  bool copy_utf8(std::string& out) {
    const unsigned char lead = peek();
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (text_.size() - pos_ < length) return false;
    for (std::size_t i = 1; i < length; ++i) {
      const auto c = static_cast<unsigned char>(text_[pos_ + i]);
      const unsigned char min = i == 1 ? low : 0x80;
      const unsigned char max = i == 1 ? high : 0xBF;
      if (c < min || c > max) return false;
    }
    out.append(text_.substr(pos_, length));
    pos_ += length;
    return true;
  }

  bool parse_string(std::string& out) {
    ++pos_;  // '"'
    out.clear();
    while (!at_end()) {
      const unsigned char c = peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        ++pos_;
        if (!parse_escape(out)) return false;
      } else if (c < 0x20) {
        return false;  // control characters must be escaped
      } else if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        ++pos_;
      } else if (!copy_utf8(out)) {
        return false;
      }
    }
    return false;  // unterminated
  }

  bool parse_number(json_value& out) {
    const std::size_t start = pos_;
    auto digits = [this] {
      const std::size_t before = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - before;
    };
    if (!at_end() && peek() == '-') ++pos_;
    if (at_end()) return false;
    if (peek() == '0') {
      ++pos_;  // no leading zeros: "0" stands alone
    } else if (digits() == 0) {
      return false;
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (digits() == 0) return false;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (digits() == 0) return false;
    }
    if (pos_ - start > max_number_chars) return false;
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    double value = 0;
    const auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc() || end != last || !std::isfinite(value)) return false;
    out.type = json_value::kind::number;
    out.number = value;
    return true;
  }

  std::string_view text_;
  const json_limits& limits_;
  std::size_t pos_ = 0;
};

}  // namespace

bool json_parse(std::string_view text, const json_limits& limits, json_value& out) {
  out = json_value{};
  if (text.size() > limits.max_bytes) return false;
  json_parser parser(text, limits);
  return parser.parse_document(out);
}

}  // namespace ferry
