#include "modules/http2/frame_scanner.hpp"

#include <algorithm>

namespace ferry {
namespace {

// RFC 9113 §6: frame types and the flag this needs.
constexpr std::uint8_t type_data = 0x0;
constexpr std::uint8_t type_headers = 0x1;
constexpr std::uint8_t type_priority = 0x2;
constexpr std::uint8_t type_continuation = 0x9;
constexpr std::uint8_t flag_end_headers = 0x4;
constexpr std::uint32_t priority_length = 5;

std::uint32_t be24(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[2]};
}

std::int32_t be31(const unsigned char* p) {
  const std::uint32_t v = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
                          std::uint32_t{p[3]};
  return static_cast<std::int32_t>(v & 0x7fffffffu);
}

}  // namespace

std::size_t frame_scanner::scan(std::span<const char> bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (preface_left_ > 0) {
      const std::size_t take = std::min(preface_left_, bytes.size() - i);
      preface_left_ -= take;
      i += take;
      continue;
    }
    if (!in_payload_) {
      if (header_have_ == header_size - 1 && header_[3] == type_data && !data_reported_) {
        data_reported_ = true;
        data_ready_ = data_header{static_cast<std::int32_t>(
            ((std::uint32_t{header_[5]} & 0x7f) << 24) | (std::uint32_t{header_[6]} << 16) |
            (std::uint32_t{header_[7]} << 8) | static_cast<unsigned char>(bytes[i]))};
        return i;
      }
      header_[header_have_++] = static_cast<unsigned char>(bytes[i++]);
      if (header_have_ == 4 && header_[3] == type_headers) ++blocks_begun_;
      if (header_have_ < header_size) continue;
      header_have_ = 0;
      data_reported_ = false;
      length_ = be24(header_.data());
      type_ = header_[3];
      flags_ = header_[4];
      stream_id_ = be31(header_.data() + 5);
      payload_left_ = length_;
      priority_have_ = 0;
      in_payload_ = true;
      if (payload_left_ == 0 && finish_frame()) return i;
      continue;
    }
    const std::size_t take = std::min<std::size_t>(payload_left_, bytes.size() - i);
    if (type_ == type_priority && length_ == priority_length) {
      std::copy_n(bytes.data() + i, take, priority_.data() + priority_have_);
      priority_have_ += take;
    }
    payload_left_ -= static_cast<std::uint32_t>(take);
    i += take;
    if (payload_left_ == 0 && finish_frame()) return i;
  }
  return bytes.size();
}

bool frame_scanner::finish_frame() {
  in_payload_ = false;
  if (type_ == type_headers || type_ == type_continuation) {
    expect_continuation_ = (flags_ & flag_end_headers) == 0;
  } else {
    expect_continuation_ = false;  // nghttp2 ends the connection for this anyway
  }
  if (type_ != type_priority || length_ != priority_length) return false;
  ready_ = priority_frame{stream_id_, be31(priority_.data())};
  return true;
}

std::optional<frame_scanner::priority_frame> frame_scanner::take_priority() {
  std::optional<priority_frame> out = ready_;
  ready_.reset();
  return out;
}

std::optional<frame_scanner::data_header> frame_scanner::take_data_header() {
  std::optional<data_header> out = data_ready_;
  data_ready_.reset();
  return out;
}

bool frame_scanner::in_header_block() const {
  if (expect_continuation_) return true;
  const bool type_known = in_payload_ || header_have_ > 3;
  const std::uint8_t type = in_payload_ ? type_ : header_[3];
  return type_known && (type == type_headers || type == type_continuation);
}

}  // namespace ferry
