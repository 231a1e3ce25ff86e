// The Redis limiter against a real redis-server: checkers on different event loops enforce one
// limit, a pending decision reaches its waiter exactly once, several limits give one verdict,
// and when Redis stops answering, dies, comes back, or the checker goes away with calls in
// flight, every request still gets its verdict from the configured failure action.
#include <gtest/gtest.h>

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/request.hpp"
#include "modules/rate_limit/local_request_limiter.hpp"
#include "modules/rate_limit/rate_limit_config.hpp"
#include "modules/rate_limit/redis_request_limiter.hpp"
#include "redis_test_support.hpp"

namespace ferry {
namespace {

using namespace std::chrono_literals;
using test::redis_server;
using test::run_until;

// Remembers every verdict it hears, by tag.
class recording_waiter final : public limit_waiter {
 public:
  void limits_decided(std::uint32_t tag, const limit_verdict& verdict) override { heard_[tag].push_back(verdict); }

  std::size_t times(std::uint32_t tag) const {
    const auto found = heard_.find(tag);
    return found == heard_.end() ? 0 : found->second.size();
  }
  const limit_verdict& verdict(std::uint32_t tag) const { return heard_.at(tag).front(); }
  std::size_t total() const {
    std::size_t n = 0;
    for (const auto& [tag, list] : heard_) n += list.size();
    return n;
  }

 private:
  std::map<std::uint32_t, std::vector<limit_verdict>> heard_;
};

rate_limit_settings parse_settings(const std::string& text) {
  config_error_sink errors("ferry.toml");
  const toml::table document = toml::parse(text, std::string("ferry.toml"));
  auto settings = parse_rate_limit_config(*document.get("rate_limit")->as_table(), errors);
  std::string all;
  for (const auto& e : errors.messages()) all += e + "\n";
  EXPECT_TRUE(settings.has_value()) << all;
  return settings ? std::move(*settings) : rate_limit_settings{};
}

limit_request request_from(std::string_view address, std::string_view path = "/x", limit_waiter* waiter = nullptr,
                           std::uint32_t tag = 0) {
  limit_request r;
  r.path = path;
  r.vhost = "a.test";
  r.remote_address = address;
  r.waiter = waiter;
  r.tag = tag;
  return r;
}

struct outcome {
  bool pending = false;
  limit_verdict verdict;
};

class RedisLimiterTest : public ::testing::Test {
 protected:
  // [rate_limit] with backend = "redis" on the test's server, then `redis_keys` in the redis
  // table and `limits` after it. A generous timeout unless the test sets one: a loaded machine
  // must not turn Redis decisions into fallbacks.
  std::shared_ptr<const redis_request_limiter> make_limiter(const std::string& limits,
                                                            const std::string& redis_keys = "") {
    const std::string text =
        "[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\nport = " + std::to_string(server_.port()) +
        "\nconnections = 1\n" + (redis_keys.find("timeout_ms") == std::string::npos ? "timeout_ms = 500\n" : "") +
        redis_keys + "\n" + limits;
    return std::make_shared<const redis_request_limiter>(parse_settings(text));
  }

  static rate_limit_redis_stats redis_stats(const redis_request_limiter& limiter) {
    const rate_limit_stats stats = limiter.stats();
    EXPECT_TRUE(stats.redis.has_value());
    return stats.redis.value_or(rate_limit_redis_stats{});
  }

  static std::uint64_t refusals(const redis_request_limiter& limiter, std::string_view name) {
    for (const auto& limit : limiter.stats().limits) {
      if (limit.name == name) return limit.limited;
    }
    ADD_FAILURE() << "no limit " << name;
    return 0;
  }

  bool wait_connected(asio::io_context& io, const redis_request_limiter& limiter, std::uint64_t connections = 1) {
    return run_until(io, [&] { return redis_stats(limiter).connections >= connections; });
  }

  // One decision with a waiter: pending ones are run to their verdict.
  outcome decide(limit_checker& checker, asio::io_context& io, limit_request r) {
    outcome o;
    r.waiter = &waiter_;
    r.tag = ++tag_;
    o.verdict.policy = "untouched";
    if (checker.check(r, o.verdict)) return o;
    o.pending = true;
    EXPECT_EQ(o.verdict.policy, "untouched") << "a pending check wrote its verdict";
    EXPECT_EQ(waiter_.times(r.tag), 0U) << "the waiter heard inside check()";
    EXPECT_TRUE(run_until(io, [&] { return waiter_.times(r.tag) != 0; }));
    if (waiter_.times(r.tag) != 0) o.verdict = waiter_.verdict(r.tag);
    return o;
  }

