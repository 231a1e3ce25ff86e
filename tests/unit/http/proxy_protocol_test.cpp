// The PROXY protocol header parser: real v1 lines and v2 headers built byte by byte, every split
// point of valid headers (need_more until the last byte, never a different verdict), and
// hostile input (truncation, wrong signatures, lengths beyond the cap, family mismatches, bad
// ports, bare LF, NULs).
#include "http/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>

namespace ferry {
namespace {

using status = proxy_header_status;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int v : values) out.push_back(static_cast<char>(v));
  return out;
}

const std::string signature = bytes({0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a});

void append_u16(std::string& out, unsigned value) {
  out.push_back(static_cast<char>((value >> 8) & 0xff));
  out.push_back(static_cast<char>(value & 0xff));
}

// A v2 header: signature, version/command, family/protocol, length of `block`, `block`.
std::string v2(int version_command, int family_protocol, const std::string& block) {
  std::string out = signature;
  out.push_back(static_cast<char>(version_command));
  out.push_back(static_cast<char>(family_protocol));
  append_u16(out, static_cast<unsigned>(block.size()));
  return out + block;
}

// 192.0.2.1:56324 -> 198.51.100.7:443
std::string ipv4_block() {
  std::string block = bytes({192, 0, 2, 1, 198, 51, 100, 7});
  append_u16(block, 56324);
  append_u16(block, 443);
  return block;
}

// 2001:db8::1:1234 -> 2001:db8::2:443
std::string ipv6_block() {
  std::string block = bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  block += bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  append_u16(block, 1234);
  append_u16(block, 443);
  return block;
}

std::string tlv(int type, const std::string& value) {
  std::string out(1, static_cast<char>(type));
  append_u16(out, static_cast<unsigned>(value.size()));
  return out + value;
}

// Every strict prefix must ask for more and bound the header at least at its real length; the
// whole must parse. Returns the whole's verdict.
proxy_header parse_every_split(const std::string& header) {
  for (std::size_t n = 0; n < header.size(); ++n) {
    const auto partial = parse_proxy_header(std::string_view(header).substr(0, n));
    EXPECT_EQ(partial.status, status::need_more) << "prefix " << n << ": " << partial.error;
    EXPECT_GT(partial.length_bound, n);
    EXPECT_GE(partial.length_bound, header.size());
    EXPECT_LE(partial.length_bound, proxy_header_max_length);
  }
  const auto whole = parse_proxy_header(header);
  EXPECT_EQ(whole.status, status::parsed) << whole.error;
  EXPECT_EQ(whole.consumed, header.size());
  return whole;
}

// A header that is invalid once whole must never be called parsed on a prefix, and once a
// prefix is invalid every longer input is invalid too.
void expect_invalid_at_every_length(const std::string& input) {
  bool invalid_seen = false;
  for (std::size_t n = 0; n <= input.size(); ++n) {
    const auto r = parse_proxy_header(std::string_view(input).substr(0, n));
    EXPECT_NE(r.status, status::parsed) << "prefix " << n;
    if (invalid_seen) {
      EXPECT_EQ(r.status, status::invalid) << "prefix " << n;
    }
    invalid_seen = invalid_seen || r.status == status::invalid;
  }
  EXPECT_TRUE(invalid_seen);
}

proxy_header parse(std::string_view text) { return parse_proxy_header(text); }

// --- Version 1 ----------------------------------------------------------------------------

TEST(proxy_v1, tcp4_line_from_the_spec) {
  const std::string line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
  const auto r = parse_every_split(line);
  EXPECT_EQ(r.version, 1);
  ASSERT_TRUE(r.has_address);
  EXPECT_EQ(r.source.address(), "192.168.0.1");
  EXPECT_EQ(r.source.port, 56324);
  EXPECT_EQ(r.destination.address(), "192.168.0.11");
  EXPECT_EQ(r.destination.port, 443);
}

