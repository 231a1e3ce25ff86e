// redis_rate_store against a real redis-server: the Lua script decides exactly as gcra_apply
// does (checked step by step with an injected clock), a burst is admitted and then denied on
// Redis' own clock, decisions stay atomic under concurrency, keys expire when their TAT has
// passed, and errors come back as errors.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <optional>
#include <string>
#include <vector>

#include "modules/rate_limit/gcra.hpp"
#include "modules/rate_limit/redis_rate_store.hpp"
#include "redis_test_support.hpp"

namespace ferry {
namespace {

using namespace std::chrono_literals;
using test::redis_server;
using test::run_until;

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000'000'000;

struct decision_outcome {
  bool done = false;
  std::error_code ec;
  gcra_decision decision;
};

redis_rate_store::callback record(decision_outcome& o) {
  return [&o](std::error_code ec, const gcra_decision& d) {
    EXPECT_FALSE(o.done) << "callback ran twice";
    o.done = true;
    o.ec = ec;
    o.decision = d;
  };
}

gcra_policy policy(std::int64_t t, std::int64_t burst) {
  gcra_policy p;
  p.emission_interval_ns = t;
  p.burst = burst;
  return p;
}

class RedisRateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_client_config config;
    config.port = server_.port();
    config.timeout = 500ms;
    std::string error;
    client_ = redis_client::create(io_, config, error);
    ASSERT_TRUE(client_) << error;
    store_ = std::make_unique<redis_rate_store>(*client_, "test:rl:");
    client_->start();
    ASSERT_TRUE(run_until(io_, [&] { return client_->connections_up() == 2; })) << client_->last_error();
  }

  decision_outcome decide(std::string_view key, const gcra_policy& p) {
    decision_outcome o;
    const std::error_code refused = store_->decide(key, p, record(o));
    if (refused) {
      o.done = true;
      o.ec = refused;
      return o;
    }
    EXPECT_TRUE(run_until(io_, [&] { return o.done; }));
    return o;
  }

  // Runs the GCRA script directly (no store) with these arguments; returns its reply.
  redis_reply run_script(std::string_view key, std::initializer_list<std::string_view> arguments) {
    if (!script_) script_ = client_->add_script(redis_rate_store::script());
    const std::string_view keys[] = {key};
    const std::vector<std::string_view> args(arguments);
    bool done = false;
    redis_reply reply;
    EXPECT_FALSE(client_->call_script(*script_, keys, args, [&](std::error_code ec, const redis_reply* r) {
      EXPECT_FALSE(ec) << ec.message() << (r != nullptr ? r->text : "");
      if (r != nullptr) reply = *r;
      done = true;
    }));
    EXPECT_TRUE(run_until(io_, [&] { return done; }));
    return reply;
  }

  redis_server server_;
  asio::io_context io_;
  std::unique_ptr<redis_client> client_;
  std::unique_ptr<redis_rate_store> store_;
  std::optional<redis_script_id> script_;
};

TEST_F(RedisRateStoreTest, BurstIsAdmittedThenDenied) {
  const gcra_policy p = gcra_policy::per_period(1, 1 * s, 3);  // one a second, three at once
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < 3; ++i) {
    const auto o = decide("client-a", p);
    ASSERT_FALSE(o.ec) << o.ec.message();
    EXPECT_TRUE(o.decision.allowed) << i;
    EXPECT_EQ(o.decision.remaining, 2 - i);
    EXPECT_EQ(o.decision.retry_after_ns, 0);
  }
  const auto denied = decide("client-a", p);
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
  ASSERT_FALSE(denied.ec);
  EXPECT_FALSE(denied.decision.allowed);
  EXPECT_EQ(denied.decision.remaining, 0);
  // retry_after = T minus the time the four decisions took; reset = 3 T minus the same.
  EXPECT_LE(denied.decision.retry_after_ns, 1 * s);
  EXPECT_GE(denied.decision.retry_after_ns, 1 * s - elapsed.count() - 5 * ms);
  EXPECT_LE(denied.decision.reset_ns, 3 * s);
  EXPECT_GE(denied.decision.reset_ns, 3 * s - elapsed.count() - 5 * ms);
  // Another key is independent.
  EXPECT_TRUE(decide("client-b", p).decision.allowed);
}

