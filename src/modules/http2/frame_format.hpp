// HTTP/2 wire constants (RFC 9113 §6, §7, §11) and the 9-byte frame header, read and written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::h2 {

enum frame_type : std::uint8_t {
  data = 0x0,
  headers = 0x1,
  priority = 0x2,
  rst_stream = 0x3,
  settings = 0x4,
  push_promise = 0x5,
  ping = 0x6,
  goaway = 0x7,
  window_update = 0x8,
  continuation = 0x9,
};

namespace flag {
inline constexpr std::uint8_t end_stream = 0x1;
inline constexpr std::uint8_t ack = 0x1;
inline constexpr std::uint8_t end_headers = 0x4;
inline constexpr std::uint8_t padded = 0x8;
inline constexpr std::uint8_t priority = 0x20;
}  // namespace flag

enum error_code : std::uint32_t {
  no_error = 0x0,
  protocol_error = 0x1,
  internal_error = 0x2,
  flow_control_error = 0x3,
  settings_timeout = 0x4,
  stream_closed = 0x5,
  frame_size_error = 0x6,
  refused_stream = 0x7,
  cancel = 0x8,
  compression_error = 0x9,
  connect_error = 0xa,
  enhance_your_calm = 0xb,
};

enum setting_id : std::uint16_t {
  header_table_size = 0x1,
  enable_push = 0x2,
  max_concurrent_streams = 0x3,
  initial_window_size = 0x4,
  max_frame_size = 0x5,
  max_header_list_size = 0x6,
  no_rfc7540_priorities = 0x9,
};

inline constexpr std::size_t frame_header_size = 9;
inline constexpr std::uint32_t default_window = 65535;
inline constexpr std::uint32_t default_max_frame_size = 16384;
inline constexpr std::uint32_t largest_frame_size = (1u << 24) - 1;
inline constexpr std::int64_t largest_window = 0x7fffffff;
inline constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct frame_header {
  std::uint32_t length = 0;
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::int32_t stream_id = 0;  // without the reserved bit
};

inline std::uint32_t read_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | u[3];
}

inline frame_header read_frame_header(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return {(std::uint32_t{u[0]} << 16) | (std::uint32_t{u[1]} << 8) | u[2], u[3], u[4],
          static_cast<std::int32_t>(read_u32(p + 5) & 0x7fffffffu)};
}

inline void write_u32(char* p, std::uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

inline void write_frame_header(char* p, std::uint32_t length, std::uint8_t type, std::uint8_t flags,
                               std::int32_t stream_id) {
  p[0] = static_cast<char>(length >> 16);
  p[1] = static_cast<char>(length >> 8);
  p[2] = static_cast<char>(length);
  p[3] = static_cast<char>(type);
  p[4] = static_cast<char>(flags);
  write_u32(p + 5, static_cast<std::uint32_t>(stream_id));
}

// `Buffer`: a std::string or an output_buffer.
template <typename Buffer>
void append_frame_header(Buffer& out, std::uint32_t length, std::uint8_t type, std::uint8_t flags,
                         std::int32_t stream_id) {
  char header[frame_header_size];
  write_frame_header(header, length, type, flags, stream_id);
  out.append(std::string_view(header, frame_header_size));
}

}  // namespace ferry::h2