TEST(proxy_v1, application_bytes_after_the_line_are_not_consumed) {
  const std::string line = "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n";
  const auto r = parse(line + "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(r.status, status::parsed);
  EXPECT_EQ(r.consumed, line.size());
  EXPECT_EQ(r.source.port, 1);
  EXPECT_EQ(r.destination.port, 2);
}

TEST(proxy_v1, tcp6_is_canonicalized) {
  const auto r = parse_every_split("PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 65535 0\r\n");
  ASSERT_TRUE(r.has_address);
  EXPECT_EQ(r.source.address(), "2001:db8::1");
  EXPECT_EQ(r.destination.address(), "::1");
  EXPECT_EQ(r.source.port, 65535);
  EXPECT_EQ(r.destination.port, 0);
}

TEST(proxy_v1, longest_lines_fit_in_107_bytes) {
  const std::string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string tcp6 = "PROXY TCP6 " + full + " " + full + " 65535 65535\r\n";
  EXPECT_EQ(tcp6.size(), 104u);
  EXPECT_EQ(parse_every_split(tcp6).source.address(), full);
  const std::string unknown = "PROXY UNKNOWN " + full + " " + full + " 65535 65535\r\n";
  EXPECT_EQ(unknown.size(), proxy_v1_max_length);
  EXPECT_FALSE(parse_every_split(unknown).has_address);
}

TEST(proxy_v1, unknown_has_no_address) {
  const auto short_form = parse_every_split("PROXY UNKNOWN\r\n");
  EXPECT_EQ(short_form.consumed, 15u);
  EXPECT_FALSE(short_form.has_address);
  EXPECT_TRUE(short_form.source.address().empty());
  EXPECT_FALSE(parse_every_split("PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n").has_address);
  EXPECT_FALSE(parse_every_split("PROXY UNKNOWN whatever it says\r\n").has_address);
}

TEST(proxy_v1, no_crlf_within_107_bytes) {
  const std::string line = "PROXY UNKNOWN " + std::string(proxy_v1_max_length - 14, 'x');
  EXPECT_EQ(parse(line.substr(0, proxy_v1_max_length - 1)).status, status::need_more);
  const auto r = parse(line);
  EXPECT_EQ(r.status, status::invalid);
  EXPECT_FALSE(r.error.empty());
  // A CRLF at bytes 107 and 108 is one byte too late.
  EXPECT_EQ(parse("PROXY UNKNOWN " + std::string(92, 'x') + "\r\n").status, status::invalid);
  EXPECT_EQ(parse("PROXY UNKNOWN " + std::string(91, 'x') + "\r\n").status, status::parsed);
}

TEST(proxy_v1, line_must_end_with_crlf) {
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX\r\n");
  expect_invalid_at_every_length("PROXY UNKNOWN\n");
  // Lines that would be valid if the byte before the LF were taken as the CR.
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1 22\n");
  expect_invalid_at_every_length("PROXY UNKNOWN xx\n");
  expect_invalid_at_every_length("PROXY UNKNOWN\r\r\n");
  // A lone CR as the last byte so far may still be followed by its LF.
  EXPECT_EQ(parse("PROXY UNKNOWN\r").status, status::need_more);
}

TEST(proxy_v1, spaces_must_be_single) {
  expect_invalid_at_every_length("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n");
  expect_invalid_at_every_length(" PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY\tTCP4 1.2.3.4 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY UNKNOWNX\r\n");
}

TEST(proxy_v1, field_count) {
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n");
  expect_invalid_at_every_length("PROXY TCP4\r\n");
  expect_invalid_at_every_length("PROXY TCP4 \r\n");
  expect_invalid_at_every_length("PROXY \r\n");
  expect_invalid_at_every_length("PROXY\r\n");
}

TEST(proxy_v1, address_must_match_the_family) {
  expect_invalid_at_every_length("PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 ::1 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP6 1.2.3.4 ::1 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP6 ::1 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 localhost 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP6 [::1] ::1 1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n");
  // 0.0.0.0 and 0 are leading-zero-free spellings.
  EXPECT_EQ(parse("PROXY TCP4 0.0.0.0 10.0.0.10 0 80\r\n").source.address(), "0.0.0.0");
}

TEST(proxy_v1, ports_are_decimal_0_to_65535) {
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1 0x10\r\n");
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 99999999999999999999 2\r\n");
}

TEST(proxy_v1, nul_and_control_bytes) {
  using namespace std::string_literals;
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n"s);
  expect_invalid_at_every_length("PROXY TCP4 1.2.3.4 5.6.7.8 1\0 2\r\n"s);
  expect_invalid_at_every_length("PROXY UNKNOWN \0\r\n"s);
  expect_invalid_at_every_length("PROXY UNKNOWN \x7f\r\n");
  expect_invalid_at_every_length("PROXY UNKNOWN \xc3\xa9\r\n");
  expect_invalid_at_every_length("PROXY\0"s);
}

TEST(proxy_v1, wrong_start) {
  expect_invalid_at_every_length("GET / HTTP/1.1\r\n\r\n");
  expect_invalid_at_every_length("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
  expect_invalid_at_every_length("PROXZ");
  // The first byte that cannot start either version is enough.
  EXPECT_EQ(parse("G").status, status::invalid);
  EXPECT_EQ(parse("PRO").status, status::need_more);
  EXPECT_EQ(parse("PROXY T").status, status::need_more);
  EXPECT_EQ(parse("PROXY X").status, status::invalid);
  EXPECT_EQ(parse("PROXY TCP4 1").status, status::need_more);
}

TEST(proxy_header, empty_input_needs_more) {
  const auto r = parse("");
  EXPECT_EQ(r.status, status::need_more);
  EXPECT_EQ(r.version, 0);
  EXPECT_EQ(r.length_bound, proxy_header_max_length);
}

// --- Version 2 ----------------------------------------------------------------------------

TEST(proxy_v2, tcp_over_ipv4) {
  const std::string header = v2(0x21, 0x11, ipv4_block());
  EXPECT_EQ(header.size(), 28u);
  const auto r = parse_every_split(header);
  EXPECT_EQ(r.version, 2);
  ASSERT_TRUE(r.has_address);
  EXPECT_EQ(r.source.address(), "192.0.2.1");
  EXPECT_EQ(r.source.port, 56324);
  EXPECT_EQ(r.destination.address(), "198.51.100.7");
  EXPECT_EQ(r.destination.port, 443);
}

TEST(proxy_v2, tcp_over_ipv6) {
  const auto r = parse_every_split(v2(0x21, 0x21, ipv6_block()));
  ASSERT_TRUE(r.has_address);
  EXPECT_EQ(r.consumed, 52u);
  EXPECT_EQ(r.source.address(), "2001:db8::1");
  EXPECT_EQ(r.source.port, 1234);
  EXPECT_EQ(r.destination.address(), "2001:db8::2");
}

TEST(proxy_v2, bound_is_exact_once_the_length_is_known) {
  const std::string header = v2(0x21, 0x11, ipv4_block());
  EXPECT_EQ(parse(header.substr(0, 15)).length_bound, proxy_v2_max_length);
  EXPECT_EQ(parse(header.substr(0, 16)).length_bound, header.size());
}

TEST(proxy_v2, application_bytes_after_the_header_are_not_consumed) {
  const std::string header = v2(0x21, 0x11, ipv4_block());
  const auto r = parse(header + "GET / HTTP/1.1\r\n\r\n" + std::string(1000, 'x'));
  ASSERT_EQ(r.status, status::parsed);
  EXPECT_EQ(r.consumed, header.size());
}

TEST(proxy_v2, tlvs_are_skipped) {
  // AWS's VPC endpoint id, an ALPN and a NOOP of zero length.
  const std::string block = ipv4_block() + tlv(0xea, "\x01vpce-0123456789abcdef") + tlv(0x01, "h2") + tlv(0x04, "");
  const auto r = parse_every_split(v2(0x21, 0x11, block));
  EXPECT_TRUE(r.has_address);
  EXPECT_EQ(r.source.address(), "192.0.2.1");
}

TEST(proxy_v2, tlvs_must_fill_the_block) {
  EXPECT_EQ(parse(v2(0x21, 0x11, ipv4_block() + bytes({0x01}))).status, status::invalid);
  EXPECT_EQ(parse(v2(0x21, 0x11, ipv4_block() + bytes({0x01, 0x00}))).status, status::invalid);
  // A TLV announcing more bytes than the block has left.
  EXPECT_EQ(parse(v2(0x21, 0x11, ipv4_block() + bytes({0x01, 0x00, 0x05, 'a', 'b'}))).status, status::invalid);
  EXPECT_EQ(parse(v2(0x21, 0x11, ipv4_block() + bytes({0x01, 0xff, 0xff}))).status, status::invalid);
}

TEST(proxy_v2, local_is_a_health_check_without_address) {
  const auto empty = parse_every_split(v2(0x20, 0x00, ""));
  EXPECT_EQ(empty.consumed, 16u);
  EXPECT_FALSE(empty.has_address);
  // LOCAL must skip whatever block it carries, and ignore its family.
  const auto with_block = parse_every_split(v2(0x20, 0x11, ipv4_block()));
  EXPECT_FALSE(with_block.has_address);
  EXPECT_EQ(with_block.consumed, 28u);
  EXPECT_FALSE(parse_every_split(v2(0x20, 0x21, "xyz")).has_address);
}

TEST(proxy_v2, unspec_udp_and_unix_fall_back_to_the_connection) {
  EXPECT_FALSE(parse_every_split(v2(0x21, 0x00, "")).has_address);
  EXPECT_FALSE(parse_every_split(v2(0x21, 0x00, "anything")).has_address);
  EXPECT_FALSE(parse_every_split(v2(0x21, 0x12, ipv4_block())).has_address);
  EXPECT_FALSE(parse_every_split(v2(0x21, 0x22, ipv6_block())).has_address);
  EXPECT_FALSE(parse_every_split(v2(0x21, 0x31, std::string(216, '\0'))).has_address);
}

TEST(proxy_v2, wrong_signature) {
  for (std::size_t i = 0; i < signature.size(); ++i) {
    std::string header = v2(0x21, 0x11, ipv4_block());
    header[i] = static_cast<char>(header[i] ^ 0x20);
    const auto r = parse(header);
    EXPECT_EQ(r.status, status::invalid) << "byte " << i;
    // Rejected as soon as the wrong byte is in.
    EXPECT_EQ(parse(header.substr(0, i + 1)).status, status::invalid) << "byte " << i;
  }
  EXPECT_EQ(parse(std::string(16, '\r')).status, status::invalid);
}

TEST(proxy_v2, version_and_command) {
  EXPECT_EQ(parse(v2(0x11, 0x11, ipv4_block())).status, status::invalid);  // version 1 in binary
  EXPECT_EQ(parse(v2(0x31, 0x11, ipv4_block())).status, status::invalid);
  EXPECT_EQ(parse(v2(0x22, 0x11, ipv4_block())).status, status::invalid);  // command 2
  EXPECT_EQ(parse(v2(0x2f, 0x11, ipv4_block())).status, status::invalid);
  // Rejected with 13 bytes, before the length arrives.
  EXPECT_EQ(parse(v2(0x22, 0x11, "").substr(0, 13)).status, status::invalid);
}

TEST(proxy_v2, family_and_protocol) {
  EXPECT_EQ(parse(v2(0x21, 0x41, ipv4_block())).status, status::invalid);
  EXPECT_EQ(parse(v2(0x21, 0x13, ipv4_block())).status, status::invalid);
  EXPECT_EQ(parse(v2(0x20, 0xff, "")).status, status::invalid);
  EXPECT_EQ(parse(v2(0x21, 0x41, "").substr(0, 14)).status, status::invalid);
}

TEST(proxy_v2, length_must_hold_the_addresses) {
  EXPECT_EQ(parse(v2(0x21, 0x11, ipv4_block().substr(0, 11))).status, status::invalid);
  EXPECT_EQ(parse(v2(0x21, 0x21, ipv4_block())).status, status::invalid);  // IPv6 in 12 bytes
  EXPECT_EQ(parse(v2(0x21, 0x31, std::string(215, '\0'))).status, status::invalid);
  EXPECT_EQ(parse(v2(0x21, 0x11, "")).status, status::invalid);
  // Refused from the 16 fixed bytes, without waiting for the block.
  EXPECT_EQ(parse(v2(0x21, 0x21, ipv4_block()).substr(0, 16)).status, status::invalid);
}

TEST(proxy_v2, length_beyond_the_cap) {
  const std::size_t largest = proxy_v2_max_length - 16;
  const auto at_cap = parse(v2(0x21, 0x11, ipv4_block() + tlv(0x04, std::string(largest - 12 - 3, 'x'))));
  EXPECT_EQ(at_cap.status, status::parsed);
  EXPECT_EQ(at_cap.consumed, proxy_v2_max_length);
  const std::string over = v2(0x21, 0x11, ipv4_block() + tlv(0x04, std::string(largest - 12 - 2, 'x')));
  EXPECT_EQ(parse(over).status, status::invalid);
  // The length field alone decides: no need to buffer 64 KiB to refuse it.
  std::string huge = signature + bytes({0x21, 0x11, 0xff, 0xff});
  EXPECT_EQ(parse(huge).status, status::invalid);
  EXPECT_EQ(parse(v2(0x20, 0x00, std::string(largest + 1, 'x')).substr(0, 16)).status, status::invalid);
}

TEST(proxy_v2, truncated_headers_need_more) {
  const std::string header = v2(0x21, 0x21, ipv6_block() + tlv(0x02, "example.com"));
  for (std::size_t n = 0; n < header.size(); ++n) {
    EXPECT_EQ(parse(header.substr(0, n)).status, status::need_more) << n;
  }
}

TEST(proxy_v2, all_zero_and_all_ones_addresses) {
  std::string block(8, '\0');
  append_u16(block, 0);
  append_u16(block, 0);
  auto r = parse(v2(0x21, 0x11, block));
  ASSERT_TRUE(r.has_address);
  EXPECT_EQ(r.source.address(), "0.0.0.0");
  EXPECT_EQ(r.source.port, 0);
  block = std::string(36, '\xff');
  r = parse(v2(0x21, 0x21, block));
  ASSERT_TRUE(r.has_address);
  EXPECT_EQ(r.source.address(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(r.source.port, 65535);
}

TEST(proxy_v2, mapped_ipv4_in_ipv6_is_spelled_as_such) {
  std::string block = bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 9});
  block += std::string(16, '\0');
  append_u16(block, 1);
  append_u16(block, 2);
  const auto r = parse(v2(0x21, 0x21, block));
  ASSERT_TRUE(r.has_address);
  EXPECT_EQ(r.source.address(), "::ffff:192.0.2.9");
}

}  // namespace
}  // namespace ferry
