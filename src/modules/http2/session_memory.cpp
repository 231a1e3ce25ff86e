#include "modules/http2/session_memory.hpp"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace ferry {
namespace {

// Each block starts with its size; the header keeps max_align_t alignment for the caller.
constexpr std::size_t header_size = alignof(std::max_align_t) > sizeof(std::size_t) ? alignof(std::max_align_t)
                                                                                    : sizeof(std::size_t);

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

}  // namespace

session_memory::session_memory() : mem_{this, &allocate, &release, &allocate_zeroed, &reallocate} {}

void* session_memory::allocate(std::size_t size, void* self) {
  if (size > std::numeric_limits<std::size_t>::max() - header_size) return nullptr;
  void* block = std::malloc(size + header_size);
  if (block == nullptr) return nullptr;
  static_cast<session_memory*>(self)->in_use_ += size;
  return user_part(block, size);
}

void session_memory::release(void* ptr, void* self) {
  if (ptr == nullptr) return;
  static_cast<session_memory*>(self)->in_use_ -= size_of(ptr);
  std::free(block_of(ptr));
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
  const std::size_t old_size = size_of(ptr);
  void* block = std::realloc(block_of(ptr), size + header_size);
  if (block == nullptr) return nullptr;
  auto* memory = static_cast<session_memory*>(self);
  memory->in_use_ = memory->in_use_ - old_size + size;
  return user_part(block, size);
}

}  // namespace ferry