  redis_server server_;
  recording_waiter waiter_;
  std::uint32_t tag_ = 0;
};

TEST_F(RedisLimiterTest, TwoCheckersOnTwoLoopsEnforceOneLimit) {
  const auto limiter = make_limiter("[[rate_limit.limits]]\nname = \"shared\"\nrate = \"1/h\"\nburst = 5\n");
  asio::io_context io_a;
  asio::io_context io_b;
  auto checker_a = limiter->make_checker(io_a);
  auto checker_b = limiter->make_checker(io_b);
  ASSERT_TRUE(wait_connected(io_a, *limiter, 1));
  ASSERT_TRUE(wait_connected(io_b, *limiter, 2));
  int allowed = 0;
  for (int i = 0; i < 10; ++i) {
    const bool on_a = i % 2 == 0;
    const outcome o = decide(on_a ? *checker_a : *checker_b, on_a ? io_a : io_b, request_from("192.0.2.1"));
    EXPECT_TRUE(o.pending) << i;  // Redis decided
    if (!o.verdict.limited) {
      ++allowed;
      EXPECT_TRUE(o.verdict.retry_after.empty());
    } else {
      EXPECT_FALSE(o.verdict.retry_after.empty());
    }
    EXPECT_FALSE(o.verdict.unavailable);
    EXPECT_EQ(o.verdict.policy, "\"shared\";q=1;w=3600");
  }
  EXPECT_EQ(allowed, 5);  // one burst for both, not one each
  EXPECT_EQ(refusals(*limiter, "shared"), 5U);
  test::blocking_redis redis(server_.port());
  EXPECT_EQ(redis.command({"EXISTS", "ferry:rl:shared\x1f" "192.0.2.1/32"}).integer, 1);
  const rate_limit_redis_stats stats = redis_stats(*limiter);
  EXPECT_EQ(stats.calls, 10U);
  EXPECT_EQ(stats.fallback_local + stats.fallback_open + stats.fallback_closed, 0U);
  EXPECT_EQ(stats.connections, 2U);
}

TEST_F(RedisLimiterTest, EveryWaiterHearsExactlyOnceWithItsTag) {
  const auto limiter = make_limiter("[[rate_limit.limits]]\nname = \"once\"\nrate = \"1/h\"\nburst = 1\n");
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  ASSERT_TRUE(wait_connected(io, *limiter));
  limit_verdict untouched;
  for (const std::uint32_t tag : {7U, 8U, 9U}) {
    untouched.policy = "untouched";
    // 7 and 9 are the same client: one of them is refused.
    const std::string_view address = tag == 8 ? "198.51.100.8" : "198.51.100.7";
    EXPECT_FALSE(checker->check(request_from(address, "/x", &waiter_, tag), untouched));
    EXPECT_EQ(untouched.policy, "untouched");
  }
  EXPECT_EQ(waiter_.total(), 0U);
  ASSERT_TRUE(run_until(io, [&] { return waiter_.total() == 3; }));
  test::run_for(io, 100ms);
  for (const std::uint32_t tag : {7U, 8U, 9U}) EXPECT_EQ(waiter_.times(tag), 1U) << tag;
  EXPECT_FALSE(waiter_.verdict(7).limited);
  EXPECT_FALSE(waiter_.verdict(8).limited);
  EXPECT_TRUE(waiter_.verdict(9).limited);
  EXPECT_EQ(waiter_.verdict(9).retry_after, "3600");
}

TEST_F(RedisLimiterTest, SeveralLimitsGiveOneVerdictAsTheLocalBackendDoes) {
  const std::string limits = R"([[rate_limit.limits]]
name = "several-wide"
rate = "1/h"
burst = 10
[[rate_limit.limits]]
name = "several-narrow"
path = "/narrow/**"
vhost = "a.test"
rate = "1/h"
burst = 2
[[rate_limit.limits]]
name = "several-users"
key = "principal"
rate = "1/h"
burst = 1
)";
  const auto limiter = make_limiter(limits);
  // The same limits decided locally, in a table of their own (max_keys differs).
  const auto local = std::make_shared<const local_request_limiter>(
      parse_settings("[rate_limit]\nmax_keys = 4321\n" + limits));
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  auto local_checker = local->make_checker(io);
  ASSERT_TRUE(wait_connected(io, *limiter));
  const auto same = [&](std::string_view path, std::string_view principal = {}) {
    limit_request r = request_from("192.0.2.9", path);
    r.principal = principal;
    const outcome o = decide(*checker, io, r);
    limit_verdict expected;
    local_checker->check(r, expected);
    EXPECT_TRUE(o.pending);
    EXPECT_EQ(o.verdict.limited, expected.limited) << path;
    EXPECT_EQ(o.verdict.policy, expected.policy) << path;
    // RateLimit up to its reset time (which depends on when each store was asked).
    EXPECT_EQ(o.verdict.state.substr(0, o.verdict.state.find(";t=")),
              expected.state.substr(0, expected.state.find(";t=")))
        << path;
    EXPECT_EQ(o.verdict.retry_after.empty(), expected.retry_after.empty()) << path;
    return o.verdict;
  };
  EXPECT_EQ(same("/narrow/x").policy, "\"several-narrow\";q=1;w=3600");  // 1 left of 2, fewer than wide's 9
  EXPECT_EQ(same("/narrow/x").state.substr(0, 23), "\"several-narrow\";r=0;t=");
  EXPECT_TRUE(same("/narrow/x").limited);
  EXPECT_EQ(same("/other").state.substr(0, 19), "\"several-wide\";r=6;");
  EXPECT_FALSE(same("/other", "alice").limited);
  EXPECT_TRUE(same("/other", "alice").limited);  // the principal limit is the nearest now
  EXPECT_EQ(refusals(*limiter, "several-narrow"), 1U);
  EXPECT_EQ(refusals(*limiter, "several-users"), 1U);
  EXPECT_EQ(refusals(*limiter, "several-wide"), 0U);
  // A request no limit covers is answered at once, with nothing to say, and asks Redis nothing.
  const auto only_a =
      make_limiter("[[rate_limit.limits]]\nname = \"several-only-a\"\nvhost = \"a.test\"\nrate = \"1/s\"\n");
  auto only_a_checker = only_a->make_checker(io);
  ASSERT_TRUE(wait_connected(io, *only_a));
  limit_request other = request_from("192.0.2.9", "/x", &waiter_, 99);
  other.vhost = "b.test";
  limit_verdict v;
  v.policy = "stale";
  EXPECT_TRUE(only_a_checker->check(other, v));
  EXPECT_TRUE(v.policy.empty());
  EXPECT_FALSE(v.limited);
  EXPECT_EQ(redis_stats(*only_a).calls, 0U);
  EXPECT_EQ(waiter_.times(99), 0U);
}

// Redis stopped (SIGSTOP): the calls time out and the failure action decides.
class RedisLimiterPausedTest : public RedisLimiterTest {
 protected:
  // Decides once through Redis (burst 1 used there), stops Redis, then asks twice more.
  std::vector<outcome> run(const std::string& name, const std::string& on_error) {
    const auto limiter = make_limiter("[[rate_limit.limits]]\nname = \"" + name + "\"\nrate = \"1/h\"\nburst = 1\n",
                                      "timeout_ms = 200\n" + on_error);
    asio::io_context io;
    auto checker = limiter->make_checker(io);
    EXPECT_TRUE(wait_connected(io, *limiter));
    std::vector<outcome> out;
    out.push_back(decide(*checker, io, request_from("203.0.113.5")));
    const rate_limit_redis_stats before = redis_stats(*limiter);
    EXPECT_EQ(before.fallback_local + before.fallback_open + before.fallback_closed, 0U);
    server_.pause();
    for (int i = 0; i < 2; ++i) {
      const auto start = std::chrono::steady_clock::now();
      out.push_back(decide(*checker, io, request_from("203.0.113.5")));
      EXPECT_TRUE(out.back().pending);
      // Within the call's timeout (and some scheduling slack), never later.
      const auto elapsed = std::chrono::steady_clock::now() - start;
      EXPECT_GE(elapsed, 190ms);
      EXPECT_LT(elapsed, 1500ms);
    }
    server_.resume();
    stats_ = redis_stats(*limiter);
    return out;
  }

