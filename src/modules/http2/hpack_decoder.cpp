#include "modules/http2/hpack_decoder.hpp"

#include <array>
#include <tuple>

#include "modules/http2/hpack_tables.hpp"

namespace ferry {
namespace {

// The canonical Huffman code as a state machine read four bits at a time (as nghttp2 and h2o
// do): a state is an inner node of the code tree, and since no code is shorter than 5 bits a
// nibble ends at most one symbol. Built once from the code lengths.
class huffman_machine {
 public:
  static constexpr std::uint8_t emits = 1;
  static constexpr std::uint8_t fails = 2;  // the nibble completes EOS
  struct transition {
    std::uint8_t state;
    std::uint8_t flags;
    std::uint8_t symbol;
  };

  huffman_machine() {
    build_tree();
    for (std::size_t state = 0; state < inner_count_; ++state) {
      for (std::uint32_t nibble = 0; nibble < 16; ++nibble) {
        transition t{0, 0, 0};
        std::uint16_t node = static_cast<std::uint16_t>(state);
        for (int bit = 3; bit >= 0; --bit) {
          node = child_[node][(nibble >> bit) & 1u];
          if (node >= leaf_base) {
            const std::uint16_t symbol = static_cast<std::uint16_t>(node - leaf_base);
            if (symbol == hpack::eos_symbol) t.flags |= fails;
            t.flags |= emits;
            t.symbol = static_cast<std::uint8_t>(symbol);
            node = 0;
          }
        }
        t.state = static_cast<std::uint8_t>(node);
        next_[state][nibble] = t;
      }
    }
  }
  const transition& step(std::uint8_t state, std::uint32_t nibble) const { return next_[state][nibble]; }
  // A string may end here: the bits since its last symbol are at most 7 ones (EOS's prefix).
  bool accepting(std::uint8_t state) const { return accepting_[state]; }

 private:
  // Inner nodes are 0..255 (0 the root); a child >= leaf_base is the leaf of symbol child - leaf_base.
  static constexpr std::uint16_t leaf_base = 512;

  void build_tree() {
    std::array<std::uint32_t, 31> count{};
    for (const std::uint8_t length : hpack::huffman_code_lengths) ++count[length];
    std::array<std::uint32_t, 31> next_code{};
    std::uint32_t code = 0;
    for (std::size_t length = 1; length <= 30; ++length) {
      code = (code + count[length - 1]) << 1;
      next_code[length] = code;
    }
    inner_count_ = 1;
    accepting_[0] = true;
    std::array<std::uint8_t, 256> depth{};
    std::array<bool, 256> ones{};
    ones[0] = true;
    for (std::size_t symbol = 0; symbol < hpack::huffman_code_lengths.size(); ++symbol) {
      const std::size_t length = hpack::huffman_code_lengths[symbol];
      const std::uint32_t bits = next_code[length]++;
      std::uint16_t node = 0;
      for (std::size_t i = length; i-- > 1;) {
        const std::uint32_t bit = (bits >> i) & 1u;
        if (child_[node][bit] == 0) {
          const auto inner = static_cast<std::uint16_t>(inner_count_++);
          child_[node][bit] = inner;
          depth[inner] = static_cast<std::uint8_t>(depth[node] + 1);
          ones[inner] = ones[node] && bit == 1;
          accepting_[inner] = ones[inner] && depth[inner] <= 7;
        }
        node = child_[node][bit];
      }
      child_[node][bits & 1u] = static_cast<std::uint16_t>(leaf_base + symbol);
    }
  }

