#include "modules/http2/hpack_dynamic_table.hpp"

namespace ferry {

void hpack_dynamic_table::evict_to(std::size_t limit) {
  while (size_ > limit) {
    size_ -= entry_size(entries_.back().name(), entries_.back().value());
    entries_.pop_back();
  }
}

void hpack_dynamic_table::set_capacity(std::size_t capacity) {
  capacity_ = capacity;
  evict_to(capacity_);
}

void hpack_dynamic_table::insert(std::string_view name, std::string_view value) {
  const std::size_t size = entry_size(name, value);
  if (size > capacity_) {
    evict_to(0);
    return;
  }
  evict_to(capacity_ - size);
  std::string text;
  text.reserve(name.size() + value.size());
  text.append(name).append(value);
  entries_.push_front({std::move(text), static_cast<std::uint32_t>(name.size())});
  size_ += size;
}

}  // namespace ferry
