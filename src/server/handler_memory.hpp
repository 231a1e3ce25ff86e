// Room inside a connection for the one socket operation it usually has pending (a wait or a
// receive), so starting it never touches the heap. Asio's per-thread recycling cache does the
// same for a steady stream of one kind of operation, but loses its blocks to other kinds (the
// idle park's wait, timers) and then allocates; with this slot a connection rebuilt after parking
// allocates nothing either. A second operation pending at the same time falls back to the heap.
// Asio frees an operation's memory before calling its handler, so the handler may start the next.
#pragma once

#include <asio/bind_allocator.hpp>

#include <cstddef>
#include <new>
#include <utility>

namespace ferry {

class handler_memory {
 public:
  handler_memory() = default;
  handler_memory(const handler_memory&) = delete;
  handler_memory& operator=(const handler_memory&) = delete;

  void* allocate(std::size_t size) {
    if (!in_use_ && size <= sizeof storage_) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(size);
  }

  void deallocate(void* p) {
    if (p == storage_) {
      in_use_ = false;
    } else {
      ::operator delete(p);
    }
  }

 private:
  // An Asio receive operation with a handler holding a shared_ptr is about 170 bytes.
  alignas(std::max_align_t) unsigned char storage_[256];
  bool in_use_ = false;
};

// The allocator Asio finds through asio::bind_allocator.
template <typename T>
class handler_allocator {
 public:
  using value_type = T;

  explicit handler_allocator(handler_memory& memory) : memory_(&memory) {}
  template <typename U>
  handler_allocator(const handler_allocator<U>& other) : memory_(other.memory()) {}  // NOLINT: rebinding

  T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t /*n*/) { memory_->deallocate(p); }
  handler_memory* memory() const { return memory_; }
  template <typename U>
  bool operator==(const handler_allocator<U>& other) const {
    return memory_ == other.memory();
  }

 private:
  handler_memory* memory_;
};

// `handler` with its operation's memory in `memory`.
template <typename Handler>
auto with_memory(handler_memory& memory, Handler&& handler) {
  return asio::bind_allocator(handler_allocator<int>(memory), std::forward<Handler>(handler));
}

}  // namespace ferry
