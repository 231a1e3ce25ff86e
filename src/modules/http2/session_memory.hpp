// An nghttp2 allocator that counts the bytes a session holds, so that tests (and later
// metrics) can check that a flood does not make a session grow. Small freed blocks are kept
// per thread for the next streams (see session_memory.cpp).
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstddef>

namespace ferry {

class session_memory {
 public:
  session_memory();
  session_memory(const session_memory&) = delete;
  session_memory& operator=(const session_memory&) = delete;

  // Valid while this object lives; nghttp2 calls back with this object as user data.
  nghttp2_mem* allocator() { return &mem_; }
  std::size_t in_use() const { return in_use_; }

 private:
  static void* allocate(std::size_t size, void* self);
  static void release(void* ptr, void* self);
  static void* allocate_zeroed(std::size_t count, std::size_t size, void* self);
  static void* reallocate(void* ptr, std::size_t size, void* self);

  nghttp2_mem mem_;
  std::size_t in_use_ = 0;
};

}  // namespace ferry