  rate_limit_redis_stats stats_;
};

TEST_F(RedisLimiterPausedTest, FailOpenWithLocalFallbackDecidesLocally) {
  const auto o = run("paused-local", "");
  ASSERT_EQ(o.size(), 3U);
  EXPECT_TRUE(o[0].pending);
  EXPECT_FALSE(o[0].verdict.limited);
  // Redis has used the burst; the local table has not: it admits one, then refuses.
  EXPECT_TRUE(o[1].pending);
  EXPECT_FALSE(o[1].verdict.limited);
  EXPECT_EQ(o[1].verdict.policy, "\"paused-local\";q=1;w=3600");
  EXPECT_TRUE(o[2].verdict.limited);
  EXPECT_FALSE(o[2].verdict.unavailable);
  EXPECT_EQ(stats_.fallback_local, 2U);
  EXPECT_GE(stats_.timeouts, 1U);
}

TEST_F(RedisLimiterPausedTest, FailOpenWithoutFallbackLetsThrough) {
  const auto o = run("paused-open", "local_fallback = false\n");
  ASSERT_EQ(o.size(), 3U);
  for (std::size_t i = 1; i < o.size(); ++i) {
    EXPECT_FALSE(o[i].verdict.limited) << i;
    EXPECT_FALSE(o[i].verdict.unavailable) << i;
    EXPECT_TRUE(o[i].verdict.policy.empty()) << i;  // no limit decided
  }
  EXPECT_EQ(stats_.fallback_open, 2U);
  EXPECT_EQ(stats_.fallback_local, 0U);
}

TEST_F(RedisLimiterPausedTest, FailClosedRefusesWith503) {
  const auto o = run("paused-closed", "on_error = \"fail_closed\"\n");
  ASSERT_EQ(o.size(), 3U);
  EXPECT_FALSE(o[0].verdict.unavailable);
  for (std::size_t i = 1; i < o.size(); ++i) {
    EXPECT_TRUE(o[i].verdict.unavailable) << i;
    EXPECT_FALSE(o[i].verdict.limited) << i;
    EXPECT_EQ(o[i].verdict.retry_after, "1") << i;
    EXPECT_TRUE(o[i].verdict.policy.empty()) << i;
  }
  EXPECT_EQ(stats_.fallback_closed, 2U);
}

TEST_F(RedisLimiterTest, KilledRedisMeansLocalDecisionsAtOnceUntilItIsBack) {
  const auto limiter = make_limiter("[[rate_limit.limits]]\nname = \"killed\"\nrate = \"1/h\"\nburst = 2\n");
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  ASSERT_TRUE(wait_connected(io, *limiter));
  EXPECT_TRUE(decide(*checker, io, request_from("192.0.2.77")).pending);
  server_.kill();
  ASSERT_TRUE(run_until(io, [&] { return redis_stats(*limiter).connections == 0; }));
  // No connection: decided at once by the local table (its own burst of 2), no waiter involved.
  for (int i = 0; i < 3; ++i) {
    const outcome o = decide(*checker, io, request_from("192.0.2.77"));
    EXPECT_FALSE(o.pending) << i;
    EXPECT_EQ(o.verdict.limited, i == 2) << i;
  }
  EXPECT_EQ(waiter_.total(), 1U);
  EXPECT_EQ(redis_stats(*limiter).fallback_local, 3U);
  EXPECT_GE(redis_stats(*limiter).unavailable, 3U);
  // Back (empty): Redis decides again, from a full burst.
  server_.restart();
  ASSERT_TRUE(run_until(io, [&] { return redis_stats(*limiter).connections == 1; }, 15s));
  const outcome back = decide(*checker, io, request_from("192.0.2.77"));
  EXPECT_TRUE(back.pending);
  EXPECT_FALSE(back.verdict.limited);
  EXPECT_EQ(back.verdict.state.substr(0, 13), "\"killed\";r=1;");
  EXPECT_GE(redis_stats(*limiter).reconnects, 1U);
  EXPECT_EQ(redis_stats(*limiter).fallback_local, 3U);
}

TEST_F(RedisLimiterTest, DestroyingACheckerTellsEveryWaiter) {
  const auto limiter = make_limiter("[[rate_limit.limits]]\nname = \"destroyed\"\nrate = \"1/h\"\nburst = 2\n",
                                    "timeout_ms = 5000\n");
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  ASSERT_TRUE(wait_connected(io, *limiter));
  server_.pause();
  limit_verdict v;
  for (std::uint32_t tag = 1; tag <= 3; ++tag) {
    EXPECT_FALSE(checker->check(request_from("192.0.2.3", "/x", &waiter_, tag), v)) << tag;
  }
  test::run_for(io, 50ms);  // the calls are written; Redis does not answer
  EXPECT_EQ(waiter_.total(), 0U);
  checker.reset();
  // Every waiter heard while the checker went away, from the local table (burst 2 of 3).
  EXPECT_EQ(waiter_.total(), 3U);
  int limited = 0;
  for (std::uint32_t tag = 1; tag <= 3; ++tag) {
    EXPECT_EQ(waiter_.times(tag), 1U) << tag;
    limited += waiter_.verdict(tag).limited ? 1 : 0;
  }
  EXPECT_EQ(limited, 1);
  server_.resume();
  test::run_for(io, 100ms);  // what was queued for the client finds it gone
  EXPECT_EQ(waiter_.total(), 3U);
  const rate_limit_redis_stats stats = redis_stats(*limiter);
  EXPECT_EQ(stats.fallback_local, 3U);
  EXPECT_EQ(stats.calls, 3U);  // a destroyed client's counters stay in the totals
  EXPECT_EQ(stats.connections, 0U);
}

TEST_F(RedisLimiterTest, LongHeaderValuesAreKeyedByTheirDigest) {
  const auto limiter =
      make_limiter("[[rate_limit.limits]]\nname = \"tenants\"\nkey = \"header:X-Tenant\"\nrate = \"1/h\"\nburst = 1\n");
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  ASSERT_TRUE(wait_connected(io, *limiter));
  const std::string first(5000, 'a');
  const std::string second = std::string(4999, 'a') + "b";  // differs only beyond any prefix
  const auto ask = [&](const std::string& tenant) {
    request req;
    req.add_header("X-Tenant", tenant);
    limit_request r = request_from("192.0.2.1");
    r.req = &req;
    return decide(*checker, io, r);
  };
  const outcome a = ask(first);
  const outcome b = ask(second);
  const outcome again = ask(first);
  EXPECT_TRUE(a.pending && b.pending && again.pending);
  EXPECT_FALSE(a.verdict.limited);
  EXPECT_FALSE(b.verdict.limited);
  EXPECT_TRUE(again.verdict.limited);
  const rate_limit_redis_stats stats = redis_stats(*limiter);
  EXPECT_EQ(stats.errors, 0U);
  EXPECT_EQ(stats.fallback_local, 0U);
  test::blocking_redis redis(server_.port());
  const redis_reply keys = redis.command({"KEYS", "ferry:rl:tenants\x1e*"});
  ASSERT_EQ(keys.elements.size(), 2U);
  EXPECT_EQ(keys.elements[0].text.size(), std::string("ferry:rl:tenants\x1e").size() + 64);
  // A header value that fits is kept as it is.
  EXPECT_FALSE(ask("small").verdict.limited);
  EXPECT_EQ(redis.command({"EXISTS", "ferry:rl:tenants\x1fsmall"}).integer, 1);
}

TEST_F(RedisLimiterTest, WithoutAWaiterNothingIsPending) {
  const auto limiter = make_limiter("[[rate_limit.limits]]\nname = \"no-waiter\"\nrate = \"1/h\"\nburst = 1\n",
                                    "key_prefix = \"nw:\"\n");
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  ASSERT_TRUE(wait_connected(io, *limiter));
  limit_verdict v;
  EXPECT_TRUE(checker->check(request_from("192.0.2.50"), v));
  EXPECT_FALSE(v.limited);
  EXPECT_TRUE(checker->check(request_from("192.0.2.50"), v));
  EXPECT_TRUE(v.limited);  // the local table decided both
  const rate_limit_redis_stats stats = redis_stats(*limiter);
  EXPECT_EQ(stats.calls, 0U);
  EXPECT_EQ(stats.fallback_local, 2U);
  // With a waiter the same client goes to Redis (another key prefix, a fresh bucket).
  EXPECT_TRUE(decide(*checker, io, request_from("192.0.2.50")).pending);
  test::blocking_redis redis(server_.port());
  EXPECT_EQ(redis.command({"EXISTS", "nw:no-waiter\x1f" "192.0.2.50/32"}).integer, 1);

  const auto closed = make_limiter("[[rate_limit.limits]]\nname = \"no-waiter-closed\"\nrate = \"1/h\"\n",
                                   "on_error = \"fail_closed\"\n");
  auto closed_checker = closed->make_checker(io);
  ASSERT_TRUE(wait_connected(io, *closed));
  EXPECT_TRUE(closed_checker->check(request_from("192.0.2.50"), v));
  EXPECT_TRUE(v.unavailable);
  EXPECT_EQ(v.retry_after, "1");
}

TEST_F(RedisLimiterTest, TheFirstDecisionsWaitForTheFirstConnection) {
  // A checker just made (start, reload): its first requests wait the few milliseconds its
  // connections take, and Redis decides them; no fallback.
  const auto limiter = make_limiter("[[rate_limit.limits]]\nname = \"early\"\nrate = \"1/h\"\nburst = 1\n",
                                    "local_fallback = false\n");
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  // The loop has not run: nothing is connected yet.
  const outcome first = decide(*checker, io, request_from("192.0.2.60"));
  EXPECT_TRUE(first.pending);
  EXPECT_FALSE(first.verdict.limited);
  const outcome second = decide(*checker, io, request_from("192.0.2.60"));
  EXPECT_TRUE(second.verdict.limited);  // Redis counted the first
  EXPECT_EQ(redis_stats(*limiter).fallback_open, 0U);
  EXPECT_EQ(redis_stats(*limiter).unavailable, 0U);
}

TEST_F(RedisLimiterTest, NoRedisAtStartMeansAnAnswerWithoutWaitingOut) {
  const auto limiter = std::make_shared<const redis_request_limiter>(parse_settings(
      "[rate_limit]\nbackend = \"redis\"\n[rate_limit.redis]\nport = " + std::to_string(test::free_port()) +
      "\nconnections = 1\ntimeout_ms = 5000\nlocal_fallback = false\n"
      "[[rate_limit.limits]]\nname = \"early\"\nrate = \"1/h\"\nburst = 1\n"));
  asio::io_context io;
  auto checker = limiter->make_checker(io);
  // Both first attempts are refused: the waiting decision goes to on_error then.
  const outcome o = decide(*checker, io, request_from("192.0.2.61"));
  EXPECT_FALSE(o.verdict.limited);
  EXPECT_EQ(redis_stats(*limiter).fallback_open, 1U);
  EXPECT_EQ(redis_stats(*limiter).unavailable, 1U);
}

TEST_F(RedisLimiterTest, MetricsSumTheWorkersClients) {
  const auto limiter = make_limiter("[[rate_limit.limits]]\nname = \"metrics\"\nrate = \"100/s\"\n");
  asio::io_context io_a;
  asio::io_context io_b;
  auto checker_a = limiter->make_checker(io_a);
  auto checker_b = limiter->make_checker(io_b);
  ASSERT_TRUE(wait_connected(io_a, *limiter, 1));
  ASSERT_TRUE(wait_connected(io_b, *limiter, 2));
  for (int i = 0; i < 4; ++i) decide(*checker_a, io_a, request_from("192.0.2.1"));
  for (int i = 0; i < 3; ++i) decide(*checker_b, io_b, request_from("192.0.2.1"));
  rate_limit_redis_stats stats = redis_stats(*limiter);
  EXPECT_EQ(stats.calls, 7U);
  std::uint64_t answered = 0;
  for (const std::uint64_t n : stats.latency_buckets) answered += n;
  EXPECT_EQ(answered, 7U);
  EXPECT_GT(stats.latency_sum_seconds, 0.0);
  EXPECT_EQ(stats.connections, 2U);
  // A replaced checker's counts stay; a new one adds its own.
  checker_a.reset();
  auto checker_c = limiter->make_checker(io_a);
  ASSERT_TRUE(wait_connected(io_a, *limiter, 2));
  decide(*checker_c, io_a, request_from("192.0.2.1"));
  stats = redis_stats(*limiter);
  EXPECT_EQ(stats.calls, 8U);
  EXPECT_EQ(stats.connections, 2U);
  EXPECT_EQ(limiter->stats().limits.size(), 1U);
}

}  // namespace
}  // namespace ferry
