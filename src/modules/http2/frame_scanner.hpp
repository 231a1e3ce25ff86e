// Follows the frame boundaries of what a client sends, alongside nghttp2, for two things
// nghttp2 1.52 does not tell the session: the payload of PRIORITY frames (read and dropped
// unparsed while RFC 7540 priorities are off, so a stream depending on itself goes unnoticed)
// and whether the connection is inside a header block (HEADERS + CONTINUATION), which no frame
// of any other stream may interrupt: a block trickled slowly holds the whole connection.
// It only counts lengths; nghttp2 judges the frames (an oversized or malformed one ends the
// connection there, after which the scanner is no longer consulted).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ferry {

class frame_scanner {
 public:
  struct priority_frame {
    std::int32_t stream_id;
    std::int32_t dependency;  // without the exclusive bit
  };

  // The header of a DATA frame, reported before nghttp2 sees its last byte: nghttp2 drops
  // DATA for a stream it does not know without calling back, and once it has the header a
  // DATA frame with END_STREAM may already have closed the stream.
  struct data_header {
    std::int32_t stream_id;
  };

  // Scans a prefix of `bytes` and returns its length: up to and including the last byte of
  // the next PRIORITY frame with a 5-byte payload (take_priority() then returns it), or up to
  // but not including the last header byte of the next DATA frame (take_data_header() then
  // returns it; the next scan() starts with that byte), or all of them.
  std::size_t scan(std::span<const char> bytes);
  std::optional<priority_frame> take_priority();
  std::optional<data_header> take_data_header();

  // Inside a header block: a HEADERS or CONTINUATION frame partly received, or one without
  // END_HEADERS received and its CONTINUATION not yet begun.
  bool in_header_block() const;
  // Counts the HEADERS frames begun, so a caller can tell one block from the next.
  std::uint64_t blocks_begun() const { return blocks_begun_; }

 private:
  static constexpr std::size_t header_size = 9;
  // The frame is complete; true when it was a PRIORITY frame to hand out.
  bool finish_frame();

  std::size_t preface_left_ = 24;  // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
  std::array<unsigned char, header_size> header_{};
  std::size_t header_have_ = 0;
  bool in_payload_ = false;
  std::uint32_t length_ = 0;
  std::uint32_t payload_left_ = 0;
  std::uint8_t type_ = 0;
  std::uint8_t flags_ = 0;
  std::int32_t stream_id_ = 0;
  std::array<unsigned char, 5> priority_{};
  std::size_t priority_have_ = 0;
  bool expect_continuation_ = false;
  std::uint64_t blocks_begun_ = 0;
  std::optional<priority_frame> ready_;
  std::optional<data_header> data_ready_;
  bool data_reported_ = false;  // the DATA header being completed was reported already
};

}  // namespace ferry
