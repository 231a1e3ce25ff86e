#include "policy/path_glob.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace ferry {

namespace {

// A set of NFA states (token positions 0..n). Patterns come from config and are short, so the
// usual case fits in the inline words and matching never allocates; longer patterns fall back
// to the heap.
class state_set {
 public:
  explicit state_set(std::size_t states) : words_((states + 63) / 64) {
    if (words_ > inline_words) {
      heap_.assign(words_, 0);
      bits_ = heap_.data();
    } else {
      bits_ = inline_.data();
    }
  }
  state_set(const state_set&) = delete;
  state_set& operator=(const state_set&) = delete;

  bool test(std::size_t i) const { return (bits_[i / 64] >> (i % 64)) & 1U; }
  void set(std::size_t i) { bits_[i / 64] |= std::uint64_t{1} << (i % 64); }
  void clear() {
    for (std::size_t w = 0; w < words_; ++w) bits_[w] = 0;
  }
  bool empty() const {
    for (std::size_t w = 0; w < words_; ++w) {
      if (bits_[w] != 0) return false;
    }
    return true;
  }
  void swap(state_set& other) {
    // Both sets were built for the same pattern, so they have the same size and storage kind.
    std::swap(bits_, other.bits_);
  }

 private:
  static constexpr std::size_t inline_words = 8;
  std::size_t words_;
  std::array<std::uint64_t, inline_words> inline_{};
  std::vector<std::uint64_t> heap_;
  std::uint64_t* bits_;
};

}  // namespace

path_glob::path_glob(std::string pattern) : pattern_(std::move(pattern)) {
  const std::string& p = pattern_;
  for (std::size_t i = 0; i < p.size();) {
    if (p[i] == '*') {
      std::size_t run = 0;
      while (i + run < p.size() && p[i + run] == '*') ++run;
      // Three or more stars mean the same as two.
      tokens_.push_back({run >= 2 ? token_kind::any_star : token_kind::segment_star, '\0', false});
      i += run;
    } else if (p[i] == '?') {
      tokens_.push_back({token_kind::one_char, '\0', false});
      ++i;
    } else {
      tokens_.push_back({token_kind::literal, p[i], false});
      ++i;
    }
  }
  for (std::size_t i = 1; i + 1 < tokens_.size(); ++i) {
    const auto is_slash = [](const token& t) { return t.kind == token_kind::literal && t.ch == '/'; };
    if (tokens_[i].kind == token_kind::any_star && is_slash(tokens_[i - 1]) && is_slash(tokens_[i + 1])) {
      tokens_[i].skips_next_slash = true;
    }
  }
}

// A Thompson-style simulation: the set of pattern positions reachable after each path byte.
// O(path length × pattern tokens) time whatever the input, no backtracking.
bool path_glob::matches(std::string_view path) const {
  const std::size_t n = tokens_.size();
  state_set current(n + 1);
  state_set next(n + 1);

  // Stars may match nothing, so reaching a star also reaches what follows it. Epsilon moves
  // only go forward, so one ascending pass closes the set.
  const auto close = [&](state_set& s) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!s.test(i)) continue;
      const token_kind k = tokens_[i].kind;
      if (k == token_kind::segment_star || k == token_kind::any_star) s.set(i + 1);
    }
  };

  current.set(0);
  close(current);
  for (const char c : path) {
    next.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (!current.test(i)) continue;
      const token& t = tokens_[i];
      switch (t.kind) {
        case token_kind::literal:
          if (c == t.ch) {
            next.set(i + 1);
            // "/**/" matching one "/": this slash stands for all three tokens. (Only here, not
            // once the `**` has consumed something: "/a/**/b" must not match "/a/xb".)
            // "/**/**/" collapses the same way, so follow the chain.
            for (std::size_t j = i; j + 1 < n && tokens_[j + 1].skips_next_slash; j += 2) next.set(j + 3);
          }
          break;
        case token_kind::one_char:
          if (c != '/') next.set(i + 1);
          break;
        case token_kind::segment_star:
          if (c != '/') next.set(i);
          break;
        case token_kind::any_star:
          next.set(i);
          break;
      }
    }
    close(next);
    if (next.empty()) return false;
    current.swap(next);
  }
  return current.test(n);
}

}  // namespace ferry
