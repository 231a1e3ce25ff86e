#include "modules/compression/output_buffer.hpp"

#include <exception>

namespace ferry {

bool grow_output(std::string& output, std::size_t size) noexcept {
  try {
    output.resize(output.size() + size);
    return true;
  } catch (const std::exception&) {  // bad_alloc, or length_error past max_size()
    return false;
  }
}

bool append_output(std::string& output, const char* data, std::size_t size) noexcept {
  try {
    output.append(data, size);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace ferry
