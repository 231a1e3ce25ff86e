#include "modules/http2/hpack_dynamic_table.hpp"

#include <utility>

namespace ferry {

void hpack_dynamic_table::evict_to(std::size_t limit) {
  while (size_ > limit) {
    entry& oldest = slots_[slot_of(newest_ + count_ - 1)];
    size_ -= entry_size(oldest.name(), oldest.value());
    --count_;
    if (oldest.text.capacity() > kept_buffer) {
      std::string().swap(oldest.text);
    } else {
      oldest.text.clear();
    }
  }
}

std::size_t hpack_dynamic_table::memory() const {
  std::size_t bytes = slots_.capacity() * sizeof(entry);
  const std::size_t inline_capacity = std::string().capacity();
  for (const entry& e : slots_) {
    if (e.text.capacity() > inline_capacity) bytes += e.text.capacity() + 1;
  }
  return bytes;
}

void hpack_dynamic_table::set_capacity(std::size_t capacity) {
  capacity_ = capacity;
  evict_to(capacity_);
}

void hpack_dynamic_table::release() {
  std::vector<entry>().swap(slots_);
  newest_ = 0;
  count_ = 0;
  size_ = 0;
}

// Every slot is taken: a ring twice as large, the entries in order from its start. Four to
// begin with: a client that sends few fields (curl, h2load, most APIs) adds two or three to the
// decoder's table, and an idle connection holds its tables as they are.
void hpack_dynamic_table::grow() {
  std::vector<entry> larger(slots_.empty() ? 4 : 2 * slots_.size());
  for (std::size_t i = 0; i < count_; ++i) larger[i] = std::move(slots_[slot_of(newest_ + i)]);
  slots_ = std::move(larger);
  newest_ = 0;
}

void hpack_dynamic_table::insert(std::string_view name, std::string_view value) {
  const std::size_t size = entry_size(name, value);
  if (size > capacity_) {
    evict_to(0);
    return;
  }
  evict_to(capacity_ - size);
  if (count_ == slots_.size()) grow();
  newest_ = slot_of(newest_ + slots_.size() - 1);
  ++count_;
  entry& e = slots_[newest_];
  e.text.assign(name);
  e.text.append(value);
  e.name_size = static_cast<std::uint32_t>(name.size());
  e.checked = false;
  size_ += size;
}

}  // namespace ferry