TEST_F(RedisRateStoreTest, ScriptMatchesGcraApplyExactly) {
  // The script with the clock injected (ARGV[3]) against gcra_apply, step by step, at today's
  // magnitude of nanoseconds since the epoch (beyond a double's 53 bits).
  std::mt19937_64 random(20240611);
  std::int64_t now = 1'718'000'000'123'456'789;
  for (std::size_t round = 0; round < 6; ++round) {
    const std::int64_t t = std::vector<std::int64_t>{123'456'789, 250 * ms, 333'333'333, 1 * s, 7 * s, 3600 * s}[round];
    const std::int64_t burst = 1 + static_cast<std::int64_t>(random() % 5);
    const gcra_policy p = policy(t, burst);
    const std::string key = "exact:" + std::to_string(round);
    std::int64_t tat = 0;
    for (int step = 0; step < 60; ++step) {
      now += static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(t * 3 / 2 + 1));
      const gcra_decision expected = gcra_apply(tat, now, p);
      const redis_reply reply = run_script(key, {std::to_string(t), std::to_string(burst), std::to_string(now)});
      ASSERT_EQ(reply.elements.size(), 6u);
      EXPECT_EQ(reply.elements[4].integer * s + reply.elements[5].integer, now);  // the clock it used
      EXPECT_EQ(reply.elements[0].integer, expected.allowed ? 1 : 0) << round << "/" << step;
      EXPECT_EQ(reply.elements[1].integer, expected.retry_after_ns) << round << "/" << step;
      EXPECT_EQ(reply.elements[2].integer, expected.remaining) << round << "/" << step;
      EXPECT_EQ(reply.elements[3].integer, expected.reset_ns) << round << "/" << step;
      test::blocking_redis check(server_.port());
      EXPECT_EQ(check.command({"GET", key}).text, std::to_string(tat)) << round << "/" << step;
    }
  }
}

TEST_F(RedisRateStoreTest, ScriptChargesNothingPastTheDeadline) {
  const std::int64_t now = 1'718'000'000'123'456'789;
  auto run = [&](std::string_view key, std::int64_t deadline) {
    return run_script(key, {std::to_string(1 * s), "1", std::to_string(now), std::to_string(deadline)});
  };
  test::blocking_redis check(server_.port());
  const auto late = run("late", now - 1);
  ASSERT_EQ(late.elements.size(), 6u);
  EXPECT_EQ(late.elements[0].integer, 2);  // expired
  EXPECT_EQ(check.command({"EXISTS", "late"}).integer, 0);
  const auto in_time = run("in-time", now);  // the deadline itself is still in time
  ASSERT_EQ(in_time.elements.size(), 6u);
  EXPECT_EQ(in_time.elements[0].integer, 1);
  EXPECT_EQ(check.command({"EXISTS", "in-time"}).integer, 1);
  // Across a second boundary: 1 ns after a deadline at .999999999.
  const std::int64_t edge = (now / s) * s - 1;
  EXPECT_EQ(run("edge", edge).elements[0].integer, 2);
}

TEST_F(RedisRateStoreTest, DecisionsAfterTheFirstCarryADeadline) {
  // The store learns Redis' clock from each reply; later calls send a deadline one timeout
  // ahead, which Redis (its clock close to ours here) meets: they are decided as usual.
  const gcra_policy p = policy(1 * s, 5);
  for (int i = 0; i < 5; ++i) {
    const auto o = decide("deadline", p);
    ASSERT_FALSE(o.ec) << i << ": " << o.ec.message();
    EXPECT_TRUE(o.decision.allowed) << i;
  }
  EXPECT_FALSE(decide("deadline", p).decision.allowed);
}

TEST_F(RedisRateStoreTest, KeyExpiresWhenItsTatPasses) {
  const auto o = decide("expiring", policy(300 * ms, 2));
  ASSERT_FALSE(o.ec);
  test::blocking_redis check(server_.port());
  const auto ttl = check.command({"PTTL", "test:rl:expiring"});
  EXPECT_GT(ttl.integer, 200);
  EXPECT_LE(ttl.integer, 300);
  // The stored TAT is nanoseconds since the epoch, on Redis' clock.
  const auto time = check.command({"TIME"});
  ASSERT_EQ(time.elements.size(), 2u);
  const std::int64_t redis_now_ns = std::stoll(time.elements[0].text) * s + std::stoll(time.elements[1].text) * 1000;
  const std::int64_t tat = std::stoll(check.command({"GET", "test:rl:expiring"}).text);
  EXPECT_GT(tat, redis_now_ns);
  EXPECT_LE(tat, redis_now_ns + 300 * ms);
}

