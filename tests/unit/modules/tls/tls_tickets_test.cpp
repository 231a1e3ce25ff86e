// Session tickets: resumption works, a rotated-out key still resumes once (and the client is
// given a fresh ticket), and after two rotations the old ticket no longer resumes. The ring's
// clock is injected, so nothing sleeps.
#include <gtest/gtest.h>

#include <chrono>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "modules/tls/ticket_keys.hpp"
#include "tls_test_support.hpp"

namespace ferry::tls_test {
namespace {

using namespace std::chrono_literals;

struct manual_clock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  ticket_key_ring::clock_function function() {
    return [this] { return now; };
  }
};

struct session_free {
  void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
using session_ptr = std::unique_ptr<SSL_SESSION, session_free>;

class tls_tickets : public ::testing::TestWithParam<int> {
 protected:
  client_options options(SSL_SESSION* resume = nullptr) {
    return client_options().with_max_version(GetParam()).with_resume(resume);
  }
  // A full connection that also moves application data, so a TLS 1.3 client has read the
  // NewSessionTicket messages; returns the client's session.
  session_ptr connect(tls_transport& transport, SSL_SESSION* resume, bool& reused) {
    connection c(transport, options(resume));
    EXPECT_TRUE(c.established());
    EXPECT_EQ(c.server->write(std::string_view("x"), false).bytes, 1u);
    char byte = 0;
    for (int i = 0; i < 10 && c.client->read(&byte, 1) != 1; ++i) {
    }
    reused = SSL_session_reused(c.client->ssl()) == 1;
    session_ptr session(SSL_get1_session(c.client->ssl()));
    // Freed without close_notify, OpenSSL would mark the session not resumable.
    SSL_shutdown(c.client->ssl());
    ERR_clear_error();
    return session;
  }

  manual_clock clock_;
};

TEST_P(tls_tickets, ResumesWithATicket) {
  const auto transport = make_transport(base_config(), clock_.function());
  bool reused = true;
  const session_ptr first = connect(*transport, nullptr, reused);
  EXPECT_FALSE(reused);
  ASSERT_TRUE(first && SSL_SESSION_is_resumable(first.get()));
  connect(*transport, first.get(), reused);
  EXPECT_TRUE(reused);
}

TEST_P(tls_tickets, PreviousKeyStillResumesButTwoRotationsLater) {
  tls_config config = base_config();
  config.ticket_key_lifetime = 1h;
  const auto transport = make_transport(config, clock_.function());
  bool reused = true;
  const session_ptr first = connect(*transport, nullptr, reused);
  ASSERT_TRUE(first);

  clock_.now += 1h;  // first rotation: the ticket's key is now the previous one
  const session_ptr renewed = connect(*transport, first.get(), reused);
  EXPECT_TRUE(reused);

  clock_.now += 1h;  // second rotation: the first key is gone
  connect(*transport, first.get(), reused);
  EXPECT_FALSE(reused);
  // The ticket renewed after the first rotation is under the key now previous: still good.
  connect(*transport, renewed.get(), reused);
  EXPECT_TRUE(reused);
}

TEST_P(tls_tickets, LongIdleForgetsBothKeys) {
  const auto transport = make_transport(base_config(), clock_.function());
  bool reused = true;
  const session_ptr first = connect(*transport, nullptr, reused);
  clock_.now += 3h;
  connect(*transport, first.get(), reused);
  EXPECT_FALSE(reused);
}

TEST_P(tls_tickets, TicketsOffMeansNoResumption) {
  tls_config config = base_config();
  config.session_tickets = false;
  const auto transport = make_transport(config, clock_.function());
  bool reused = true;
  const session_ptr first = connect(*transport, nullptr, reused);
  if (first && SSL_SESSION_is_resumable(first.get())) {
    connect(*transport, first.get(), reused);
    EXPECT_FALSE(reused);
  }
}

TEST_P(tls_tickets, TicketFromAnotherServerDoesNotResume) {
  const auto one = make_transport(base_config(), clock_.function());
  const auto two = make_transport(base_config(), clock_.function());
  bool reused = true;
  const session_ptr first = connect(*one, nullptr, reused);
  connect(*two, first.get(), reused);
  EXPECT_FALSE(reused);
}

INSTANTIATE_TEST_SUITE_P(versions, tls_tickets, ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const auto& param_info) { return param_info.param == TLS1_2_VERSION ? "tls12" : "tls13"; });

TEST(ticket_key_ring, RotatesAndKeepsOnePreviousKey) {
  manual_clock clock;
  ticket_key_ring ring(10min, clock.function());
  ticket_key a;
  ASSERT_TRUE(ring.encryption_key(a));
  ticket_key same;
  ASSERT_TRUE(ring.encryption_key(same));
  EXPECT_EQ(a.name, same.name);
  ticket_key found;
  EXPECT_EQ(ring.decryption_key(a.name.data(), found), ticket_key_ring::match::current);
  EXPECT_EQ(found.aes_key, a.aes_key);

  clock.now += 10min;
  ticket_key b;
  ASSERT_TRUE(ring.encryption_key(b));
  EXPECT_NE(a.name, b.name);
  EXPECT_EQ(ring.decryption_key(a.name.data(), found), ticket_key_ring::match::previous);
  EXPECT_EQ(ring.decryption_key(b.name.data(), found), ticket_key_ring::match::current);

  clock.now += 10min;
  EXPECT_EQ(ring.decryption_key(a.name.data(), found), ticket_key_ring::match::none);
  EXPECT_EQ(ring.decryption_key(b.name.data(), found), ticket_key_ring::match::previous);
  const std::array<unsigned char, 16> unknown{};
  EXPECT_EQ(ring.decryption_key(unknown.data(), found), ticket_key_ring::match::none);
}

TEST(ticket_key_ring, ConcurrentUseIsSafe) {
  ticket_key_ring ring(1min);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        ticket_key key;
        ticket_key found;
        if (!ring.encryption_key(key) || ring.decryption_key(key.name.data(), found) == ticket_key_ring::match::none) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace ferry::tls_test
