#include "http/request_identity.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "http/request.hpp"
#include "http/response.hpp"

namespace ferry {
namespace {

constexpr std::string_view valid_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

bool parses(std::string_view value) {
  std::array<char, 32> trace{};
  std::uint8_t flags = 0;
  return parse_traceparent(value, trace, flags);
}

bool lower_hex(std::string_view text) {
  return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

TEST(RequestId, WellFormedIds) {
  EXPECT_TRUE(well_formed_request_id("f47ac10b-58cc-4372-a567-0e02b2c3d479"));
  EXPECT_TRUE(well_formed_request_id("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
  EXPECT_TRUE(well_formed_request_id("abc+/=:@._-"));
  EXPECT_TRUE(well_formed_request_id(std::string(128, 'a')));
  EXPECT_FALSE(well_formed_request_id(""));
  EXPECT_FALSE(well_formed_request_id(std::string(129, 'a')));
  for (std::string_view bad : {"a b", "a\"b", "a\\b", "a\nb", "a,b", "a;b", "<script>", "a\x7f", "\xc3\xa9"}) {
    EXPECT_FALSE(well_formed_request_id(bad)) << bad;
  }
}

TEST(Traceparent, ValidVersion00) {
  std::array<char, 32> trace{};
  std::uint8_t flags = 0;
  ASSERT_TRUE(parse_traceparent(valid_parent, trace, flags));
  EXPECT_EQ(std::string_view(trace.data(), trace.size()), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(flags, 1);
  ASSERT_TRUE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", trace, flags));
  EXPECT_EQ(flags, 0);
}

TEST(Traceparent, Refused) {
  EXPECT_FALSE(parses(""));
  EXPECT_FALSE(parses(valid_parent.substr(0, 54)));
  EXPECT_FALSE(parses(std::string(valid_parent) + "-"));         // version 00 has no extra fields
  EXPECT_FALSE(parses(std::string(valid_parent) + "x"));
  EXPECT_FALSE(parses("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));  // forbidden version
  EXPECT_FALSE(parses("0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parses("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));  // upper case
  EXPECT_FALSE(parses("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));  // zero trace
  EXPECT_FALSE(parses("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));  // zero parent
  EXPECT_FALSE(parses("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parses("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z"));
  EXPECT_FALSE(parses("00-4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7-01"));
}

TEST(Traceparent, LaterVersionsByTheirPrefix) {
  EXPECT_TRUE(parses("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_TRUE(parses("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-whatever"));
  EXPECT_FALSE(parses("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
}

TEST(IdGenerator, LowerHexAndDistinct) {
  id_generator ids;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id(32, '\0');
    ids.fill_hex(id.data(), id.size());
    EXPECT_TRUE(lower_hex(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  std::string odd(5, '\0');
  ids.fill_hex(odd.data(), odd.size());
  EXPECT_TRUE(lower_hex(odd));
}

TEST(IdGenerator, EveryLengthFilledExactlyWithEveryDigitInEveryPlace) {
  id_generator ids;
  for (std::size_t length = 1; length <= 40; ++length) {
    std::string out(length + 1, '#');
    ids.fill_hex(out.data(), length);
    EXPECT_TRUE(lower_hex(out.substr(0, length))) << out;
    EXPECT_EQ(out[length], '#') << "wrote past " << length;
  }
  // Each of the 32 places of a request id takes all 16 digits over a few thousand ids.
  std::array<std::set<char>, 32> digits;
  for (int i = 0; i < 4000; ++i) {
    std::string id(32, '\0');
    ids.fill_hex(id.data(), id.size());
    for (std::size_t place = 0; place < id.size(); ++place) digits[place].insert(id[place]);
  }
  for (std::size_t place = 0; place < digits.size(); ++place) EXPECT_EQ(digits[place].size(), 16u) << place;
}

class AssignIdentity : public ::testing::Test {
 protected:
  request req_;
  id_generator ids_;
  request_identity identity_;
  request_identity_options options_{"X-Request-Id", true, true};

  void header(std::string_view name, std::string_view value) { req_.add_header(name, value); }
};

TEST_F(AssignIdentity, GeneratesIdAndTraceWithoutHeaders) {
  assign_request_identity(req_, options_, ids_, identity_);
  EXPECT_EQ(identity_.id().size(), 32u);
  EXPECT_TRUE(lower_hex(identity_.id()));
  EXPECT_EQ(identity_.trace().size(), 32u);
  EXPECT_EQ(identity_.span().size(), 16u);
  EXPECT_EQ(identity_.trace_flags, 1);
  EXPECT_EQ(identity_.id(), identity_.trace());  // a request that starts a trace is named by it
  EXPECT_TRUE(lower_hex(identity_.span()));

  // Without trace context, the id is a random one of its own; ids of requests apart differ.
  const std::string first(identity_.id());
  options_.trace_context = false;
  assign_request_identity(req_, options_, ids_, identity_);
  EXPECT_EQ(identity_.id().size(), 32u);
  EXPECT_TRUE(lower_hex(identity_.id()));
  EXPECT_NE(identity_.id(), first);
  EXPECT_TRUE(identity_.trace().empty());
}

// A caller's trace spans many requests: each still gets an id of its own, not the trace's.
TEST_F(AssignIdentity, AnIdOfItsOwnWithinACallersTrace) {
  header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  assign_request_identity(req_, options_, ids_, identity_);
  EXPECT_EQ(identity_.trace(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(identity_.id().size(), 32u);
  EXPECT_TRUE(lower_hex(identity_.id()));
  EXPECT_NE(identity_.id(), identity_.trace());
}

TEST_F(AssignIdentity, KeepsAWellFormedIncomingIdAndTheCallersTrace) {
  header("x-request-id", "client-chosen-42");
  header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  assign_request_identity(req_, options_, ids_, identity_);
  EXPECT_EQ(identity_.id(), "client-chosen-42");
  EXPECT_EQ(identity_.trace(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(identity_.span(), "00f067aa0ba902b7");  // ferry's own span, not the caller's
  EXPECT_EQ(identity_.trace_flags, 0);              // the caller's sampling decision stands
}

TEST_F(AssignIdentity, ReplacesMalformedOrRefusedIncomingValues) {
  header("x-request-id", "has space");
  header("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
  assign_request_identity(req_, options_, ids_, identity_);
  EXPECT_NE(identity_.id(), "has space");
  EXPECT_EQ(identity_.id().size(), 32u);
  EXPECT_NE(identity_.trace(), "00000000000000000000000000000000");

  req_.clear_headers();
  header("x-request-id", "fine");
  options_.accept_incoming = false;
  assign_request_identity(req_, options_, ids_, identity_);
  EXPECT_NE(identity_.id(), "fine");
}

TEST_F(AssignIdentity, OffMeansNothing) {
  options_.header = "";
  options_.trace_context = false;
  header("traceparent", valid_parent);
  assign_request_identity(req_, options_, ids_, identity_);
  EXPECT_TRUE(identity_.id().empty());
  EXPECT_TRUE(identity_.trace().empty());
  response r;
  add_request_identity_headers(identity_, options_, r);
  EXPECT_TRUE(r.fields().empty());
}

TEST_F(AssignIdentity, ResponseHeaders) {
  header("traceparent", valid_parent);
  assign_request_identity(req_, options_, ids_, identity_);
  response r;
  r.add("X-Request-Id", "set by a header rule");  // replaced: the id must be the logged one
  add_request_identity_headers(identity_, options_, r);
  EXPECT_EQ(r.get("X-Request-Id"), identity_.id());
  const std::string expected =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-" + std::string(identity_.span()) + "-01";
  EXPECT_EQ(r.get("traceparent"), expected);
  EXPECT_TRUE(parses(r.get("traceparent")));
}

}  // namespace
}  // namespace ferry
