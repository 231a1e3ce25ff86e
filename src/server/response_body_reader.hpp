// Pulls a response body piece by piece into a caller's buffer: text segments, file ranges read
// with pread straight into that buffer (no whole-file buffer), or a file range through the
// response's on-the-fly encoder. HTTP/2's data provider reads through this; the bytes it asks
// for are what flow control allows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "http/response.hpp"
#include "modules/http2_protocol.hpp"

namespace ferry {

class response_body_reader final : public http2_body_source {
 public:
  // `r` must outlive the reader's use. `file_chunk` is scratch space for the encoder's input
  // (the worker's, shared by all readers of the worker's thread).
  void reset(response& r, std::string& file_chunk);
  std::ptrdiff_t read(std::span<char> into, bool& eof) override;
  // File bytes copied so far (pread or from the in-memory cache), for the metrics.
  std::uint64_t file_bytes() const { return file_bytes_; }

 private:
  std::size_t copy_pending(std::span<char> into);
  bool encode_next();  // false on a read or encoder error

  response* r_ = nullptr;
  std::string* file_chunk_ = nullptr;
  std::size_t segment_ = 0;
  std::uint64_t segment_done_ = 0;
  std::string pending_;  // encoder output not yet handed out
  std::size_t pending_sent_ = 0;
  bool encoder_finished_ = false;
  std::uint64_t file_bytes_ = 0;
};

}  // namespace ferry
