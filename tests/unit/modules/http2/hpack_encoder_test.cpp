// The response encoder, checked by decoding what it writes with nghttp2's HPACK decoder (a
// decoder that shares no code with it), head after head on one connection.
#include "modules/http2/hpack_encoder.hpp"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace ferry {
namespace {

struct decoded_field {
  std::string name, value;
  bool never_indexed;
  bool operator==(const decoded_field&) const = default;
};

class peer_decoder {
 public:
  peer_decoder() { nghttp2_hd_inflate_new(&inflater_); }
  ~peer_decoder() { nghttp2_hd_inflate_del(inflater_); }
  peer_decoder(const peer_decoder&) = delete;
  peer_decoder& operator=(const peer_decoder&) = delete;

  std::vector<decoded_field> decode(const std::string& block) {
    std::vector<decoded_field> out;
    const auto* in = reinterpret_cast<const std::uint8_t*>(block.data());
    std::size_t left = block.size();
    for (;;) {
      nghttp2_nv nv{};
      int flags = 0;
      const ssize_t used = nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, in, left, 1);
      EXPECT_GE(used, 0) << "not valid HPACK";
      if (used < 0) return out;
      in += used;
      left -= static_cast<std::size_t>(used);
      if ((flags & NGHTTP2_HD_INFLATE_EMIT) != 0) {
        out.push_back({std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                       std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen),
                       (nv.flags & NGHTTP2_NV_FLAG_NO_INDEX) != 0});
      }
      if ((flags & NGHTTP2_HD_INFLATE_FINAL) != 0) {
        nghttp2_hd_inflate_end_headers(inflater_);
        return out;
      }
    }
  }
  std::size_t table_size() const { return nghttp2_hd_inflate_get_dynamic_table_size(inflater_); }
  // Whether an entry of the dynamic table has that name.
  bool holds_name(std::string_view name) const {
    const std::size_t total = nghttp2_hd_inflate_get_num_table_entries(inflater_);
    for (std::size_t index = 62; index <= total; ++index) {
      const nghttp2_nv* nv = nghttp2_hd_inflate_get_table_entry(inflater_, index);
      if (nv != nullptr && std::string_view(reinterpret_cast<const char*>(nv->name), nv->namelen) == name) return true;
    }
    return false;
  }
  void limit(std::size_t size) { nghttp2_hd_inflate_change_table_size(inflater_, size); }

 private:
  nghttp2_hd_inflater* inflater_ = nullptr;
};

using field_list = std::vector<std::pair<std::string_view, std::string_view>>;

std::string encode(hpack_encoder& encoder, int status, const field_list& fields,
                   std::optional<std::uint64_t> length = std::nullopt, std::vector<std::string_view> never = {}) {
  output_buffer out;
  encoder.encode({status, fields, length, never}, out);
  return std::string(out.view());
}

TEST(HpackEncoder, StatusFieldsAndContentLengthDecodeAsGiven) {
  hpack_encoder encoder;
  peer_decoder peer;
  const field_list fields{{"Date", "Tue, 01 Dec 2026 00:00:00 GMT"}, {"Connection", "close"}, {"X-Request-Id", "abc"},
                          {"Content-Length", "99"},                  {"X-Bad", " padded"},    {"ETag", "\"1\""},
                          {"TE", "trailers"},                        {":path", "/"},          {"Bad Name", "1"}};
  // Three times: the first head is encoded without memory, the second builds it and the third
  // (another status) comes from it. The never-indexed name enters the table with its first
  // value (see NeverIndexedNamesEnterTheTableOnceAndAreThenNamedByIndex).
  for (const int status : {404, 404, 200}) {
    const bool first = encoder.table_entries() == 0;
    const auto got = peer.decode(encode(encoder, status, fields, 12345, {"x-REQUEST-id"}));
    const std::vector<decoded_field> expected{{":status", std::to_string(status), false},
                                              {"date", "Tue, 01 Dec 2026 00:00:00 GMT", false},
                                              {"x-request-id", "abc", !first},
                                              {"etag", "\"1\"", false},
                                              {"content-length", "12345", false}};
    EXPECT_EQ(got, expected) << status;
  }
  // A status outside 200..999 becomes 500; without a length none is sent, a field's own is.
  const auto got = peer.decode(encode(encoder, 99, {{"content-length", "7"}}));
  EXPECT_EQ(got, (std::vector<decoded_field>{{":status", "500", false}, {"content-length", "7", false}}));
}

