// The request decoder: blocks made by nghttp2's encoder (an implementation that shares no code
// with ours) must decode to what it was given, table sizes included; RFC 7541's examples; and
// every malformed block the RFC names must be refused.
#include "modules/http2/hpack_decoder.hpp"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace ferry {
namespace {

using field_list = std::vector<std::pair<std::string, std::string>>;

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// Decodes `block`; nullopt on an error.
std::optional<field_list> decode(hpack_decoder& decoder, const std::string& block) {
  decoder.begin(block);
  field_list out;
  std::string_view name, value;
  for (;;) {
    switch (decoder.next(name, value)) {
      case hpack_decoder::step::field: out.emplace_back(name, value); break;
      case hpack_decoder::step::block_end: return out;
      case hpack_decoder::step::error: return std::nullopt;
    }
  }
}

class peer_encoder {
 public:
  explicit peer_encoder(std::size_t table) { nghttp2_hd_deflate_new(&deflater_, table); }
  ~peer_encoder() { nghttp2_hd_deflate_del(deflater_); }
  peer_encoder(const peer_encoder&) = delete;
  peer_encoder& operator=(const peer_encoder&) = delete;
  std::string encode(const field_list& fields, bool never = false) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [n, v] : fields) {
      nv.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(n.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                    static_cast<std::uint8_t>(never ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE)});
    }
    std::string out(nghttp2_hd_deflate_bound(deflater_, nv.data(), nv.size()), '\0');
    const ssize_t n = nghttp2_hd_deflate_hd(deflater_, reinterpret_cast<std::uint8_t*>(out.data()), out.size(),
                                            nv.data(), nv.size());
    out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    return out;
  }
  void change_table_size(std::size_t size) { nghttp2_hd_deflate_change_table_size(deflater_, size); }
  std::size_t table_size() const { return nghttp2_hd_deflate_get_dynamic_table_size(deflater_); }

 private:
  nghttp2_hd_deflater* deflater_ = nullptr;
};

TEST(HpackDecoder, DecodesWhatAnotherEncoderMade) {
  std::mt19937 random(7);
  const std::vector<std::string> names{":method", ":path", ":authority", "accept", "user-agent", "cookie", "x-custom", "if-none-match"};
  for (const std::size_t table : {4096u, 256u, 0u}) {
    peer_encoder peer(table);
    hpack_decoder decoder;
    if (table < 4096) {
      decoder.set_table_limit(table);  // the peer announces the smaller size in its first block
    }
    for (int round = 0; round < 300; ++round) {
      field_list fields;
      const int count = 1 + static_cast<int>(random() % 12);
      for (int i = 0; i < count; ++i) {
        std::string value;
        const int length = static_cast<int>(random() % (round % 10 == 0 ? 300 : 20));
        for (int k = 0; k < length; ++k) {
          // Mostly text (which Huffman-codes shorter, so the encoder uses it), some any byte.
          value.push_back(static_cast<char>(random() % 8 == 0 ? random() % 256 : 'a' + random() % 26));
        }
        fields.emplace_back(names[random() % names.size()], value);
      }
      const auto got = decode(decoder, peer.encode(fields, round % 13 == 0));
      ASSERT_TRUE(got.has_value()) << "table " << table << " round " << round;
      ASSERT_EQ(*got, fields) << "table " << table << " round " << round;
      ASSERT_EQ(decoder.table_size(), peer.table_size());
    }
  }
}

