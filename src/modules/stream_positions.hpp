// The ids of a connection's open HTTP/2 streams by position, beside a vector of the streams in
// the same order (the session's and the connection's tables). With 32 streams open, scanning
// the ids was a visible share of a small response (a stream is looked up six times or so), so
// a lookup first tries two answers that need no scan: an id above every id added is in no table
// (client stream ids only grow, so this is each new stream's lookup), and a small direct-mapped
// memory of where each id was last seen (open streams have nearby ids and seldom share a slot).
// Both are checked against the ids, so a stale guess only costs the scan.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ferry {

class stream_positions {
 public:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  // The position of `id`, or none.
  std::size_t find(std::int32_t id) const {
    if (id > highest_) return none;
    std::uint8_t& guess = guesses_[slot(id)];
    if (guess < ids_.size() && ids_[guess] == id) return guess;
    const auto it = std::find(ids_.begin(), ids_.end(), id);
    if (it == ids_.end()) return none;
    const auto at = static_cast<std::size_t>(it - ids_.begin());
    remember(id, at);
    return at;
  }
  void push_back(std::int32_t id) {
    ids_.push_back(id);
    highest_ = std::max(highest_, id);
    remember(id, ids_.size() - 1);
  }
  // Removes position `at` by moving the last id into it, as the caller does with its streams.
  void remove_at(std::size_t at) {
    const std::int32_t moved = ids_.back();
    ids_[at] = moved;
    ids_.pop_back();
    if (at < ids_.size()) remember(moved, at);
  }
  void clear() { ids_.clear(); }
  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }

 private:
  // Client stream ids are odd: id / 2 spreads consecutive ones over consecutive slots.
  static std::size_t slot(std::int32_t id) { return static_cast<std::uint32_t>(id) / 2 % 32; }
  // Positions past 255 (up to 1,000 streams may be open) are remembered as 255: every guess
  // is checked against the ids anyway.
  void remember(std::int32_t id, std::size_t at) const {
    guesses_[slot(id)] = static_cast<std::uint8_t>(std::min<std::size_t>(at, 255));
  }

  std::vector<std::int32_t> ids_;
  std::int32_t highest_ = 0;  // of the ids ever added
  // By slot: where an id was last seen. Small, as the tables live in every busy connection.
  mutable std::array<std::uint8_t, 32> guesses_{};
};

}  // namespace ferry