TEST_F(RedisRateStoreTest, ConcurrentDecisionsAdmitExactlyTheBurst) {
  // 300 decisions in flight at once over both connections: Redis runs each script atomically.
  std::vector<decision_outcome> outcomes(300);
  const gcra_policy p = policy(10 * s, 50);
  for (auto& o : outcomes) ASSERT_FALSE(store_->decide("shared", p, record(o)));
  ASSERT_TRUE(run_until(io_, [&] {
    for (const auto& o : outcomes) {
      if (!o.done) return false;
    }
    return true;
  }));
  int allowed = 0;
  std::vector<bool> remaining_seen(50, false);
  for (const auto& o : outcomes) {
    ASSERT_FALSE(o.ec) << o.ec.message();
    if (o.decision.allowed) {
      ++allowed;
      ASSERT_GE(o.decision.remaining, 0);
      ASSERT_LT(o.decision.remaining, 50);
      remaining_seen[static_cast<std::size_t>(o.decision.remaining)] = true;
    }
  }
  EXPECT_EQ(allowed, 50);
  for (bool seen : remaining_seen) EXPECT_TRUE(seen);  // 49 … 0, each once
}

TEST_F(RedisRateStoreTest, KeysArePrefixedAndBinarySafe) {
  const std::string key("ip\r\n\0:1", 7);
  ASSERT_FALSE(decide(key, policy(1 * s, 1)).ec);
  test::blocking_redis check(server_.port());
  EXPECT_EQ(check.command({"EXISTS", "test:rl:" + key}).integer, 1);
  EXPECT_EQ(store_->key_prefix(), "test:rl:");
  EXPECT_EQ(redis_rate_store::default_key_prefix, "ferry:rl:");
}

TEST_F(RedisRateStoreTest, SurvivesScriptFlush) {
  ASSERT_TRUE(decide("flush", policy(1 * s, 2)).decision.allowed);
  test::blocking_redis check(server_.port());
  EXPECT_EQ(check.command({"SCRIPT", "FLUSH"}).text, "OK");
  const auto o = decide("flush", policy(1 * s, 2));
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_TRUE(o.decision.allowed);
  EXPECT_EQ(o.decision.remaining, 0);
  EXPECT_FALSE(decide("flush", policy(1 * s, 2)).decision.allowed);
}

TEST_F(RedisRateStoreTest, ErrorsAreReported) {
  // A key of another type: Redis' WRONGTYPE comes back as an error, not a decision.
  test::blocking_redis check(server_.port());
  EXPECT_EQ(check.command({"HSET", "test:rl:hash", "f", "v"}).integer, 1);
  const auto wrong_type = decide("hash", policy(1 * s, 1));
  EXPECT_EQ(wrong_type.ec, redis_errc::server_error);
  // A stored value that is not a TAT counts as a missing key.
  EXPECT_EQ(check.command({"SET", "test:rl:garbage", "not-a-number"}).text, "OK");
  EXPECT_TRUE(decide("garbage", policy(1 * s, 1)).decision.allowed);
  // Refused before anything is sent.
  decision_outcome unused;
  EXPECT_EQ(store_->decide("", policy(1 * s, 1), record(unused)), redis_errc::invalid_command);
  EXPECT_EQ(store_->decide(std::string(2000, 'k'), policy(1 * s, 1), record(unused)), redis_errc::invalid_command);
  EXPECT_EQ(store_->decide("k", policy(0, 1), record(unused)), redis_errc::invalid_command);
  EXPECT_EQ(store_->decide("k", policy(1 * s, 0), record(unused)), redis_errc::invalid_command);
  client_->shutdown();
  EXPECT_EQ(store_->decide("k", policy(1 * s, 1), record(unused)), redis_errc::unavailable);
  test::run_for(io_, 10ms);
  EXPECT_FALSE(unused.done);
}

}  // namespace
}  // namespace ferry