TEST(HpackEncoder, RepeatedFieldsBecomeOneByteIndexes) {
  hpack_encoder encoder;
  peer_decoder peer;
  const field_list fields{{"content-type", "text/html"}, {"server", "ferry"}, {"x-custom", "same every time"}};
  const std::string first = encode(encoder, 200, fields, 10);
  const std::string second = encode(encoder, 200, fields, 10);
  EXPECT_GT(first.size(), 30u);
  EXPECT_EQ(second.size(), 5u);  // :status 200 and four dynamic table indexes
  peer.decode(first);
  EXPECT_EQ(peer.decode(second).size(), 5u);
  EXPECT_EQ(peer.table_size(), encoder.table_size());
}

// A new Date every second must not fill the table: it goes out as a literal without indexing
// (the static table's name), the same bytes while it lasts.
TEST(HpackEncoder, DateStaysOutOfTheDynamicTable) {
  hpack_encoder encoder;
  peer_decoder peer;
  const std::string_view dates[] = {"Fri, 27 Nov 2026 09:00:00 GMT", "Fri, 27 Nov 2026 09:00:01 GMT"};
  std::size_t entries = 0;
  for (int round = 0; round < 6; ++round) {
    const std::string_view date = dates[round / 3];
    const std::string block = encode(encoder, 200, {{"server", "ferry"}, {"Date", date}});
    const auto got = peer.decode(block);
    ASSERT_EQ(got, (std::vector<decoded_field>{{":status", "200", false}, {"server", "ferry", false}, {"date", std::string(date), false}}));
    if (round == 0) entries = encoder.table_entries();
    EXPECT_EQ(encoder.table_entries(), entries) << "round " << round;
    // :status, server (an index from the second round on), then 0x0f 0x12 (date, §6.2.2) and the literal.
    EXPECT_NE(block.find(std::string("\x0f\x12\x1d") + std::string(date)), std::string::npos) << "round " << round;
  }
  EXPECT_EQ(entries, 1u);  // server only
  EXPECT_EQ(peer.table_size(), encoder.table_size());
}

// Forgetting the remembered heads (an idle connection) gives their memory back and keeps the
// table: the next head is again all indexes, and the peer's table still agrees.
TEST(HpackEncoder, ForgottenHeadsComeBackFromTheTable) {
  hpack_encoder encoder;
  peer_decoder peer;
  const field_list fields{{"content-type", "text/html; charset=utf-8"}, {"last-modified", "Fri, 27 Nov 2026 09:00:00 GMT"},
                          {"x-request-id", "0123456789abcdef0123"}};
  const std::vector<std::string_view> never{"x-request-id"};
  peer.decode(encode(encoder, 200, fields, 10, never));
  const auto expected = peer.decode(encode(encoder, 200, fields, 10, never));
  EXPECT_GT(encoder.heads_memory(), 100u);
  const std::size_t entries = encoder.table_entries();
  encoder.forget_heads();
  EXPECT_EQ(encoder.heads_memory(), 0u);
  EXPECT_EQ(encoder.table_entries(), entries);
  const std::string block = encode(encoder, 200, fields, 10, never);
  EXPECT_EQ(peer.decode(block), expected);
  // :status, two indexes, the never-indexed literal (2 bytes for its name's index, 1 + 20 value), content-length.
  EXPECT_EQ(block.size(), 1u + 2u + 23u + 1u);
  EXPECT_EQ(peer.table_size(), encoder.table_size());
}

