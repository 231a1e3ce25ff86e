// Where a codec gets its memory. Production uses malloc/free (both members null); tests plug in
// counting or failing allocators to check that every allocation is released and that
// allocation failures become error values (fault injection, DESIGN.md "Style" 6).
#pragma once

#include <cstddef>
#include <cstdlib>

namespace ferry {

struct codec_allocator {
  void* (*allocate)(void* opaque, std::size_t size) = nullptr;  // null result: out of memory
  void (*release)(void* opaque, void* address) = nullptr;
  void* opaque = nullptr;

  void* allocate_bytes(std::size_t size) const {
    return allocate != nullptr ? allocate(opaque, size) : std::malloc(size);
  }
  void release_bytes(void* address) const {
    if (address == nullptr) return;
    if (release != nullptr) {
      release(opaque, address);
    } else {
      std::free(address);
    }
  }
};

}  // namespace ferry
