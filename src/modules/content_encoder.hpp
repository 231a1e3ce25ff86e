// Streaming content-coding interface for on-the-fly compression. An encoder is created per
// response and fed the file in chunks, so memory is bounded by the codec's window, never by
// the file size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace ferry {

class content_encoder {
 public:
  virtual ~content_encoder() = default;
  // Compresses `input` and appends the output produced so far to `output`. With `finish`, all
  // remaining output is flushed and the stream closed; no call may follow.
  virtual std::error_code encode(std::span<const char> input, bool finish, std::string& output) = 0;
};

class content_encoder_factory {
 public:
  virtual ~content_encoder_factory() = default;
  // Codings this factory can produce ("br", "gzip"), in server preference order.
  virtual std::span<const std::string_view> codings() const = 0;
  // Whether a representation of this media type (without parameters) and size is worth
  // compressing on the fly.
  virtual bool should_compress(std::string_view media_type, std::uint64_t size) const = 0;
  // A fresh encoder for one response, or null when the coding is not offered.
  virtual std::unique_ptr<content_encoder> create(std::string_view coding) const = 0;
  // As create(), at the codec's cheapest level, for a worker whose event loop is falling behind:
  // a bigger body is better than every other client waiting. A factory without levels keeps
  // this default, its one level.
  virtual std::unique_ptr<content_encoder> create_cheapest(std::string_view coding) const { return create(coding); }
  // Whether the worker may lower the effort, then skip on-the-fly compression, while its event
  // loop is under CPU pressure ([compression] under_pressure = "adapt"). False: always the
  // configured level, whatever the load ("ignore").
  virtual bool yields_to_cpu_pressure() const { return true; }
};

}  // namespace ferry