// Forgetting the table (an idle connection) gives its memory back; the next block empties the
// peer's table too (a size update to 0, then back to 4096) and fills both again, after which the
// head is all indexes once more.
TEST(HpackEncoder, AForgottenTableIsEmptiedOnThePeerToo) {
  hpack_encoder encoder;
  peer_decoder peer;
  const field_list fields{{"content-type", "text/html; charset=utf-8"}, {"etag", "\"a-long-validator-0123456789\""},
                          {"x-custom", "same every time"}, {"x-request-id", "0123456789abcdef0123"}};
  const std::vector<std::string_view> never{"x-request-id"};
  peer.decode(encode(encoder, 200, fields, 10, never));
  const auto expected = peer.decode(encode(encoder, 200, fields, 10, never));
  ASSERT_EQ(encoder.table_entries(), 5u);  // three fields, the first request id and content-length
  encoder.forget_heads();
  encoder.forget_table();
  EXPECT_EQ(encoder.table_entries(), 0u);
  EXPECT_EQ(encoder.table_memory(), 0u);
  const std::string block = encode(encoder, 200, fields, 10, never);
  EXPECT_EQ(block.substr(0, 4), std::string("\x20\x3f\xe1\x1f"));  // §6.3: size 0, then 4096
  auto refilled = expected;
  refilled[4].never_indexed = false;  // the request id's name enters the emptied table again
  EXPECT_EQ(peer.decode(block), refilled);
  EXPECT_EQ(encoder.table_entries(), 5u);
  EXPECT_EQ(peer.table_size(), encoder.table_size());
  const std::string again = encode(encoder, 200, fields, 10, never);
  EXPECT_EQ(peer.decode(again), expected);
  // :status, three indexes, the never-indexed literal (2 bytes for its name's index, 1 + 20 value), content-length.
  EXPECT_EQ(again.size(), 1u + 3u + 23u + 1u);
  // Forgetting an empty table announces nothing.
  hpack_encoder fresh;
  fresh.forget_table();
  EXPECT_EQ(encode(fresh, 200, {}).size(), 1u);
}

// The first head (after the start or after forget_heads) builds no memory: a connection that
// serves one response never pays for it. One scratch state serves all its fields, so fields of
// the same name in a row (equal or not, indexed or not) must still come out as given.
TEST(HpackEncoder, TheFirstHeadIsEncodedWithoutMemory) {
  hpack_encoder encoder;
  peer_decoder peer;
  const field_list fields{{"vary", "Accept-Encoding"},  {"Vary", "Accept-Encoding"}, {"vary", "Origin"},
                          {"date", "Fri, 27 Nov 2026 09:00:00 GMT"}, {"Date", "Fri, 27 Nov 2026 09:00:00 GMT"},
                          {"x-id", "a"},              {"x-id", "b"},                  {"etag", "\"a-long-validator-0123456789\""}};
  const std::vector<std::string_view> never{"x-id"};
  const std::vector<decoded_field> expected{{":status", "200", false},
                                            {"vary", "Accept-Encoding", false},
                                            {"vary", "Accept-Encoding", false},
                                            {"vary", "Origin", false},
                                            {"date", "Fri, 27 Nov 2026 09:00:00 GMT", false},
                                            {"date", "Fri, 27 Nov 2026 09:00:00 GMT", false},
                                            {"x-id", "a", true},
                                            {"x-id", "b", true},
                                            {"etag", "\"a-long-validator-0123456789\"", false},
                                            {"content-length", "5", false}};
  auto first = expected;
  first[6].never_indexed = false;  // x-id's name enters the table with its first value
  EXPECT_EQ(peer.decode(encode(encoder, 200, fields, 5, never)), first);
  EXPECT_EQ(encoder.heads_memory(), 0u);
  EXPECT_EQ(peer.decode(encode(encoder, 200, fields, 5, never)), expected);
  EXPECT_GT(encoder.heads_memory(), 100u);
  EXPECT_EQ(peer.decode(encode(encoder, 200, fields, 5, never)), expected);
  encoder.forget_heads();
  EXPECT_EQ(peer.decode(encode(encoder, 200, fields, 5, never)), expected);
  EXPECT_EQ(encoder.heads_memory(), 0u);
  EXPECT_EQ(peer.table_size(), encoder.table_size());
}

