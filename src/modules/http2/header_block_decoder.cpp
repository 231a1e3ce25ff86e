#include "modules/http2/header_block_decoder.hpp"

#include <nghttp2/nghttp2.h>

namespace ferry {

header_block_decoder::header_block_decoder() {
  if (nghttp2_hd_inflate_new(&inflater_) != 0) inflater_ = nullptr;
}

header_block_decoder::~header_block_decoder() {
  if (inflater_ != nullptr) nghttp2_hd_inflate_del(inflater_);
}

bool header_block_decoder::set_table_limit(std::size_t size) {
  return nghttp2_hd_inflate_change_table_size(inflater_, size) == 0;
}

header_block_decoder::step header_block_decoder::next(std::span<const char>& input, bool last, std::string_view& name,
                                                      std::string_view& value) {
  for (;;) {
    nghttp2_nv nv{};
    int flags = 0;
    const ssize_t used = nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, reinterpret_cast<const std::uint8_t*>(input.data()),
                                                input.size(), last ? 1 : 0);
    if (used < 0) return step::error;
    input = input.subspan(static_cast<std::size_t>(used));
    if ((flags & NGHTTP2_HD_INFLATE_EMIT) != 0) {
      name = {reinterpret_cast<const char*>(nv.name), nv.namelen};
      value = {reinterpret_cast<const char*>(nv.value), nv.valuelen};
      return step::field;
    }
    if ((flags & NGHTTP2_HD_INFLATE_FINAL) != 0) {
      nghttp2_hd_inflate_end_headers(inflater_);
      return step::block_end;
    }
    if (input.empty()) return step::need_more;
    if (used == 0) return step::error;  // no progress on input it was given: never expected
  }
}

}  // namespace ferry
