// The client address behind trusted proxies: spoofing attempts through X-Forwarded-For and
// Forwarded, the right-to-left walk over several fields, malformed and obfuscated elements,
// canonical spellings and the bound on how much of a hostile header is examined.
#include "policy/forwarded_client.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/request.hpp"

namespace ferry {
namespace {

using source = forwarded_source;

// Load balancers in 10.0.0.0/8 and fd00::/8, a CDN edge at 203.0.113.0/24.
cidr_list proxies() {
  cidr_list list;
  for (const char* network : {"10.0.0.0/8", "fd00::/8", "203.0.113.0/24"}) {
    EXPECT_EQ(list.add(network), "");
  }
  return list;
}

constexpr std::string_view proxy = "10.0.0.1";
constexpr std::string_view stranger = "198.51.100.9";

forwarded_client xff(std::string_view peer, std::vector<std::string_view> fields) {
  return resolve_forwarded_client(peer, proxies(), forwarded_header::x_forwarded_for, fields);
}

forwarded_client fwd(std::string_view peer, std::vector<std::string_view> fields) {
  return resolve_forwarded_client(peer, proxies(), forwarded_header::forwarded, fields);
}

// --- Who is believed ------------------------------------------------------------------------

TEST(forwarded_client, untrusted_peer_is_the_client_whatever_it_sends) {
  for (const auto kind : {forwarded_header::x_forwarded_for, forwarded_header::forwarded}) {
    const auto r = resolve_forwarded_client(stranger, proxies(), kind,
                                            std::vector<std::string_view>{"1.2.3.4", "for=1.2.3.4"});
    EXPECT_EQ(r.address, stranger);
    EXPECT_EQ(r.source, source::untrusted_peer);
  }
  // Even a header naming a trusted proxy or itself changes nothing.
  EXPECT_EQ(xff(stranger, {"10.0.0.5"}).address, stranger);
  EXPECT_EQ(xff(stranger, {"garbage"}).source, source::untrusted_peer);
}

TEST(forwarded_client, empty_trusted_list_trusts_nobody) {
  const std::vector<std::string_view> fields = {"1.2.3.4"};
  const auto r = resolve_forwarded_client(proxy, cidr_list(), forwarded_header::x_forwarded_for, fields);
  EXPECT_EQ(r.address, proxy);
  EXPECT_EQ(r.source, source::untrusted_peer);
}

TEST(forwarded_client, peer_text_is_returned_as_given_when_untrusted) {
  EXPECT_EQ(xff("fe80::1%eth0", {"1.2.3.4"}).address, "fe80::1%eth0");
  EXPECT_EQ(xff("not an address", {"1.2.3.4"}).address, "not an address");
}

TEST(forwarded_client, trusted_peer_without_header_is_the_client) {
  const auto r = xff(proxy, {});
  EXPECT_EQ(r.address, proxy);
  EXPECT_EQ(r.source, source::no_header);
  EXPECT_EQ(xff(proxy, {""}).source, source::no_header);
  EXPECT_EQ(xff(proxy, {" , ,\t"}).source, source::no_header);
  EXPECT_EQ(fwd(proxy, {""}).source, source::no_header);
}

// --- X-Forwarded-For -----------------------------------------------------------------------

TEST(forwarded_client, xff_single_hop) {
  const auto r = xff(proxy, {"192.0.2.60"});
  EXPECT_EQ(r.address, "192.0.2.60");
  EXPECT_EQ(r.source, source::untrusted_hop);
}

TEST(forwarded_client, xff_spoofed_left_part_is_ignored) {
  // The client sent "X-Forwarded-For: 6.6.6.6"; the balancer appended what it saw.
  const auto r = xff(proxy, {"6.6.6.6, 192.0.2.60"});
  EXPECT_EQ(r.address, "192.0.2.60");
  EXPECT_EQ(r.source, source::untrusted_hop);
  // A client claiming to be a trusted proxy gains nothing either.
  EXPECT_EQ(xff(proxy, {"10.9.9.9, 192.0.2.60"}).address, "192.0.2.60");
  // Garbage left of the real client is never looked at.
  EXPECT_EQ(xff(proxy, {"<script>, ;;, 192.0.2.60"}).address, "192.0.2.60");
}

TEST(forwarded_client, xff_trusted_hops_are_skipped) {
  const auto r = xff(proxy, {"6.6.6.6, 192.0.2.60, 203.0.113.5, 10.1.2.3"});
  EXPECT_EQ(r.address, "192.0.2.60");
  EXPECT_EQ(r.source, source::untrusted_hop);
}

TEST(forwarded_client, xff_all_trusted_takes_the_leftmost) {
  const auto r = xff(proxy, {"10.0.0.7, 203.0.113.5, 10.1.2.3"});
  EXPECT_EQ(r.address, "10.0.0.7");
  EXPECT_EQ(r.source, source::all_trusted);
}

TEST(forwarded_client, xff_several_fields_are_one_list) {
  // The last field holds the nearest hop.
  EXPECT_EQ(xff(proxy, {"6.6.6.6", "192.0.2.60"}).address, "192.0.2.60");
  EXPECT_EQ(xff(proxy, {"192.0.2.60", "10.0.0.3"}).address, "192.0.2.60");
  EXPECT_EQ(xff(proxy, {"192.0.2.60", "", "10.0.0.3, 10.0.0.4"}).address, "192.0.2.60");
  // Fields before the answer are not examined, malformed or not.
  EXPECT_EQ(xff(proxy, {"garbage", "192.0.2.60"}).address, "192.0.2.60");
}

TEST(forwarded_client, xff_malformed_stops_at_the_last_good_hop) {
  // Right next to the peer: the peer is the last address known good.
  auto r = xff(proxy, {"192.0.2.60, garbage"});
  EXPECT_EQ(r.address, proxy);
  EXPECT_EQ(r.source, source::malformed_hop);
  // Behind a trusted hop: that hop wrote the garbage (or passed it on), so it is the answer.
  r = xff(proxy, {"192.0.2.60, unknown, 10.0.0.2"});
  EXPECT_EQ(r.address, "10.0.0.2");
  EXPECT_EQ(r.source, source::malformed_hop);
  // A malformed field stops before earlier fields.
  r = xff(proxy, {"192.0.2.60", "10.0.0.2, 1.2.3.4.5"});
  EXPECT_EQ(r.address, proxy);
  EXPECT_EQ(r.source, source::malformed_hop);
}

TEST(forwarded_client, xff_element_forms) {
  EXPECT_EQ(xff(proxy, {"2001:db8::1"}).address, "2001:db8::1");
  EXPECT_EQ(xff(proxy, {"[2001:db8::1]"}).address, "2001:db8::1");
  EXPECT_EQ(xff(proxy, {"[2001:db8::1]:443"}).address, "2001:db8::1");
  EXPECT_EQ(xff(proxy, {"192.0.2.60:51234"}).address, "192.0.2.60");
  EXPECT_EQ(xff(proxy, {"\t192.0.2.60 ,10.0.0.2 "}).address, "192.0.2.60");
  EXPECT_EQ(xff(proxy, {"192.0.2.60,,10.0.0.2,"}).address, "192.0.2.60");
}

TEST(forwarded_client, xff_spellings_are_canonical) {
  // One client, one bucket, however the proxy spells it.
  EXPECT_EQ(xff(proxy, {"2001:DB8:0:0:0:0:0:1"}).address, "2001:db8::1");
  EXPECT_EQ(xff(proxy, {"2001:0db8::0001"}).address, "2001:db8::1");
  EXPECT_EQ(xff(proxy, {"::FFFF:192.0.2.60"}).address, "::ffff:192.0.2.60");
}

TEST(forwarded_client, xff_malformed_elements) {
  for (const std::string_view bad :
       {"192.0.2.060", "192.0.2", "192.0.2.256", "192.0.2.60:65536", "192.0.2.60:", "192.0.2.60:+1",
        "[192.0.2.60]", "[2001:db8::1", "[2001:db8::1]443", "2001:db8::1:443]", "fe80::1%eth0", "localhost",
        "unknown", "_hidden", "\"192.0.2.60\"", "192.0.2.60 10.0.0.1", "0x7f.1", "1.2.3.4/8", "::g"}) {
    const auto r = xff(proxy, {bad});
    EXPECT_EQ(r.source, source::malformed_hop) << bad;
    EXPECT_EQ(r.address, proxy) << bad;
  }
  using namespace std::string_literals;
  const std::string nul = "192.0.2.60\0"s;
  EXPECT_EQ(xff(proxy, {nul}).source, source::malformed_hop);
}

TEST(forwarded_client, mapped_ipv4_hops_meet_ipv4_networks) {
  // "::ffff:10.0.0.2" is the trusted 10.0.0.2, so it is skipped.
  EXPECT_EQ(xff(proxy, {"192.0.2.60, ::ffff:10.0.0.2"}).address, "192.0.2.60");
  EXPECT_EQ(xff("::ffff:10.0.0.1", {"192.0.2.60"}).address, "192.0.2.60");
}

TEST(forwarded_client, ipv6_proxies) {
  EXPECT_EQ(xff("fd00::1", {"2001:db8::7, fd12::3"}).address, "2001:db8::7");
  EXPECT_EQ(xff("2001:db8::99", {"2001:db8::7"}).address, "2001:db8::99");
}

// --- Forwarded (RFC 7239) --------------------------------------------------------------------

TEST(forwarded_client, forwarded_rfc_examples) {
  EXPECT_EQ(fwd(proxy, {"for=\"_gazonk\""}).source, source::malformed_hop);
  EXPECT_EQ(fwd(proxy, {"For=\"[2001:db8:cafe::17]:4711\""}).address, "2001:db8:cafe::17");
  EXPECT_EQ(fwd(proxy, {"for=192.0.2.60;proto=http;by=203.0.113.43"}).address, "192.0.2.60");
  const auto r = fwd(proxy, {"for=192.0.2.43, for=198.51.100.17"});
  EXPECT_EQ(r.address, "198.51.100.17");
  EXPECT_EQ(r.source, source::untrusted_hop);
}

TEST(forwarded_client, forwarded_spoofed_left_part_is_ignored) {
  EXPECT_EQ(fwd(proxy, {"for=6.6.6.6, for=192.0.2.60"}).address, "192.0.2.60");
  EXPECT_EQ(fwd(proxy, {"for=6.6.6.6", "for=192.0.2.60;proto=https"}).address, "192.0.2.60");
  EXPECT_EQ(fwd(proxy, {"for=192.0.2.60, for=203.0.113.9;proto=https"}).address, "192.0.2.60");
  EXPECT_EQ(fwd(proxy, {"for=10.0.0.9, for=10.0.0.8"}).address, "10.0.0.9");
  EXPECT_EQ(fwd(proxy, {"for=10.0.0.9, for=10.0.0.8"}).source, source::all_trusted);
}

TEST(forwarded_client, forwarded_quotes_on_the_left_cannot_swallow_the_right) {
  // An unterminated quote sent by the client would make a left-to-right parser read the
  // balancer's element as part of a quoted string; scanning from the right it is intact.
  EXPECT_EQ(fwd(proxy, {"for=\"6.6.6.6, for=\"[2001:db8::5]:80\""}).address, "2001:db8::5");
  EXPECT_EQ(fwd(proxy, {"for=\"x,y, for=192.0.2.60"}).address, "192.0.2.60");
  // A quoted comma inside the nearest element does not split it.
  EXPECT_EQ(fwd(proxy, {"for=192.0.2.60;host=\"a,b\""}).address, "192.0.2.60");
  EXPECT_EQ(fwd(proxy, {"for=192.0.2.60;host=\"a;b\";proto=https"}).address, "192.0.2.60");
}

TEST(forwarded_client, forwarded_ports_and_spacing) {
  EXPECT_EQ(fwd(proxy, {"for=\"192.0.2.60:8080\""}).address, "192.0.2.60");
  EXPECT_EQ(fwd(proxy, {"for=\"192.0.2.60:_port\""}).address, "192.0.2.60");
  EXPECT_EQ(fwd(proxy, {"for=\"[2001:db8::1]:_p-1.x\""}).address, "2001:db8::1");
  EXPECT_EQ(fwd(proxy, {"for=\"[2001:db8::1]\""}).address, "2001:db8::1");
  EXPECT_EQ(fwd(proxy, {"  for=192.0.2.60 ; proto=https  ,for=10.0.0.2"}).address, "192.0.2.60");
  EXPECT_EQ(fwd(proxy, {"proto=https;;for=192.0.2.60;"}).address, "192.0.2.60");
  EXPECT_EQ(fwd(proxy, {"for=\"192.0.2.60\""}).address, "192.0.2.60");
}

TEST(forwarded_client, forwarded_malformed_elements_stop_the_walk) {
  for (const std::string_view bad : {
           "for=unknown",
           "for=\"unknown\"",
           "for=_hidden",
           "for=\"_hidden:80\"",
           "for=\"[unknown]\"",
           "for=2001:db8::1",            // IPv6 must be quoted and bracketed
           "for=\"2001:db8::1\"",        // bracketed
           "for=192.0.2.60:80",          // ':' is not a token character
           "for=\"192.0.2.60:_\"",       // obfport needs a character after '_'
           "for=\"192.0.2.60:99999\"",
           "for=",
           "for=\"\"",
           "for",
           "proto=https",                // says nothing about who it served
           "by=10.0.0.2",
           "for=192.0.2.60;for=6.6.6.6",  // each parameter at most once
           "for=192.0.2.60;proto=http;PROTO=https",
           "for = 192.0.2.60",
           "for=192.0.2.60 x",
           "for=\"192.0.2.60\"x",
           "for=\"192.0.2.\"60\"",
           "for=\"192.0.2.60\\\"\"",     // quoted-pair
           "for=\"a\\,b\", x=1",
           "for=192.0.2.60\"",           // unbalanced quote
           "for=\"192.0.2.60",
           "x=\"a\tb\x01\";for=192.0.2.60",
           "for=example.com",
       }) {
    const auto r = fwd(proxy, {bad});
    EXPECT_EQ(r.source, source::malformed_hop) << bad;
    EXPECT_EQ(r.address, proxy) << bad;
  }
  // Behind a trusted hop, that hop is the answer.
  const auto r = fwd(proxy, {"for=192.0.2.60, for=unknown, for=\"[fd00::2]\""});
  EXPECT_EQ(r.address, "fd00::2");
  EXPECT_EQ(r.source, source::malformed_hop);
}

TEST(forwarded_client, headers_are_not_confused) {
  // Forwarded syntax in X-Forwarded-For is malformed, and the reverse.
  EXPECT_EQ(xff(proxy, {"for=192.0.2.60"}).source, source::malformed_hop);
  EXPECT_EQ(fwd(proxy, {"192.0.2.60"}).source, source::malformed_hop);
  EXPECT_EQ(forwarded_header_name(forwarded_header::x_forwarded_for), "X-Forwarded-For");
  EXPECT_EQ(forwarded_header_name(forwarded_header::forwarded), "Forwarded");
}

// --- Bounds ---------------------------------------------------------------------------------

TEST(forwarded_client, at_most_64_elements_are_examined) {
  std::string chain = "192.0.2.60";
  for (std::size_t i = 0; i < max_forwarded_elements - 1; ++i) chain += ", 10.0.0." + std::to_string(i % 250);
  // 63 trusted hops: the client is still reached as the 64th element.
  auto r = xff(proxy, {chain});
  EXPECT_EQ(r.address, "192.0.2.60");
  EXPECT_EQ(r.source, source::untrusted_hop);
  // One more trusted hop and the walk gives up on the leftmost trusted hop it examined.
  chain += ", 10.0.0.250";
  r = xff(proxy, {chain});
  EXPECT_EQ(r.source, source::hop_limit);
  EXPECT_EQ(r.address, "10.0.0.0");
}

TEST(forwarded_client, limit_counts_across_fields_and_empty_elements) {
  std::vector<std::string_view> fields(200, "10.0.0.3");
  fields.front() = "192.0.2.60";
  EXPECT_EQ(xff(proxy, fields).source, source::hop_limit);
  const std::string commas = "192.0.2.60" + std::string(100000, ',');
  const auto r = xff(proxy, {commas});
  EXPECT_EQ(r.source, source::hop_limit);
  EXPECT_EQ(r.address, proxy);
}

TEST(forwarded_client, huge_hostile_headers_stay_cheap) {
  // A megabyte of one element, of quotes, of backslashes: each examined once, then the walk stops.
  const std::string one_element(1 << 20, '1');
  EXPECT_EQ(xff(proxy, {one_element}).source, source::malformed_hop);
  const std::string quotes(1 << 20, '"');
  EXPECT_EQ(fwd(proxy, {quotes}).source, source::malformed_hop);
  const std::string semicolons = "for=192.0.2.60" + std::string(1 << 20, ';');
  EXPECT_EQ(fwd(proxy, {semicolons}).address, "192.0.2.60");
  std::vector<std::string_view> many(1 << 16, "");
  EXPECT_EQ(xff(proxy, many).source, source::hop_limit);
}

// --- From a request ---------------------------------------------------------------------------

TEST(forwarded_client, reads_the_request_fields_case_insensitively) {
  request req;
  req.add_header("Host", "example.com");
  req.add_header("x-forwarded-for", "6.6.6.6, 192.0.2.60");
  req.add_header("Forwarded", "for=192.0.2.77");
  req.add_header("X-FORWARDED-FOR", "10.0.0.2");
  const cidr_list trusted = proxies();
  auto r = resolve_forwarded_client(proxy, trusted, forwarded_header::x_forwarded_for, req);
  EXPECT_EQ(r.address, "192.0.2.60");
  r = resolve_forwarded_client(proxy, trusted, forwarded_header::forwarded, req);
  EXPECT_EQ(r.address, "192.0.2.77");
  r = resolve_forwarded_client(stranger, trusted, forwarded_header::forwarded, req);
  EXPECT_EQ(r.address, stranger);
  EXPECT_EQ(r.source, source::untrusted_peer);
  request bare;
  r = resolve_forwarded_client(proxy, trusted, forwarded_header::forwarded, bare);
  EXPECT_EQ(r.source, source::no_header);
}

}  // namespace
}  // namespace ferry
