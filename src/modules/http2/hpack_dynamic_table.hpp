// The HPACK dynamic table (RFC 7541 §2.3.2, §4): entries newest first, sizes counted as the RFC
// counts them, the oldest evicted to make room. Our encoder and decoder each keep one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace ferry {

class hpack_dynamic_table {
 public:
  struct entry {
    std::string text;  // name then value
    std::uint32_t name_size;
    std::string_view name() const { return {text.data(), name_size}; }
    std::string_view value() const { return std::string_view(text).substr(name_size); }
  };

  explicit hpack_dynamic_table(std::size_t capacity = 4096) : capacity_(capacity) {}

  // Adds an entry, evicting the oldest as needed; one larger than the capacity empties the
  // table and is not added (§4.4).
  void insert(std::string_view name, std::string_view value);
  // A new capacity (a size update); entries beyond it are evicted.
  void set_capacity(std::size_t capacity);

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t count() const { return entries_.size(); }
  // Entry `i`, 0 the newest (HPACK index 62 + i).
  const entry& operator[](std::size_t i) const { return entries_[i]; }

  static std::size_t entry_size(std::string_view name, std::string_view value) { return name.size() + value.size() + 32; }

 private:
  void evict_to(std::size_t limit);

  std::deque<entry> entries_;
  std::size_t size_ = 0;
  std::size_t capacity_;
};

}  // namespace ferry
