// Room inside a connection for the one socket operation it usually has pending (a wait or a
// receive), so starting it never touches the heap. Asio's per-thread recycling cache does the
// same for a steady stream of one kind of operation, but loses its blocks to other kinds (the
// idle park's wait, timers) and then allocates; with this slot a connection rebuilt after parking
// allocates nothing either. A second operation pending at the same time, or one larger or more
// aligned than the slot, falls back to the heap. Asio frees an operation's memory before calling
// its handler, so the handler may start the next.
#pragma once

#include <asio/bind_allocator.hpp>

#include <cstddef>
#include <new>
#include <utility>

namespace ferry {

template <std::size_t Capacity, std::size_t Alignment = alignof(std::max_align_t)>
class basic_handler_memory {
 public:
  static constexpr std::size_t capacity = Capacity;

  basic_handler_memory() = default;
  basic_handler_memory(const basic_handler_memory&) = delete;
  basic_handler_memory& operator=(const basic_handler_memory&) = delete;

  void* allocate(std::size_t size, std::size_t alignment) {
    if (!in_use_ && size <= sizeof storage_ && alignment <= Alignment) {
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

  // An operation holds the slot (and not the heap).
  bool in_use() const { return in_use_; }

 private:
  alignas(Alignment) unsigned char storage_[Capacity];
  bool in_use_ = false;
};

// Room for any one socket operation: an Asio receive with a handler holding a shared_ptr is
// about 170 bytes.
using handler_memory = basic_handler_memory<256>;
// Room for exactly a readiness wait (async_wait) whose handler holds a shared_ptr: 96 bytes,
// aligned as a pointer, with Asio's reactor on 64-bit Linux. A connection that spends its idle
// time in such a wait keeps this much, rather than a heap block of Asio's (often a larger
// recycled one) plus malloc's header. The handler_memory test checks that the wait fits.
using wait_memory = basic_handler_memory<96, alignof(void*)>;

// The allocator Asio finds through asio::bind_allocator.
template <typename T, typename Memory>
class handler_allocator {
 public:
  using value_type = T;

  explicit handler_allocator(Memory& memory) : memory_(&memory) {}
  template <typename U>
  handler_allocator(const handler_allocator<U, Memory>& other) : memory_(other.memory()) {}  // NOLINT: rebinding

  T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(n * sizeof(T), alignof(T))); }
  void deallocate(T* p, std::size_t /*n*/) { memory_->deallocate(p); }
  Memory* memory() const { return memory_; }
  template <typename U>
  bool operator==(const handler_allocator<U, Memory>& other) const {
    return memory_ == other.memory();
  }

 private:
  Memory* memory_;
};

// `handler` with its operation's memory in `memory`.
template <typename Memory, typename Handler>
auto with_memory(Memory& memory, Handler&& handler) {
  return asio::bind_allocator(handler_allocator<int, Memory>(memory), std::forward<Handler>(handler));
}

}  // namespace ferry
