// The ids of a connection's open HTTP/2 streams by position, beside a vector of the streams in
// the same order (the session's and the connection's tables). Few enough that scanning beats
// hashing; and a stream is looked up several times in a row (its HEADERS frame, its header
// block, its request, its response, its end), so the position found last is tried first: with
// 32 streams open a scan was a visible share of a small response.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ferry {

class stream_positions {
 public:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  // The position of `id`, or none.
  std::size_t find(std::int32_t id) const {
    if (last_ < ids_.size() && ids_[last_] == id) return last_;
    const auto it = std::find(ids_.begin(), ids_.end(), id);
    if (it == ids_.end()) return none;
    last_ = static_cast<std::size_t>(it - ids_.begin());
    return last_;
  }
  void push_back(std::int32_t id) {
    ids_.push_back(id);
    last_ = ids_.size() - 1;
  }
  // Removes position `at` by moving the last id into it, as the caller does with its streams.
  void remove_at(std::size_t at) {
    ids_[at] = ids_.back();
    ids_.pop_back();
  }
  void clear() { ids_.clear(); }
  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }

 private:
  std::vector<std::int32_t> ids_;
  mutable std::size_t last_ = 0;  // where find() last found an id (checked before use)
};

}  // namespace ferry
