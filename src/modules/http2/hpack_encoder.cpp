#include "modules/http2/hpack_encoder.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "modules/http2/field_rules.hpp"
#include "modules/http2/hpack_tables.hpp"
#include "http/short_bytes.hpp"

namespace ferry {
namespace {

constexpr std::size_t static_count = hpack::static_table.size();

// The static table's name index for a lower-case name, 0 when it has none. Buckets by length
// keep the comparisons to the few names of the same length.
std::size_t static_name_index(std::string_view name) {
  struct buckets {
    std::array<std::array<std::uint8_t, 12>, 28> index{};
    std::array<std::uint8_t, 28> count{};
  };
  static const buckets table = [] {
    buckets b;
    for (std::size_t i = 0; i < static_count; ++i) {
      const std::size_t n = hpack::static_table[i].first.size();
      // The first of equal names (":method" GET) is the one to refer to.
      if (i > 0 && hpack::static_table[i - 1].first == hpack::static_table[i].first) continue;
      b.index[n][b.count[n]++] = static_cast<std::uint8_t>(i + 1);
    }
    return b;
  }();
  if (name.size() >= table.count.size()) return 0;
  const std::size_t n = name.size();
  for (std::size_t k = 0; k < table.count[n]; ++k) {
    const std::size_t index = table.index[n][k];
    if (std::memcmp(hpack::static_table[index - 1].first.data(), name.data(), n) == 0) return index;
  }
  return 0;
}

// ":status" values the static table holds whole (indexes 8..14).
std::size_t static_status_index(int status) {
  switch (status) {
    case 200: return 8;
    case 204: return 9;
    case 206: return 10;
    case 304: return 11;
    case 400: return 12;
    case 404: return 13;
    case 500: return 14;
    default: return 0;
  }
}

// Bytes an integer takes at most (§5.1: a prefix byte, then 7 bits per byte of 64).
constexpr std::size_t max_integer_bytes = 11;

}  // namespace

// Writes into room the caller made beforehand (encode() sizes it for the worst case), so a
// byte costs a store rather than a string's capacity check.
struct hpack_encoder::writer {
  char* at;