// Marks per table entry: an index the caller marked comes back marked, a literal never is, and
// an entry that takes an evicted one's slot starts unmarked.
TEST(HpackDecoder, MarksStayWithTheirTableEntries) {
  using field_view = std::pair<std::string_view, std::string_view>;
  hpack_decoder decoder;
  decoder.set_table_limit(64);
  std::string_view name, value;
  const auto next_field = [&] {
    EXPECT_EQ(decoder.next(name, value), hpack_decoder::step::field);
    return field_view(name, value);
  };
  // A size update to 64, then :method GET (static 2), a literal x-a: 1 with indexing (size 36).
  std::string block = from_hex("3f21") + "\x82" + "\x40\x03x-a\x01" "1";
  decoder.begin(block);
  EXPECT_EQ(next_field().first, ":method");
  EXPECT_FALSE(decoder.last_checked());
  decoder.mark_checked();
  EXPECT_EQ(next_field().first, "x-a");
  EXPECT_FALSE(decoder.last_checked());
  decoder.mark_checked();  // a literal: nothing to keep the mark
  EXPECT_EQ(decoder.next(name, value), hpack_decoder::step::block_end);

  // :method GET again, then x-a by its index (62).
  block = "\x82\xbe";
  decoder.begin(block);
  next_field();
  EXPECT_TRUE(decoder.last_checked());
  EXPECT_EQ(next_field(), field_view("x-a", "1"));
  EXPECT_FALSE(decoder.last_checked());
  decoder.mark_checked();
  EXPECT_EQ(decoder.next(name, value), hpack_decoder::step::block_end);
  decoder.begin(block);
  next_field();
  next_field();
  EXPECT_TRUE(decoder.last_checked());
  EXPECT_EQ(decoder.next(name, value), hpack_decoder::step::block_end);

  // x-b: 2 evicts x-a (64 bytes hold one entry) and takes its place at index 62: unmarked.
  block = std::string("\x40\x03x-b\x01" "2") + "\xbe";
  decoder.begin(block);
  next_field();
  EXPECT_EQ(next_field(), field_view("x-b", "2"));
  EXPECT_FALSE(decoder.last_checked());
  EXPECT_EQ(decoder.next(name, value), hpack_decoder::step::block_end);
}

TEST(HpackDecoder, FollowsTableSizeUpdates) {
  peer_encoder peer(4096);
  hpack_decoder decoder;
  const field_list fields{{"x-a", "1"}, {"x-b", "2"}};
  ASSERT_TRUE(decode(decoder, peer.encode(fields)).has_value());
  EXPECT_GT(decoder.table_size(), 0u);
  decoder.set_table_limit(0);
  peer.change_table_size(0);
  EXPECT_EQ(decode(decoder, peer.encode(fields)), fields);
  EXPECT_EQ(decoder.table_size(), 0u);
}

// RFC 7541 Appendix C.3 (no Huffman) and C.4 (Huffman): three requests on one connection.
TEST(HpackDecoder, RfcExamples) {
  for (const bool huffman : {false, true}) {
    hpack_decoder decoder;
    const std::string first = huffman ? from_hex("828684418cf1e3c2e5f23a6ba0ab90f4ff")
                                      : from_hex("828684410f7777772e6578616d706c652e636f6d");
    const std::string second = huffman ? from_hex("828684be5886a8eb10649cbf") : from_hex("828684be58086e6f2d6361636865");
    const std::string third = huffman ? from_hex("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf")
                                      : from_hex("828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565");
    EXPECT_EQ(decode(decoder, first),
              (field_list{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}}));
    EXPECT_EQ(decoder.table_size(), 57u);
    EXPECT_EQ(decode(decoder, second), (field_list{{":method", "GET"},
                                                   {":scheme", "http"},
                                                   {":path", "/"},
                                                   {":authority", "www.example.com"},
                                                   {"cache-control", "no-cache"}}));
    EXPECT_EQ(decoder.table_size(), 110u);
    EXPECT_EQ(decode(decoder, third), (field_list{{":method", "GET"},
                                                  {":scheme", "https"},
                                                  {":path", "/index.html"},
                                                  {":authority", "www.example.com"},
                                                  {"custom-key", "custom-value"}}));
    EXPECT_EQ(decoder.table_size(), 164u);
  }
}

