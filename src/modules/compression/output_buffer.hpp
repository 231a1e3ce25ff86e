// Growing the caller's output string without letting std::bad_alloc escape into the request
// path: the encoders turn a failed growth into compression_errc::out_of_memory.
#pragma once

#include <cstddef>
#include <string>

namespace ferry {

// Appends `size` bytes of scratch space to `output`; false when the string could not grow.
bool grow_output(std::string& output, std::size_t size) noexcept;

// Appends `size` bytes from `data`; false when the string could not grow.
bool append_output(std::string& output, const char* data, std::size_t size) noexcept;

}  // namespace ferry