  // RFC 7541 §5.1: `value` with an N-bit prefix, the first byte's high bits from `first`.
  void integer(std::size_t value, int prefix_bits, std::uint8_t first) {
    const std::size_t max_prefix = (std::size_t{1} << prefix_bits) - 1;
    if (value < max_prefix) {
      *at++ = static_cast<char>(first | value);
      return;
    }
    *at++ = static_cast<char>(first | max_prefix);
    value -= max_prefix;
    while (value >= 128) {
      *at++ = static_cast<char>((value & 0x7f) | 0x80);
      value >>= 7;
    }
    *at++ = static_cast<char>(value);
  }
  void bytes(std::string_view text) { at = short_bytes::copy(at, text); }
  // What a field went out as last time: mostly a one-byte index. A string's buffer holds
  // capacity() + 1 bytes, so one of up to 16 is copied as 16 bytes at once; the writer always
  // has that much room left (encode() reserves the content length's room last), and what lies
  // past the copy is written over or cut off.
  void remembered_bytes(const std::string& text) {
    if (text.size() <= 16 && text.capacity() >= 15) {
      std::memcpy(at, text.data(), 16);
      at += text.size();
    } else {
      bytes(text);
    }
  }
  // §5.2, without Huffman coding.
  void string(std::string_view text) {
    integer(text.size(), 7, 0);
    bytes(text);
  }
};

void hpack_encoder::set_peer_table_size(std::uint32_t size) {
  const std::size_t capacity = std::min<std::size_t>(size, max_table_size);
  if (capacity == table_.capacity()) return;
  table_.set_capacity(capacity);
  ++generation_;
  // The smallest size since the last block would have to be announced before the final one;
  // evicting at once and announcing the final size is equivalent for a decoder that evicts
  // on every announced size (§4.2 asks for both only when the smaller one came first).
  smallest_since_block_ = std::min(smallest_since_block_, capacity);
  announce_size_ = true;
}

void hpack_encoder::forget_heads() {
  heads_.reset();
  remember_ = false;
  ++never_list_generation_;
}

void hpack_encoder::forget_table() {
  if (table_.count() == 0 && table_.memory() == 0) return;
  table_.release();
  ++generation_;
  smallest_since_block_ = 0;
  announce_size_ = true;
}

std::size_t hpack_encoder::heads_memory() const {
  const std::size_t inline_capacity = std::string().capacity();
  const auto heap = [&](const std::string& s) { return s.capacity() > inline_capacity ? s.capacity() + 1 : 0; };
  if (!heads_) return 0;
  std::size_t bytes = heads_->fields.capacity() * sizeof(remembered);
  for (const remembered& m : heads_->fields) bytes += heap(m.name) + heap(m.lower) + heap(m.value) + heap(m.encoded);
  return bytes;
}

void hpack_encoder::field(std::string_view name, std::string_view value, bool never_indexed, writer& out) {
  if (!never_indexed) {
    for (std::size_t i = 0; i < table_.count(); ++i) {
      const hpack_dynamic_table::entry& e = table_[i];
      if (e.name_size == name.size() && e.text.size() == name.size() + value.size() &&
          std::memcmp(e.text.data() + name.size(), value.data(), value.size()) == 0 &&
          std::memcmp(e.text.data(), name.data(), name.size()) == 0) {
        out.integer(static_count + 1 + i, 7, 0x80);  // §6.1 indexed field
        return;
      }
    }
  }
  const bool index = !never_indexed && may_enter_table(name, value);
  const std::size_t name_index = static_name_index(name);
  if (never_indexed) {
    out.integer(name_index, 4, 0x10);  // §6.2.3 never indexed
  } else if (index) {
    out.integer(name_index, 6, 0x40);  // §6.2.1 incremental indexing
  } else {
    out.integer(name_index, 4, 0x00);  // §6.2.2 without indexing
  }
  if (name_index == 0) out.string(name);
  out.string(value);
  if (index) {
    table_.insert(name, value);
    ++generation_;
  }
}

// An entry that would take most of the table would push out everything that repeats: it goes
// out without indexing (the peer's table must see exactly the entries ours does).
bool hpack_encoder::may_enter_table(std::string_view name, std::string_view value) const {
  return hpack_dynamic_table::entry_size(name, value) <= table_.capacity() * 3 / 4;
}

std::size_t hpack_encoder::dynamic_name_index(std::string_view name) const {
  for (std::size_t i = 0; i < table_.count(); ++i) {
    const hpack_dynamic_table::entry& e = table_[i];
    if (e.name_size == name.size() && std::memcmp(e.text.data(), name.data(), name.size()) == 0) {
      return static_count + 1 + i;
    }
  }
  return 0;
}

void hpack_encoder::encode(const http2_response_head& head, output_buffer& out) {
  // Room for the worst case: two size updates, the status as a literal, then every field as a
  // literal with its name, and the content length.
  std::size_t room = 2 * max_integer_bytes + 3 * max_integer_bytes + 3;
  for (const auto& [name, value] : head.fields) room += 3 * max_integer_bytes + name.size() + value.size();
  room += 3 * max_integer_bytes + std::string_view("content-length").size() + 20;
  // The room is not zero-filled (output_buffer): only what the writer wrote is kept.
  writer w{out.extend(room)};

  if (announce_size_) {
    if (smallest_since_block_ < table_.capacity()) w.integer(smallest_since_block_, 5, 0x20);
    w.integer(table_.capacity(), 5, 0x20);  // §6.3
    announce_size_ = false;
    smallest_since_block_ = table_.capacity();
  }
  // The never-indexed names rarely change; when they do, every field is looked up again.
  if (!heads_) heads_ = std::make_unique<remembered_heads>();
  std::vector<std::string>& never_list = heads_->never_list;
  if (!std::equal(head.never_indexed.begin(), head.never_indexed.end(), never_list.begin(), never_list.end())) {
    never_list.assign(head.never_indexed.begin(), head.never_indexed.end());
    ++never_list_generation_;
  }
  const int status = head.status >= 200 && head.status <= 999 ? head.status : 500;
  char digits[24];
  if (const std::size_t index = static_status_index(status); index != 0) {
    w.integer(index, 7, 0x80);
  } else {
    const char* end = std::to_chars(digits, digits + sizeof digits, status).ptr;
    field(":status", std::string_view(digits, static_cast<std::size_t>(end - digits)), false, w);
  }
  if (remember_) {
    encode_fields(head, w, nullptr);
  } else {
    // Not remembering, one scratch state serves every field: what it holds of the previous
    // field is right for this one when the names match (remembered_field's checks are those of
    // a remembered position), and is reset when they do not. (On the stack only here: made
    // for every head, it cost a zero-fill of its size.)
    remembered scratch;
    encode_fields(head, w, &scratch);
  }
  out.truncate(static_cast<std::size_t>(w.at - out.data()));
  remember_ = true;
}

void hpack_encoder::encode_fields(const http2_response_head& head, writer& w, remembered* first_head) {
  char digits[24];
  const std::vector<remembered>& fields = heads_->fields;
  std::size_t slot = 0;
  for (const auto& [name, value] : head.fields) {
    // The common case inline: the same name at this position as before, and for a field that
    // is not never-indexed the same value, with the bytes it went out as still right.
    if (slot < fields.size()) {
      const remembered& m = fields[slot];
      if (m.ready == never_list_generation_ && short_bytes::equal(m.name, name)) {
        if (m.never_indexed) {
          if (m.generation == 0 || m.generation == generation_) {
            if (valid_field_value(value)) {
              w.remembered_bytes(m.encoded);
              w.string(value);
            }
            ++slot;
            continue;
          }
        } else if (short_bytes::equal(m.value, value) && (m.unindexed || m.generation == generation_)) {
          w.remembered_bytes(m.encoded);
          ++slot;
          continue;
        }
      }
    }
    remembered_field(slot++, name, value, head, w, first_head);
  }
  if (!head.content_length) return;
  const char* end = std::to_chars(digits, digits + sizeof digits, *head.content_length).ptr;
  const std::string_view length(digits, static_cast<std::size_t>(end - digits));
  // The length a head gives goes out last, where the same length (and table) went out the same
  // way. (A content-length among the head's fields is dropped instead: see remembered_field.)
  if (slot < fields.size()) {
    const remembered& m = fields[slot];
    if (m.is_content_length && m.never_list == never_list_generation_ && !m.never_indexed && m.value_known &&
        m.value_ok && m.generation == generation_ && short_bytes::equal(m.value, length)) {
      w.remembered_bytes(m.encoded);
      return;
    }
  }
  remembered_field(slot, "content-length", length, head, w, first_head);
}

void hpack_encoder::remembered_field(std::size_t slot, std::string_view name, std::string_view value,
                                     const http2_response_head& head, writer& out, remembered* scratch) {
  std::vector<remembered>& fields = heads_->fields;
  if (!scratch && slot >= fields.size()) fields.resize(slot + 1);
  remembered& m = scratch ? *scratch : fields[slot];
  if (!short_bytes::equal(m.name, name)) {
    m.name = name;
    m.lower.resize(name.size());
    // A pseudo-header's ':' is no token character: lower_field_name refuses it too.
    if (!lower_field_name(name, m.lower.data()) || connection_specific_field(m.lower) || m.lower == "te") m.lower.clear();
    m.is_content_length = m.lower == "content-length";
    m.unindexed = m.lower == "date";
    m.generation = 0;
    m.never_list = 0;
    m.value_known = false;
    m.ready = 0;
  }
  if (m.lower.empty()) return;
  // The length the head gives goes out once, last: a content-length field of its own is dropped.
  if (m.is_content_length && head.content_length && slot < head.fields.size()) return;
  if (m.never_list != never_list_generation_) {
    m.never_indexed = std::any_of(heads_->never_list.begin(), heads_->never_list.end(),
                                  [&](std::string_view n) { return same_field_name(n, m.lower); });
    m.never_list = never_list_generation_;
    m.generation = 0;
    m.static_index = static_name_index(m.lower);
  }
  if (m.never_indexed) {
    // New in every response: nothing to remember of the value. The name is another matter.
    if (!valid_field_value(value)) return;
    const char* start = out.at;
    std::size_t name_index = m.static_index;
    m.generation = 0;  // the bytes below name no dynamic entry
    if (name_index == 0) {
      name_index = dynamic_name_index(m.lower);
      if (name_index == 0 && may_enter_table(m.lower, value)) {
        // A name neither table holds: its first value enters ours as any field would, so that
        // the values to come name it by index rather than spell it out (a dozen bytes per
        // response, and one buffer less for the peer's decoder to fill).
        out.integer(0, 6, 0x40);  // §6.2.1 incremental indexing
        out.string(m.lower);
        out.string(value);
        table_.insert(m.lower, value);
        ++generation_;
        m.ready = 0;
        return;
      }
      if (name_index != 0) m.generation = generation_;  // an index that moves when the table changes
    }
    out.integer(name_index, 4, 0x10);  // §6.2.3 never indexed
    if (name_index == 0) out.string(m.lower);
    if (!m.is_content_length) {
      m.encoded.assign(start, static_cast<std::size_t>(out.at - start));
      m.ready = never_list_generation_;
    }
    out.string(value);
    return;
  }
  m.ready = 0;
  if (m.value_known && short_bytes::equal(m.value, value)) {
    if (!m.value_ok) return;
    // A literal that names no dynamic table entry stays right whatever the table did since.
    if (m.generation == generation_ || m.unindexed) {
      out.remembered_bytes(m.encoded);
      if (!m.is_content_length) m.ready = never_list_generation_;
      return;
    }
  } else {
    m.value = value;
    m.value_known = true;
    m.value_ok = valid_field_value(value);
    if (!m.value_ok) return;
  }
  const char* start = out.at;
  if (m.unindexed) {
    out.integer(m.static_index, 4, 0x00);  // §6.2.2 without indexing
    if (m.static_index == 0) out.string(m.lower);
    out.string(value);
  } else {
    const std::uint64_t before = generation_;
    field(m.lower, value, false, out);
    // A field that entered the table goes out as an index next time: not these bytes.
    m.generation = generation_ == before ? generation_ : 0;
  }
  m.encoded.assign(start, static_cast<std::size_t>(out.at - start));
  if (!m.is_content_length) m.ready = never_list_generation_;
}

}  // namespace ferry
