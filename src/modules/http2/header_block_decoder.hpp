// HPACK decoding of request header blocks (RFC 7541) with nghttp2's decoder (its public
// nghttp2_hd_inflate API: Huffman, the dynamic table, integer and size-update rules), fed one
// HEADERS or CONTINUATION fragment at a time.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

struct nghttp2_hd_inflater;

namespace ferry {

class header_block_decoder {
 public:
  enum class step { field, block_end, need_more, error };

  header_block_decoder();
  ~header_block_decoder();
  header_block_decoder(const header_block_decoder&) = delete;
  header_block_decoder& operator=(const header_block_decoder&) = delete;

  // False when nghttp2 could not allocate the decoder.
  bool valid() const { return inflater_ != nullptr; }
  // Our SETTINGS_HEADER_TABLE_SIZE, once the peer has acknowledged it: a smaller one than
  // the table's makes a size update due at the start of the next block.
  bool set_table_limit(std::size_t size);

  // Decodes from `input` (advanced past what was used) until a field is complete (`name` and
  // `value` then hold it until the next call), the block ends (`last`: `input` is its final
  // fragment), or the fragment is used up. `error`: the block is not valid HPACK, a
  // connection error COMPRESSION_ERROR (RFC 9113 §4.3); the decoder is of no further use.
  step next(std::span<const char>& input, bool last, std::string_view& name, std::string_view& value);

 private:
  nghttp2_hd_inflater* inflater_ = nullptr;
};

}  // namespace ferry
