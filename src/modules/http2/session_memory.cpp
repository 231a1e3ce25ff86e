#include "modules/http2/session_memory.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <vector>

namespace ferry {
namespace {

// Each block starts with its size; the header keeps max_align_t alignment for the caller.
constexpr std::size_t header_size = alignof(std::max_align_t) > sizeof(std::size_t) ? alignof(std::max_align_t)
                                                                                    : sizeof(std::size_t);

// Freed blocks up to 1 KiB are kept for reuse, by size class (32-byte steps), per thread:
// nghttp2 allocates and frees the same few sizes for every stream (its stream state, outbound
// items, copies of header fields), more at once than glibc's per-thread cache keeps of a size
// once many streams are in flight. At most 256 KiB per thread are kept.
constexpr std::size_t class_step = 32;
constexpr std::size_t cached_max = 1024;
constexpr std::size_t cache_bytes_max = 256 * 1024;

struct block_cache {
  std::array<std::vector<void*>, cached_max / class_step> free;
  std::size_t bytes = 0;
  ~block_cache();
};
thread_local block_cache cache;
// Trivially destructible, so still readable while the thread's cache is being destroyed.
thread_local bool cache_gone = false;

block_cache::~block_cache() {
  cache_gone = true;
  for (auto& list : free) {
    for (void* block : list) std::free(block);
  }
}

// Bytes a block of `size` really has: a whole size class when cached sizes, else just `size`.
std::size_t capacity_of(std::size_t size) {
  if (size > cached_max) return size;
  return std::max<std::size_t>(1, (size + class_step - 1) / class_step) * class_step;
}

std::byte* block_of(void* ptr) { return static_cast<std::byte*>(ptr) - header_size; }
std::size_t size_of(void* ptr) {
  std::size_t size = 0;
  std::memcpy(&size, block_of(ptr), sizeof size);
  return size;
}
void* user_part(void* block, std::size_t size) {
  std::memcpy(block, &size, sizeof size);
  return static_cast<std::byte*>(block) + header_size;
}

void* take_block(std::size_t capacity) {
  if (capacity <= cached_max && !cache_gone) {
    auto& list = cache.free[capacity / class_step - 1];
    if (!list.empty()) {
      void* block = list.back();
      list.pop_back();
      cache.bytes -= capacity;
      return block;
    }
  }
  return std::malloc(capacity + header_size);
}

void give_block(void* block, std::size_t capacity) {
  if (capacity <= cached_max && !cache_gone && cache.bytes + capacity <= cache_bytes_max) {
    try {
      cache.free[capacity / class_step - 1].push_back(block);
      cache.bytes += capacity;
      return;
    } catch (const std::bad_alloc&) {
      // nghttp2 calls this from C: nothing may escape; the block is simply not kept
    }
  }
  std::free(block);
}

}  // namespace

session_memory::session_memory() : mem_{this, &allocate, &release, &allocate_zeroed, &reallocate} {}

void* session_memory::allocate(std::size_t size, void* self) {
  if (size > std::numeric_limits<std::size_t>::max() - header_size) return nullptr;
  void* block = take_block(capacity_of(size));
  if (block == nullptr) return nullptr;
  static_cast<session_memory*>(self)->in_use_ += size;
  return user_part(block, size);
}

void session_memory::release(void* ptr, void* self) {
  if (ptr == nullptr) return;
  const std::size_t size = size_of(ptr);
  static_cast<session_memory*>(self)->in_use_ -= size;
  give_block(block_of(ptr), capacity_of(size));
}

void* session_memory::allocate_zeroed(std::size_t count, std::size_t size, void* self) {
  if (size != 0 && count > std::numeric_limits<std::size_t>::max() / size) return nullptr;
  void* ptr = allocate(count * size, self);
  if (ptr != nullptr) std::memset(ptr, 0, count * size);
  return ptr;
}

void* session_memory::reallocate(void* ptr, std::size_t size, void* self) {
  if (ptr == nullptr) return allocate(size, self);
  if (size > std::numeric_limits<std::size_t>::max() - header_size) return nullptr;
  auto* memory = static_cast<session_memory*>(self);
  const std::size_t old_size = size_of(ptr);
  if (capacity_of(size) == capacity_of(old_size)) {  // same size class: the block already fits
    memory->in_use_ = memory->in_use_ - old_size + size;
    return user_part(block_of(ptr), size);
  }
  if (old_size > cached_max && size > cached_max) {  // large buffers grow in place where possible
    void* block = std::realloc(block_of(ptr), size + header_size);
    if (block == nullptr) return nullptr;
    memory->in_use_ = memory->in_use_ - old_size + size;
    return user_part(block, size);
  }
  void* moved = allocate(size, self);
  if (moved == nullptr) return nullptr;
  std::memcpy(moved, ptr, std::min(old_size, size));
  release(ptr, self);
  return moved;
}

}  // namespace ferry
