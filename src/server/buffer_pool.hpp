// Read buffers for connections, recycled per worker: a connection holds one only while it
// has unparsed bytes, so idle keep-alive connections cost no buffer memory.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace ferry {

class buffer_pool {
 public:
  using buffer = std::unique_ptr<char[]>;

  buffer_pool() { free_.reserve(max_free_); }  // releasing never allocates

  // A buffer of exactly `size` bytes (contents unspecified).
  buffer acquire(std::size_t size) {
    if (size != size_) {
      free_.clear();
      size_ = size;
    }
    if (free_.empty()) return buffer(new char[size]);
    buffer b = std::move(free_.back());
    free_.pop_back();
    return b;
  }

  // Returns a buffer of `size` bytes; buffers of another size (after a reload) are dropped.
  void release(buffer b, std::size_t size) {
    if (b && size == size_ && free_.size() < max_free_) free_.push_back(std::move(b));
  }

 private:
  // Enough for the connections reading at once under heavy keep-alive load; more would only
  // keep memory that a burst left behind.
  static constexpr std::size_t max_free_ = 64;
  std::size_t size_ = 0;
  std::vector<buffer> free_;
};

}  // namespace ferry