TEST(HpackEncoder, ChangedValuesAndNamesAtARememberedPositionAreEncodedAnew) {
  hpack_encoder encoder;
  peer_decoder peer;
  for (int round = 0; round < 50; ++round) {
    const std::string value = "v" + std::to_string(round % 7);
    const std::string id = std::to_string(round * 7919);
    field_list fields{{"x-value", value}, {"x-request-id", id}, {"date", round < 25 ? "A" : "B"}};
    if (round % 5 == 0) fields.insert(fields.begin(), {"x-sometimes", "s"});
    if (round % 11 == 0) fields.emplace_back("Bad\x01", "dropped");
    const auto got = peer.decode(encode(encoder, 200, fields, static_cast<std::uint64_t>(round % 3), {"x-request-id"}));
    std::vector<decoded_field> expected{{":status", "200", false}};
    for (const auto& [n, v] : fields) {
      if (n.front() != 'B') expected.push_back({std::string(n), std::string(v), n == "x-request-id" && round > 0});
    }
    expected.push_back({"content-length", std::to_string(round % 3), false});
    ASSERT_EQ(got, expected) << "round " << round;
  }
  EXPECT_EQ(peer.table_size(), encoder.table_size());
}

// Heads on one connection that mostly repeat the last one, field by field, with every way a
// position can differ: another value (good or bad), another name, a never-indexed field, an own
// content-length with and without the head's, a changed never-indexed list.
TEST(HpackEncoder, RandomHeadsDecodeAsGivenMinusWhatHttp2CannotCarry) {
  std::mt19937 random(11);
  const std::array<std::string_view, 6> names{"x-a", "x-b", "x-request-id", "date", "content-length", "Etag"};
  const std::array<std::string_view, 6> values{"1", "two", "three three", "bad\x01", " lead", "4096"};
  hpack_encoder encoder;
  peer_decoder peer;
  field_list fields;
  std::vector<std::string_view> never{"x-request-id"};
  for (int round = 0; round < 2000; ++round) {
    if (fields.empty() || random() % 4 == 0) {
      fields.clear();
      for (std::size_t i = 0, n = 1 + random() % 6; i < n; ++i) {
        fields.emplace_back(names[random() % names.size()], values[random() % values.size()]);
      }
    } else if (random() % 2 == 0) {
      fields[random() % fields.size()].second = values[random() % values.size()];
    }
    if (random() % 50 == 0) {
      const std::array<std::vector<std::string_view>, 3> lists{
          std::vector<std::string_view>{"x-a"}, std::vector<std::string_view>{"x-request-id", "etag"},
          std::vector<std::string_view>{"content-length"}};
      never = lists[random() % lists.size()];
    }
    // The head's length repeats (a new one now and then), sometimes as one of the fields' values.
    const std::array<std::uint64_t, 3> lengths{4096, 7, static_cast<std::uint64_t>(round)};
    const std::optional<std::uint64_t> length =
        random() % 3 != 0 ? std::optional<std::uint64_t>(lengths[random() % lengths.size()]) : std::nullopt;
    std::vector<decoded_field> expected{{":status", "200", false}};
    for (const auto& [n, v] : fields) {
      const bool good = v.find('\x01') == std::string_view::npos && v.front() != ' ';
      if (!good || (n == "content-length" && length)) continue;
      std::string lower(n);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      expected.push_back({lower, std::string(v), std::find(never.begin(), never.end(), lower) != never.end()});
    }
    if (length) {
      const bool never_length = std::find(never.begin(), never.end(), "content-length") != never.end();
      expected.push_back({"content-length", std::to_string(*length), never_length});
    }
    // A never-indexed name that no table held enters ours with its value (see the next test):
    // that one field decodes as indexed, and only for a name the table lacked before the block.
    std::vector<std::string> absent;
    for (const auto& f : expected) {
      if (f.never_indexed && !peer.holds_name(f.name)) absent.push_back(f.name);
    }
    const std::vector<decoded_field> got = peer.decode(encode(encoder, 200, fields, length, never));
    ASSERT_EQ(got.size(), expected.size()) << "round " << round;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const auto was_absent = std::find(absent.begin(), absent.end(), got[i].name);
      if (expected[i].never_indexed && !got[i].never_indexed && was_absent != absent.end()) {
        absent.erase(was_absent);  // once per name
        expected[i].never_indexed = false;
      }
    }
    ASSERT_EQ(got, expected) << "round " << round;
    ASSERT_EQ(peer.table_size(), encoder.table_size()) << "round " << round;
  }
}

