// HPACK (RFC 7541) for the response heads a server sends: names lower-cased and checked
// (field_rules.hpp), a field the static table or our dynamic table holds goes out as one
// index, others as literals, with incremental indexing unless the head marks the name
// never-indexed (values new in every response: the request id, traceparent). Those name a
// table entry by index where one has the name; when neither table has it, the name's first
// value enters ours, so that the rest do not spell the name out again. `date` goes out as a
// literal without indexing: a new value every second would fill the table with stale dates,
// pushing out the fields that do repeat (and each would take memory of its own). Literals are
// not Huffman-coded: that would save a few bytes per new value at a cost per byte on every
// response.
//
// Responses on one connection mostly repeat the previous one's fields in the same order. The
// encoder remembers, per position, the field as given and how it went out: a field equal to
// the one remembered at its position, with the dynamic table unchanged since, is copied
// without checking, lower-casing or looking it up again. The first head after the start (or
// after forget_heads) is encoded without remembering: a connection that serves one response,
// or one now and then, never builds the memory (about 3 KB) that only a second response uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "modules/http2/hpack_dynamic_table.hpp"
#include "modules/http2_protocol.hpp"
#include "modules/output_buffer.hpp"

namespace ferry {

class hpack_encoder {
 public:
  // Our dynamic table never grows past this, whatever the peer allows: it holds what repeats
  // from response to response (date, server, content types, validators of hot files).
  static constexpr std::size_t max_table_size = 4096;

  // The peer's SETTINGS_HEADER_TABLE_SIZE. A smaller size than the table's takes effect at
  // once (entries evicted) and the next block starts by announcing it (§6.3).
  void set_peer_table_size(std::uint32_t size);

  // Appends the header block for `head`: ":status" (500 for a status outside 200..999), the
  // fields HTTP/2 may carry (connection-specific ones, te, pseudo-headers, names that are not
  // tokens and bad values are dropped; content-length too when the head gives the length),
  // then content-length.
  void encode(const http2_response_head& head, output_buffer& out);

  // Forgets the heads remembered per position (an idle connection's memory): the next encode()
  // looks every field up once more, and remembers again from the one after. The table is kept.
  void forget_heads();
  // Empties our dynamic table and gives its memory back (an idle connection's too): the next
  // block starts with a size update to 0, which empties the peer's table as well (§4.2), then
  // one back to the table's size, and its fields go out as literals that fill both again.
  void forget_table();

  // Bytes the dynamic table holds by RFC 7541's count (entries + 32 each).
  std::size_t table_size() const { return table_.size(); }
  std::size_t table_entries() const { return table_.count(); }
  std::size_t table_memory() const { return table_.memory(); }
  // Heap bytes the heads remembered per position hold (what forget_heads() gives back).
  std::size_t heads_memory() const;

 private:
  // What is remembered of the field at one position of the previous heads.
  struct remembered {
    std::string name;   // as the head gave it
    std::string lower;  // lower-cased; empty when the name may not be sent
    bool never_indexed = false;
    std::size_t static_index = 0;  // of the name in the static table, 0 when it has none
    std::uint64_t never_list = 0;  // the never-indexed list never_indexed was found in
    bool is_content_length = false;
    bool unindexed = false;  // sent without indexing (`date`)
    std::string value;
    bool value_known = false;  // `value` is the last value seen here
    bool value_ok = false;
    std::string encoded;              // the bytes `value` went out as; never indexed: all but the value
    // Of the table they are valid for; 0: none. Never indexed: the generation whose index of
    // the name they hold; 0: they name no dynamic entry, and hold for any.
    std::uint64_t generation = 0;
    // The never-indexed list's generation for which encode() may go by what is remembered here
    // without calling remembered_field(): the name is sent, it is no content-length, and
    // `encoded` holds the never-indexed field's start or a good value's bytes. 0: it may not.
    std::uint64_t ready = 0;
  };

  struct writer;
  // The head's fields after :status; with `first_head`, not remembered (see the top) but worked
  // out in that state.
  void encode_fields(const http2_response_head& head, writer& w, remembered* first_head);
  void field(std::string_view lower_name, std::string_view value, bool never_indexed, writer& out);
  // Whether a field that size may enter our dynamic table.
  bool may_enter_table(std::string_view name, std::string_view value) const;
  // Our dynamic table's index of an entry with that (lower-case) name, 0 when none has it.
  std::size_t dynamic_name_index(std::string_view name) const;
  // The field at `slot` of the memory (names as the head gave them); with `scratch`, the same
  // work on that state instead, remembering nothing.
  void remembered_field(std::size_t slot, std::string_view name, std::string_view value, const http2_response_head& head,
                        writer& out, remembered* scratch);

  hpack_dynamic_table table_{max_table_size};
  std::uint64_t generation_ = 1;  // changes whenever the table does (indexes move)
  // What encode() remembers of the heads: made by the first, given back by forget_heads() (an
  // idle connection keeps only the pointer).
  struct remembered_heads {
    std::vector<remembered> fields;       // by position (not for the first head: see the top)
    std::vector<std::string> never_list;  // the last head's never-indexed names
  };
  std::unique_ptr<remembered_heads> heads_;
  bool remember_ = false;  // encode() fills heads_->fields
  bool announce_size_ = false;
  std::uint64_t never_list_generation_ = 1;
  std::size_t smallest_since_block_ = max_table_size;
};

}  // namespace ferry
