// HPACK decoding of request header blocks (RFC 7541): indexed fields, literals with and
// without indexing, Huffman-coded strings, the dynamic table and its size updates. Every
// error the RFC names is reported (the session ends the connection with COMPRESSION_ERROR).
// A block is decoded whole; fields come out one at a time as views that stay valid until the
// next call (on any decoder of the thread: Huffman-coded strings are decoded into the thread's
// scratch, which no idle connection keeps).
//
// A field sent as an index into the tables comes back on every request of a connection. The
// caller may mark such a field once it has judged it (mark_checked) and then skip judging it
// again when it recurs (last_checked): the mark stays with the table entry, whose name and value
// never change, and a literal is never marked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "modules/http2/hpack_dynamic_table.hpp"
#include "modules/http2/hpack_tables.hpp"

namespace ferry {

class hpack_decoder {
 public:
  enum class step { field, block_end, error };

  // Our SETTINGS_HEADER_TABLE_SIZE, the largest size an update may ask for (4096 until the
  // peer has acknowledged another). Lowered below the table's current size limit, the next
  // block must begin with a size update (§4.2).
  void set_table_limit(std::size_t size);

  // Starts on one complete header block, which must stay in place until block_end or error.
  void begin(std::span<const char> block);
  // The next field, the end of the block, or an error (after which the decoder is of no use:
  // its table may no longer match the peer's).
  step next(std::string_view& name, std::string_view& value);
  // Whether the field next() gave last was marked before.
  bool last_checked() const {
    return last_entry_mark_ != nullptr ? *last_entry_mark_ : (static_marks_ & last_static_bit_) != 0;
  }
  // Marks the field next() gave last, when it was an index (static or dynamic table).
  void mark_checked() {
    if (last_entry_mark_ != nullptr) *last_entry_mark_ = true;
    else static_marks_ |= last_static_bit_;
  }

  // Bytes the dynamic table holds by RFC 7541's count.
  std::size_t table_size() const { return table_.size(); }
  std::size_t table_memory() const { return table_.memory(); }

 private:
  bool read_integer(int prefix_bits, std::uint64_t& value);
  // A string literal (§5.2): a view into the block, or decoded into the thread's scratch for
  // names or for values.
  enum buffer_slot : std::size_t { name_slot, value_slot };
  bool read_string(buffer_slot slot, std::string_view& text);
  static std::string& buffer(buffer_slot slot);
  // The field at `index` of the static and dynamic tables; false when there is none.
  bool lookup(std::uint64_t index, std::string_view& name, std::string_view& value);
  step fail();
  void forget_last_mark() {
    last_entry_mark_ = nullptr;
    last_static_bit_ = 0;
  }

  hpack_dynamic_table table_;  // its capacity as the last size update set it
  std::size_t limit_ = 4096;     // what an update may ask for
  const char* at_ = nullptr;
  const char* end_ = nullptr;
  // The mark of the field next() gave last, if it can have one: its dynamic entry's, or its
  // bit in static_marks_ (one per static table entry).
  bool* last_entry_mark_ = nullptr;
  std::uint64_t last_static_bit_ = 0;
  std::uint64_t static_marks_ = 0;
  static_assert(hpack::static_table.size() <= 64);
  bool update_due_ = false;   // the next block must start with a size update
  bool failed_ = false;
  bool field_seen_ = false;  // in this block: size updates must come first
};

// Decodes Huffman-coded `in` (RFC 7541 §5.2, Appendix B) into `out`, which has room for
// huffman_decoded_bound(in.size()) bytes: how many bytes it wrote, or huffman_failed when `in`
// holds EOS, or ends with more than 7 bits of padding or padding that is not EOS's prefix.
inline constexpr std::size_t huffman_failed = static_cast<std::size_t>(-1);
std::size_t huffman_decode(std::string_view in, char* out);
// The shortest code has 5 bits: at most 8 symbols per 5 bytes (and room for one stored, not kept).
constexpr std::size_t huffman_decoded_bound(std::size_t coded) { return coded * 8 / 5 + 1; }

}  // namespace ferry
