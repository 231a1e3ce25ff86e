// A parsed request as every protocol delivers it to the router and the policies. Views point
// into the connection's read buffer and stay valid until the response has been built.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

enum class http_method : std::uint8_t { get, head, options, connect, other_known };

struct header_view {
  std::string_view name;
  std::string_view value;
};

// ASCII case-insensitive comparison for header names and tokens.
bool iequals_same_size(const char* a, const char* b, std::size_t size);
// The length check inline: most names a lookup meets differ in length, and then no call is made.
inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && iequals_same_size(a.data(), b.data(), a.size());
}

// One of 64 bits for a field name, by its length and first letter (either case). A set of
// fields keeps the marks of its names: a name whose mark is not among them is not among them,
// and a lookup that is answered "absent" (most are) compares no names.
inline std::uint64_t field_name_mark(std::string_view name) {
  const unsigned first = name.empty() ? 0u : static_cast<unsigned char>(name.front()) | 0x20u;
  return std::uint64_t{1} << ((name.size() + 7 * first) & 63);
}

struct request {
  http_method method = http_method::get;
  std::string_view method_name;
  std::string_view target;  // as sent
  std::string_view path;    // target's path (origin-form, or absolute-form without authority)
  std::string_view query;   // after '?', without it
  bool has_query = false;
  bool absolute_form = false;
  std::string_view authority;  // from absolute-form, else the Host header ("" when absent)
  int version_major = 1;
  int version_minor = 1;
  bool keep_alive = true;
  std::uint64_t content_length = 0;
  bool chunked = false;
  bool expect_continue = false;  // HTTP/1.1 "Expect: 100-continue" with a body to come
  // The fields in the order received.
  const std::vector<header_view>& headers() const { return headers_; }
  void add_header(std::string_view name, std::string_view value) {
    headers_.push_back({name, value});
    name_marks_ |= field_name_mark(name);
  }
  void reserve_headers(std::size_t count) { headers_.reserve(count); }
  void clear_headers() {
    headers_.clear();
    name_marks_ = 0;
  }
  // The first value of a header field, or an empty view with found=false.
  std::string_view header(std::string_view name, bool* found = nullptr) const {
    if ((name_marks_ & field_name_mark(name)) != 0) return find_header(name, found);
    if (found) *found = false;
    return {};
  }
  bool is_get_or_head() const { return method == http_method::get || method == http_method::head; }

  // Clears the views but keeps the header vector's capacity.
  void clear();

 private:
  std::string_view find_header(std::string_view name, bool* found) const;
  std::vector<header_view> headers_;
  // Of every field in headers_ (a response asks for a dozen fields a request rarely has).
  std::uint64_t name_marks_ = 0;
};

}  // namespace ferry
