// Bytes waiting to be sent, as a protocol session produces them (and a response's field text).
// Like a std::string, but room added at the end is left as it is: file bodies are read straight
// into the buffer, and std::string::resize would first fill every byte of that room with zeros
// (for a 100 KiB response over HTTP/2 that pass took about a third of the server's own CPU time).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

namespace ferry {

class output_buffer {
 public:
  char* data() { return bytes_.get(); }
  const char* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {bytes_.get(), size_}; }
  void clear() { size_ = 0; }

  void append(std::string_view bytes) {
    if (bytes.empty()) return;
    std::memcpy(extend(bytes.size()), bytes.data(), bytes.size());
  }
  // `count` bytes more at the end, not initialised: where they start.
  char* extend(std::size_t count) {
    if (capacity_ - size_ < count) grow(size_ + count);
    char* at = bytes_.get() + size_;
    size_ += count;
    return at;
  }
  // Room for `capacity` bytes in all; growing moves the bytes (views of them go stale).
  void reserve(std::size_t capacity) {
    if (capacity > capacity_) grow(capacity);
  }
  // Drops the bytes past the first `size` (no larger than size()).
  void truncate(std::size_t size) { size_ = std::min(size, size_); }
  // Empty, and its room given back.
  void release() {
    bytes_.reset();
    size_ = 0;
    capacity_ = 0;
  }

 private:
  void grow(std::size_t needed) {
    const std::size_t capacity = std::max(needed, 2 * capacity_);
    auto larger = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(larger.get(), bytes_.get(), size_);
    bytes_ = std::move(larger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// A thread's one spare output_buffer for one purpose (each purpose a thread_local of its own),
// lent to whichever connection is writing: a connection holds it only while it has bytes not yet
// sent, so idle connections hold none, a busy worker does not allocate per write, and the bytes
// of every connection go through the same, cache-warm memory.
class spare_output_buffer {
 public:
  // `out` gets the spare's room when it has none of its own.
  void lend(output_buffer& out) {
    if (out.capacity() == 0) std::swap(out, spare_);
  }
  // `out`, all sent, gives its room back: it becomes the spare, or is freed when the spare is
  // there already (another connection had bytes waiting meanwhile).
  void take_back(output_buffer& out) {
    out.clear();
    if (spare_.capacity() == 0) {
      std::swap(spare_, out);
    } else {
      out = output_buffer();
    }
  }

 private:
  output_buffer spare_;
};

}  // namespace ferry