TEST(HpackEncoder, NeverIndexedNamesCanChangeBetweenHeads) {
  hpack_encoder encoder;
  peer_decoder peer;
  const field_list fields{{"x-a", "1"}, {"x-b", "2"}};
  EXPECT_EQ(peer.decode(encode(encoder, 200, fields, std::nullopt, {"x-a"}))[1].never_indexed, false);  // enters
  EXPECT_EQ(peer.decode(encode(encoder, 200, fields, std::nullopt, {"x-a"}))[1].never_indexed, true);
  const auto got = peer.decode(encode(encoder, 200, fields, std::nullopt, {"x-b"}));
  EXPECT_FALSE(got[1].never_indexed);
  EXPECT_TRUE(got[2].never_indexed);
  EXPECT_EQ(encoder.table_entries(), 2u);  // x-b from the first head, x-a from the second
}

// A never-indexed name that neither table holds enters ours once, with its first value; every
// later value is a never-indexed literal that names that entry by index. Gone from the table,
// the name enters it again; a table too small for it leaves the name spelled out each time.
TEST(HpackEncoder, NeverIndexedNamesEnterTheTableOnceAndAreThenNamedByIndex) {
  hpack_encoder encoder;
  peer_decoder peer;
  const std::vector<std::string_view> never{"x-request-id", "traceparent"};
  const std::string ids[] = {"0af7651916cd43dd8448eb211c80319c", "1bf7651916cd43dd8448eb211c80319d",
                             "2cf7651916cd43dd8448eb211c80319e", "3df7651916cd43dd8448eb211c80319f"};
  std::vector<std::string> blocks;
  for (int i = 0; i < 4; ++i) {
    const std::string& id = ids[i];
    const std::string block = encode(encoder, 200, {{"Server", "ferry"}, {"X-Request-Id", id}}, std::nullopt, never);
    const auto got = peer.decode(block);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[2], (decoded_field{"x-request-id", id, i > 0})) << i;
    EXPECT_EQ(peer.table_size(), encoder.table_size());
    blocks.push_back(block);
  }
  EXPECT_EQ(encoder.table_entries(), 2u);  // server, and the first id
  // :status, server's index (63: the id came after it), then 0x1f and 62 - 15 for the id's
  // entry (§6.2.3 with a 4-bit prefix), and the value.
  EXPECT_EQ(blocks[1].find("x-request-id"), std::string::npos);
  EXPECT_EQ(blocks[1], std::string("\x88\xbf\x1f\x2f\x20", 5) + ids[1]);
  EXPECT_EQ(blocks[2], std::string("\x88\xbf\x1f\x2f\x20", 5) + ids[2]);

  // Another field enters the table: the indexes move, and the encoder follows.
  auto got = peer.decode(encode(encoder, 200, {{"X-Request-Id", ids[0]}, {"x-new", "1"}}, std::nullopt, never));
  got = peer.decode(encode(encoder, 200, {{"x-new", "1"}, {"X-Request-Id", ids[1]}}, std::nullopt, never));
  EXPECT_EQ(got.back(), (decoded_field{"x-request-id", ids[1], true}));
  EXPECT_EQ(peer.table_size(), encoder.table_size());

  // Emptied (an idle connection's table): the name enters again.
  encoder.forget_table();
  got = peer.decode(encode(encoder, 200, {{"X-Request-Id", ids[2]}}, std::nullopt, never));
  EXPECT_EQ(got.back(), (decoded_field{"x-request-id", ids[2], false}));
  EXPECT_EQ(encoder.table_entries(), 1u);
  EXPECT_EQ(peer.table_size(), encoder.table_size());

  // A peer table too small for the entry: the name is spelled out in every block.
  hpack_encoder small;
  peer_decoder small_peer;
  small.set_peer_table_size(64);
  small_peer.limit(64);
  for (int i = 0; i < 3; ++i) {
    const std::string block = encode(small, 200, {{"X-Request-Id", ids[i]}}, std::nullopt, never);
    EXPECT_NE(block.find("x-request-id"), std::string::npos) << i;
    EXPECT_EQ(small_peer.decode(block).back(), (decoded_field{"x-request-id", ids[i], true}));
  }
  EXPECT_EQ(small.table_entries(), 0u);
}

