// The Redis protocol (RESP2) without I/O: replies read from received bytes with hiredis' reader,
// turned into an owned ferry type, and commands formatted with hiredis' formatter. Redis is a
// peer we trust less than ourselves: a malformed or oversized stream is a protocol error after
// which the connection must be dropped, and memory stays bounded whatever arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace ferry {

struct redis_reply {
  enum class kind : std::uint8_t { status, error, integer, string, nil, array };

  kind type = kind::nil;
  std::int64_t integer = 0;          // kind::integer
  std::string text;                  // kind::status, kind::error, kind::string (binary-safe)
  std::vector<redis_reply> elements;  // kind::array

  bool is_error() const { return type == kind::error; }
  // An error reply whose code (its first word) is `code`, e.g. "NOSCRIPT".
  bool is_error_code(std::string_view code) const;
};

struct redis_reader_limits {
  std::size_t max_string = 1 << 20;     // bytes of one bulk string, status or error line
  std::size_t max_elements = 1024;      // elements of one array
  std::size_t max_depth = 4;            // arrays inside arrays: 1 = a flat array
  std::size_t max_reply_bytes = 2 << 20;  // strings plus per-element overhead of one reply
};

// Feeds received bytes in, pops complete replies out, in order. Once a protocol error is seen
// the reader stays failed: the stream cannot be resynchronised.
class redis_reply_reader {
 public:
  enum class result { reply, need_more, protocol_error };

  explicit redis_reply_reader(redis_reader_limits limits = {});
  ~redis_reply_reader();
  redis_reply_reader(const redis_reply_reader&) = delete;
  redis_reply_reader& operator=(const redis_reply_reader&) = delete;

  // Appends bytes received from Redis. False when the reader is (or becomes) failed.
  bool feed(std::string_view bytes);
  // The next complete reply into `out`, or need_more, or protocol_error (then for good).
  result next(redis_reply& out);

  bool failed() const { return failed_; }
  // Why the reader failed (empty while it has not).
  const std::string& error_message() const { return error_; }

  // Used by the hiredis callbacks (file-local in the .cpp); not part of the interface.
  struct build_state {
    redis_reader_limits limits;
    std::size_t reply_bytes = 0;  // charged to the reply being built
    const char* refusal = nullptr;  // why a callback refused an object
  };

 private:
  void fail(std::string message);

  redisReader* reader_ = nullptr;
  build_state state_;
  bool failed_ = false;
  std::string error_;
};

// One command in the protocol's wire form, formatted by hiredis (binary-safe arguments). Owns
// its bytes, so a call can be sent again (after NOSCRIPT) without the caller's arguments.
class redis_command {
 public:
  redis_command() = default;
  // Empty (`empty()`) when `args` is empty or the formatter fails (out of memory).
  static redis_command format(std::span<const std::string_view> args);

  ~redis_command();
  redis_command(redis_command&& other) noexcept;
  redis_command& operator=(redis_command&& other) noexcept;
  redis_command(const redis_command&) = delete;
  redis_command& operator=(const redis_command&) = delete;

  bool empty() const { return size_ == 0; }
  std::string_view bytes() const { return {data_, size_}; }

 private:
  char* data_ = nullptr;  // hiredis' allocation
  std::size_t size_ = 0;
};

}  // namespace ferry
