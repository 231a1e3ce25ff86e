// The HPACK dynamic table (RFC 7541 §2.3.2, §4): entries newest first, sizes counted as the RFC
// counts them, the oldest evicted to make room. Our encoder and decoder each keep one.
//
// The entries sit in a ring of slots that only grows, doubling (to the most entries the table
// has held at once), and a slot keeps its string's buffer for the entry that next takes it: a
// table whose entries come and go (a new Date every second) allocates nothing once warm. A
// buffer larger than a typical field is given back when its entry is evicted, so the slack
// stays small.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class hpack_dynamic_table {
 public:
  struct entry {
    std::string text;  // name then value
    std::uint32_t name_size = 0;
    // The decoder's caller found the field acceptable once (hpack_decoder::mark_checked); a new
    // entry starts unchecked.
    bool checked = false;
    std::string_view name() const { return {text.data(), name_size}; }
    std::string_view value() const { return std::string_view(text).substr(name_size); }
  };

  explicit hpack_dynamic_table(std::size_t capacity = 4096) : capacity_(capacity) {}

  // Adds an entry, evicting the oldest as needed; one larger than the capacity empties the
  // table and is not added (§4.4).
  void insert(std::string_view name, std::string_view value);
  // A new capacity (a size update); entries beyond it are evicted.
  void set_capacity(std::size_t capacity);
  // Evicts every entry and gives the slots and their buffers back (the capacity stays).
  void release();

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t count() const { return count_; }
  // Entry `i`, 0 the newest (HPACK index 62 + i).
  const entry& operator[](std::size_t i) const { return slots_[slot_of(newest_ + i)]; }
  entry& operator[](std::size_t i) { return slots_[slot_of(newest_ + i)]; }

  static std::size_t entry_size(std::string_view name, std::string_view value) { return name.size() + value.size() + 32; }
  // Heap bytes the table holds: its slots and their strings' buffers (live or kept).
  std::size_t memory() const;

 private:
  // Buffers up to this size stay with their slot when the entry leaves: response fields that
  // come and go (dates, validators, types) fit; a client's long values are given back.
  static constexpr std::size_t kept_buffer = 64;

  void evict_to(std::size_t limit);
  void grow();
  // The ring's size is a power of two: a position wraps with a mask, not a division (which
  // cost more than the rest of a lookup).
  std::size_t slot_of(std::size_t position) const { return position & (slots_.size() - 1); }

  std::vector<entry> slots_;
  std::size_t newest_ = 0;  // slot of entry 0
  std::size_t count_ = 0;
  std::size_t size_ = 0;
  std::size_t capacity_;
};

}  // namespace ferry
