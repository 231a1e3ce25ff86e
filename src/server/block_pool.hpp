// Recycled storage for objects a worker makes and frees often, such as its connections: a
// connection parked while idle (idle_park) is freed and made again when its client returns,
// and with this pool a warm worker does that without touching the heap. Single-threaded (one
// pool per worker); blocks are of one size, fixed by the first allocation.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace ferry {

class block_pool {
 public:
  block_pool() { free_.reserve(max_free_); }  // releasing never allocates
  ~block_pool() {
    for (void* block : free_) ::operator delete(block);
  }
  block_pool(const block_pool&) = delete;
  block_pool& operator=(const block_pool&) = delete;

  void* allocate(std::size_t size) {
    if (size_ == 0) size_ = size;
    if (size != size_ || free_.empty()) return ::operator new(size);
    void* block = free_.back();
    free_.pop_back();
    return block;
  }

  void deallocate(void* block, std::size_t size) {
    if (size == size_ && free_.size() < max_free_) {
      free_.push_back(block);
    } else {
      ::operator delete(block);
    }
  }

 private:
  // Enough for the connections that come and go around a busy worker's idle ones; more would
  // only keep memory a burst left behind.
  static constexpr std::size_t max_free_ = 64;
  std::size_t size_ = 0;
  std::vector<void*> free_;
};

// A standard allocator over a block_pool, for std::allocate_shared.
template <typename T>
struct pooled_allocator {
  using value_type = T;

  explicit pooled_allocator(block_pool& blocks) : pool(&blocks) {}
  template <typename U>
  pooled_allocator(const pooled_allocator<U>& other) : pool(other.pool) {}  // NOLINT: rebinding

  T* allocate(std::size_t n) { return static_cast<T*>(pool->allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { pool->deallocate(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const pooled_allocator<U>& other) const {
    return pool == other.pool;
  }

  block_pool* pool;
};

}  // namespace ferry
