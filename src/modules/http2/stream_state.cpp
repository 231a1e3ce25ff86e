#include "modules/http2/stream_state.hpp"

#include <limits>

#include "http/short_bytes.hpp"

namespace ferry {
namespace {

// Room reserved for a request head on its first field, instead of growing through a handful of sizes.
constexpr std::size_t typical_field_count = 16;
constexpr std::size_t typical_head_bytes = 512;

// Beyond this multiple of the limits a head is not worth decoding to the end for a 431: an
// HPACK "bomb" (one-byte references to a large table entry) would cost far more to check
// than it cost to send.
constexpr std::size_t abort_factor = 4;
constexpr std::size_t field_overhead = 32;

http_method method_of(std::string_view name) {
  if (name == "GET") return http_method::get;
  if (name == "HEAD") return http_method::head;
  if (name == "OPTIONS") return http_method::options;
  if (name == "CONNECT") return http_method::connect;
  return http_method::other_known;
}

// request_head_check has checked the syntax (digits only); an overflow saturates, which is over
// any limit.
std::uint64_t parse_length(std::string_view text) {
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::numeric_limits<std::uint64_t>::max();
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::numeric_limits<std::uint64_t>::max();
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

stream_state::stream_state(std::int32_t id, const http2_limits& limits)
    : id_(id),
      max_head_(limits.max_head),
      max_header_count_(limits.max_header_count),
      max_uri_length_(limits.max_uri_length),
      max_body_size_(limits.max_body_size) {}

void stream_state::reset(std::int32_t id, const http2_limits& limits) {
  id_ = id;
  max_head_ = limits.max_head;
  max_header_count_ = limits.max_header_count;
  max_uri_length_ = limits.max_uri_length;
  max_body_size_ = limits.max_body_size;
  head_done = delivered = responded = answered_by_session = response_complete = false;
  remote_closed = client_reset = false;
  head_completed_at = {};
  body = nullptr;
  body_bytes_sent = 0;
  head_size_ = 0;
  field_count_ = 0;
  saw_cookie_ = over_limit_ = uri_too_long_ = false;
  arena_.clear();
  fields_.clear();
  cookie_.clear();
  body_received_ = 0;
  request_.clear();
}

bool stream_state::count_field(std::string_view name, std::string_view value, bool regular) {
  head_size_ += name.size() + value.size() + field_overhead;
  if (regular) {
    const bool crumb = name == "cookie";
    if (!crumb || !saw_cookie_) ++field_count_;
    saw_cookie_ = saw_cookie_ || crumb;
  }
  if (head_size_ > max_head_ || field_count_ > max_header_count_) over_limit_ = true;
  return head_size_ <= abort_factor * max_head_ && field_count_ <= abort_factor * max_header_count_ + 16;
}

bool stream_state::add_field(std::string_view name, std::string_view value) {
  const bool pseudo = !name.empty() && name.front() == ':';
  const bool keep_going = count_field(name, value, !pseudo);
  if (pseudo && name == ":path" && value.size() > max_uri_length_) {
    uri_too_long_ = true;
    return keep_going;
  }
  if (over_limit_ || head_done) return keep_going;
  if (fields_.empty()) {
    fields_.reserve(typical_field_count);
    arena_.reserve(typical_head_bytes);
  }
  fields_.push_back({static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(name.size()),
                     static_cast<std::uint32_t>(value.size())});
  // Names and most values are short: copied inline rather than by two memcpy calls.
  short_bytes::copy(short_bytes::copy(arena_.extend(name.size() + value.size()), name), value);
  return keep_going;
}

bool stream_state::add_trailer_field(std::string_view name, std::string_view value) {
  return count_field(name, value, false);
}

head_problem stream_state::finish_head() {
  if (head_done) return head_problem::none;
  head_done = true;
  if (over_limit_) return head_problem::too_large;
  if (uri_too_long_) return head_problem::uri_too_long;

  request& r = request_;
  r.version_major = 2;
  r.version_minor = 0;
  r.keep_alive = true;
  r.reserve_headers(field_count_);
  std::string_view host;
  bool has_authority = false;
  // The arena is complete: views into it stay valid from here on.
  for (const field_entry& e : fields_) {
    const std::string_view name = name_of(e);
    const std::string_view value = value_of(e);
    if (name == ":method") {
      r.method_name = value;
      r.method = method_of(value);
    } else if (name == ":path") {
      r.target = value;
      const std::size_t question = value.find('?');
      r.path = value.substr(0, question);
      if (question != std::string_view::npos) {
        r.has_query = true;
        r.query = value.substr(question + 1);
      }
    } else if (name == ":authority") {
      r.authority = value;
      has_authority = true;
    } else if (!name.empty() && name.front() == ':') {
      continue;  // :scheme, :protocol: nothing in `request` for them
    } else if (name == "cookie") {
      // RFC 9113 §8.2.3: crumbs are joined with "; " into one field for HTTP/1.1 semantics.
      if (!cookie_.empty()) cookie_ += "; ";
      cookie_ += value;
    } else {
      if (name == "host") host = value;
      if (name == "content-length") r.content_length = parse_length(value);
      r.add_header(name, value);
    }
  }
  if (saw_cookie_) r.add_header("cookie", cookie_);  // cookie_ is complete now
  if (!has_authority) {
    r.authority = host;
  } else if (!host.empty() && !iequals(host, r.authority)) {
    return head_problem::authority_differs;  // RFC 9113 §8.3.1
  }
  return head_problem::none;
}

bool stream_state::add_body_bytes(std::size_t count) {
  body_received_ += count;
  return body_received_ <= max_body_size_;
}

}  // namespace ferry