  std::array<std::array<std::uint16_t, 2>, 256> child_{};
  std::size_t inner_count_ = 0;
  std::array<bool, 256> accepting_{};
  std::array<std::array<transition, 16>, 256> next_{};
};

const huffman_machine& huffman() {
  static const huffman_machine machine;
  return machine;
}

// Integers beyond this are never a valid index, length or table size here; bounding them also
// keeps the arithmetic from overflowing.
constexpr std::uint64_t largest_integer = std::uint64_t{1} << 32;

}  // namespace

std::size_t huffman_decode(std::string_view in, char* out) {
  const huffman_machine& machine = huffman();
  char* at = out;
  std::uint8_t state = 0;
  // A nibble emits at most one symbol (no code is under 5 bits): the symbol is stored always and
  // kept by moving on when it was emitted.
  const auto step = [&](std::uint32_t nibble) {
    const huffman_machine::transition& t = machine.step(state, nibble);
    *at = static_cast<char>(t.symbol);
    at += (t.flags & huffman_machine::emits) != 0 ? 1 : 0;
    state = t.state;
    return (t.flags & huffman_machine::fails) == 0;
  };
  for (const char c : in) {
    const auto byte = static_cast<unsigned char>(c);
    if (!step(std::uint32_t{byte} >> 4) || !step(std::uint32_t{byte} & 15u)) return huffman_failed;
  }
  return machine.accepting(state) ? static_cast<std::size_t>(at - out) : huffman_failed;
}

void hpack_decoder::set_table_limit(std::size_t size) {
  limit_ = size;
  if (limit_ < table_.capacity()) update_due_ = true;
}

void hpack_decoder::begin(std::span<const char> block) {
  at_ = block.data();
  end_ = block.data() + block.size();
  field_seen_ = false;
}

hpack_decoder::step hpack_decoder::fail() {
  failed_ = true;
  return step::error;
}

bool hpack_decoder::read_integer(int prefix_bits, std::uint64_t& value) {
  const std::uint64_t max_prefix = (std::uint64_t{1} << prefix_bits) - 1;
  value = static_cast<unsigned char>(*at_++) & max_prefix;
  if (value < max_prefix) return true;
  for (int shift = 0;; shift += 7) {
    // Five bytes carry 35 bits, past largest_integer: a sixth would only shift out of range.
    if (at_ == end_ || shift > 28) return false;
    const auto byte = static_cast<unsigned char>(*at_++);
    value += std::uint64_t{byte & 0x7fu} << shift;
    if (value > largest_integer) return false;
    if ((byte & 0x80) == 0) return true;
  }
}

std::string& hpack_decoder::buffer(buffer_slot slot) {
  // One pair per thread: a decoder's views last only until its next call, and a block is
  // decoded field after field, never interleaved with another on the same thread.
  thread_local std::array<std::string, 2> buffers;
  return buffers[slot];
}

bool hpack_decoder::read_string(buffer_slot slot, std::string_view& text) {
  if (at_ == end_) return false;
  const bool huffman_coded = (static_cast<unsigned char>(*at_) & 0x80) != 0;
  std::uint64_t length = 0;
  if (!read_integer(7, length) || length > static_cast<std::uint64_t>(end_ - at_)) return false;
  const std::string_view raw(at_, static_cast<std::size_t>(length));
  at_ += length;
  if (!huffman_coded) {
    text = raw;
    return true;
  }
  // The buffer only grows: its bytes past the text are never read, and are not zeroed again.
  std::string& out = buffer(slot);
  const std::size_t bound = huffman_decoded_bound(raw.size());
  if (out.size() < bound) out.resize(bound);
  const std::size_t n = huffman_decode(raw, out.data());
  if (n == huffman_failed) return false;
  text = std::string_view(out.data(), n);
  return true;
}

bool hpack_decoder::lookup(std::uint64_t index, std::string_view& name, std::string_view& value) {
  if (index == 0) return false;
  if (index <= hpack::static_table.size()) {
    std::tie(name, value) = hpack::static_table[index - 1];
    last_static_bit_ = std::uint64_t{1} << (index - 1);
    return true;
  }
  const std::uint64_t dynamic = index - hpack::static_table.size() - 1;
  if (dynamic >= table_.count()) return false;
  hpack_dynamic_table::entry& e = table_[dynamic];
  name = e.name();
  value = e.value();
  last_entry_mark_ = &e.checked;
  return true;
}

hpack_decoder::step hpack_decoder::next(std::string_view& name, std::string_view& value) {
  forget_last_mark();  // an insertion below may move the entries
  if (failed_) return step::error;
  while (at_ != end_) {
    const auto first = static_cast<unsigned char>(*at_);
    std::uint64_t index = 0;
    if ((first & 0xe0) == 0x20) {  // §6.3 dynamic table size update, only before any field
      if (field_seen_ || !read_integer(5, index) || index > limit_) return fail();
      table_.set_capacity(static_cast<std::size_t>(index));
      update_due_ = false;
      continue;
    }
    if (update_due_) return fail();
    field_seen_ = true;
    if ((first & 0x80) != 0) {  // §6.1 indexed field
      if (!read_integer(7, index) || !lookup(index, name, value)) return fail();
      return step::field;
    }
    const bool indexing = (first & 0xc0) == 0x40;  // §6.2.1; otherwise §6.2.2, §6.2.3
    if (!read_integer(indexing ? 6 : 4, index)) return fail();
    if (index == 0) {
      if (!read_string(name_slot, name)) return fail();
    } else {
      std::string_view ignored;
      if (!lookup(index, name, ignored)) return fail();
      forget_last_mark();  // the name's entry: its mark is not this field's
      // A dynamic entry may be evicted by the insertion below: its name is copied first.
      if (indexing && index > hpack::static_table.size()) {
        std::string& copy = buffer(name_slot);
        copy.assign(name);
        name = copy;
      }
    }
    if (!read_string(value_slot, value)) return fail();
    // The views stay on the block and our buffers, which the insertion does not touch.
    if (indexing) table_.insert(name, value);
    return step::field;
  }
  return step::block_end;
}

}  // namespace ferry