// Every byte value, Huffman-coded (made with python3-hpack's encoder).
TEST(HpackDecoder, HuffmanCodesEveryByte) {
  const std::string coded = from_hex(
    "ffc7fffd8fffffe2fffffe3fffffe4fffffe5fffffe6fffffe7fffffe8ffffeafffffff3fffffa7fffffabffffffdfff"
    "ffebfffffecfffffedfffffeefffffefffffff0ffffff1ffffff2fffffffbfffffcffffffd3fffffd7fffffdbfffffdf"
    "fffffe3fffffe7fffffebfffffed4fe3f9ffaffcabf1febfafefe7fdfd2cbb00089969b71d79fb9f7fff20ffbff3ff50"
    "ddbd7f061c58f265cd9f469d5af66dddbf871e5f9cff7ff7fffc3ff9ffe45fff4719242cb34e6e9d68a6a3d7dac426de"
    "fe3cfaf7fffbfe7ffbffdffffffcfffe6ffff4bfff9ffffa3fffd3ffff53fffd5ffffb3fffeb7fffdaffffb7ffff73ff"
    "feeffffdeffffebffffbfffffd9ffffdbfffebffffe0ffffeeffffc3ffff8bffff1ffffe4fffee7fffb1ffff97fffd9f"
    "fffcdffff9fffffbffffdafffeeffff4ffffb7fffee7fffe8ffffd3fffdeffffd5fffeeffffbdffffe1fffdfffff7fff"
    "ff5ffffecffff07fff87fffe0ffff17fffedffff87ffff77fffeffffeaffff8bfffe3ffff93ffff87fffcbffff37ffff"
    "1fffff83ffffe1fffebfffe3ffff3fffff2ffffa3ffffd9fffff17ffffc7fffff27ffffdefffffbffffff2fffff8ffff"
    "fb7fff97fff8fffffe6fffffc1fffff87ffffe7fffffc5ffffe5fffe4ffff2fffffd1fffff4ffffffefffffe3fffffc9"
    "fffff97fffb3ffffcffffb7fffcdffff4ffff9ffffd1ffffcffffeaffffafffffddffffeffffff4fffff5fffffabffff"
    "a7ffffd7fffff9bffffecfffffb7fffff3fffffe8fffffd3fffffabfffff5fffffff7ffffecfffffdbfffffbbfffff7f"
    "fffff0fffffbbf");
  std::string out(huffman_decoded_bound(coded.size()), '\0');
  const std::size_t decoded = huffman_decode(coded, out.data());
  ASSERT_NE(decoded, huffman_failed);
  out.resize(decoded);
  ASSERT_EQ(out.size(), 256u);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(static_cast<unsigned char>(out[static_cast<std::size_t>(i)]), i);
}

TEST(HpackDecoder, RefusesMalformedBlocks) {
  const auto refused = [](const std::string& block, std::size_t limit = 4096) {
    hpack_decoder decoder;
    decoder.set_table_limit(limit);
    return !decode(decoder, block).has_value();
  };
  EXPECT_TRUE(refused(from_hex("80")));                  // index 0
  EXPECT_TRUE(refused(from_hex("be")));                  // index 62: the dynamic table is empty
  EXPECT_TRUE(refused(from_hex("3fe21f")));              // size update to 4097 > the limit
  EXPECT_TRUE(refused(from_hex("8220")));                // size update after a field
  EXPECT_TRUE(refused(from_hex("0001") + "a" + from_hex("84ffffffff")));  // value holds EOS (30 ones)
  EXPECT_TRUE(refused(from_hex("0001") + "a" + from_hex("81fe")));         // 8 bits left over: too much padding
  EXPECT_TRUE(refused(from_hex("0001") + "a" + from_hex("8100")));         // "0", then padding that is not all ones
  EXPECT_TRUE(refused(from_hex("000a") + "abc"));         // a name longer than the block
  EXPECT_TRUE(refused(from_hex("ff80808080808080808001")));  // an index far too large
  EXPECT_TRUE(refused(from_hex("ff")));                  // an integer cut short
  EXPECT_TRUE(refused(from_hex("82"), 0));               // limit lowered: the block must start with an update
  EXPECT_FALSE(refused(from_hex("2082"), 0));            // ...which it may
  EXPECT_FALSE(refused(from_hex("0001") + "a" + from_hex("8107")));  // "0" (00000) + 111 padding
  EXPECT_FALSE(refused(""));                             // an empty block
}

}  // namespace
}  // namespace ferry