TEST(HpackEncoder, TheTableStaysWithinItsSizeAndLargeValuesStayOut) {
  hpack_encoder encoder;
  peer_decoder peer;
  for (int i = 0; i < 200; ++i) {
    const std::string value(static_cast<std::size_t>(40 + i % 60), static_cast<char>('a' + i % 26));
    peer.decode(encode(encoder, 200, {{"x-fill", value}}));
    ASSERT_LE(encoder.table_size(), hpack_encoder::max_table_size);
    ASSERT_EQ(peer.table_size(), encoder.table_size());
  }
  const std::string huge(4000, 'h');
  const auto got = peer.decode(encode(encoder, 200, {{"x-huge", huge}}));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].value, huge);
  EXPECT_FALSE(got[1].never_indexed);
  // Sent without indexing: both tables kept what they had, so indexes still agree.
  EXPECT_EQ(peer.table_size(), encoder.table_size());
  EXPECT_GT(encoder.table_entries(), 0u);
  const std::string last(static_cast<std::size_t>(40 + 199 % 60), static_cast<char>('a' + 199 % 26));
  const std::string again = encode(encoder, 200, {{"x-fill", last}});
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(peer.decode(again)[1].value, last);
}

TEST(HpackEncoder, APeerTableSizeIsAnnouncedAndKept) {
  hpack_encoder encoder;
  peer_decoder peer;
  const field_list fields{{"x-a", "1"}, {"x-b", "2"}};
  peer.decode(encode(encoder, 200, fields));
  encoder.set_peer_table_size(0);
  peer.limit(0);  // what SETTINGS_HEADER_TABLE_SIZE 0 does to the peer's decoder
  const auto got = peer.decode(encode(encoder, 200, fields));
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(encoder.table_size(), 0u);
  EXPECT_EQ(peer.table_size(), 0u);
  // Larger than ours: the table grows back to 4096 at most.
  encoder.set_peer_table_size(1 << 20);
  peer.limit(1 << 20);
  EXPECT_EQ(peer.decode(encode(encoder, 200, fields)).size(), 3u);
  EXPECT_EQ(encoder.table_entries(), 2u);
  EXPECT_EQ(peer.decode(encode(encoder, 200, fields)).size(), 3u);
  EXPECT_EQ(peer.table_size(), encoder.table_size());
}

TEST(HpackEncoder, LongNamesAndValuesUseMultiByteLengths) {
  hpack_encoder encoder;
  peer_decoder peer;
  const std::string name(300, 'n');
  const std::string value(20000, 'v');
  const auto got = peer.decode(encode(encoder, 200, {{name, value}, {name, "short"}}));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].name, name);
  EXPECT_EQ(got[1].value.size(), value.size());
  EXPECT_EQ(got[2].value, "short");
}

}  // namespace
}  // namespace ferry
