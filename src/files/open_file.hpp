// An open regular file and what a response needs to know about it. Header-only: responses
// (src/http) hold these without depending on the files library.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>

#include "http/http_date.hpp"
#include "platform/file_io.hpp"

namespace ferry {

class open_file {
 public:
  open_file() = default;
  explicit open_file(int fd) : fd_(fd) {}
  ~open_file() {
    if (fd_ >= 0) platform::close_file(fd_);
  }
  open_file(const open_file&) = delete;
  open_file& operator=(const open_file&) = delete;
  open_file(open_file&& other) noexcept
      : size(other.size), mtime(other.mtime), mtime_ns(other.mtime_ns), inode(other.inode),
        last_modified(other.last_modified), etag(other.etag), etag_size(other.etag_size),
        content(std::move(other.content)), fd_(std::exchange(other.fd_, -1)) {}
  open_file& operator=(open_file&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) platform::close_file(fd_);
      fd_ = std::exchange(other.fd_, -1);
      size = other.size;
      mtime = other.mtime;
      mtime_ns = other.mtime_ns;
      inode = other.inode;
      last_modified = other.last_modified;
      etag = other.etag;
      etag_size = other.etag_size;
      content = std::move(other.content);
    }
    return *this;
  }

  int fd() const { return fd_; }

  std::uint64_t size = 0;
  std::time_t mtime = 0;
  std::int64_t mtime_ns = 0;  // full precision, to notice a rewrite within the same second
  std::uint64_t inode = 0;
  // mtime as an HTTP date, formatted once when the file is opened (not per response).
  std::array<char, http_date_length> last_modified{};
  std::string_view last_modified_text() const { return {last_modified.data(), last_modified.size()}; }
  // The file's strong entity tag, "\"<mtime>-<size>\"" in hex, also formatted once when the
  // file is opened; its core (without the quotes) is what every entity tag of the file's
  // representations starts with.
  std::array<char, 35> etag{};
  std::uint8_t etag_size = 0;
  std::string_view etag_text() const { return {etag.data(), etag_size}; }
  std::string_view etag_core_text() const {
    return etag_size < 2 ? std::string_view() : std::string_view(etag.data() + 1, etag_size - 2u);
  }

  // Formats last_modified and etag from mtime and size.
  void describe_validators() {
    format_http_date(mtime, last_modified.data());
    char* const end = etag.data() + etag.size();
    char* at = etag.data();
    *at++ = '"';
    at = std::to_chars(at, end, static_cast<std::uint64_t>(mtime), 16).ptr;
    *at++ = '-';
    at = std::to_chars(at, end, size, 16).ptr;
    *at++ = '"';
    etag_size = static_cast<std::uint8_t>(at - etag.data());
  }
  // The whole file, for small files the open-file cache keeps in memory (else empty): their
  // bodies are copied from here instead of read with pread per response.
  std::string content;
  bool in_memory() const { return size > 0 && content.size() == size; }

 private:
  int fd_ = -1;
};

}  // namespace ferry
