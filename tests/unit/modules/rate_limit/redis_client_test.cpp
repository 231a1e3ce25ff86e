// redis_client against a real redis-server on 127.0.0.1 (plain, AUTH, TLS) and against a fake
// one that misbehaves: pipelining, ordering after timeouts, NOSCRIPT recovery, a stopped or
// killed server (every call answered within its timeout, never a hang), reconnection with
// backoff, and shutdown with calls pending.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "modules/rate_limit/redis_client.hpp"
#include "redis_test_support.hpp"

namespace ferry {
namespace {

using namespace std::chrono_literals;
using test::redis_server;
using test::run_until;
using clock_type = std::chrono::steady_clock;

struct outcome {
  bool done = false;
  std::error_code ec;
  redis_reply reply;
  bool has_reply = false;
  clock_type::time_point at;
};

// A callback that records into `o` (which must outlive the call).
redis_client::callback record(outcome& o) {
  return [&o](std::error_code ec, const redis_reply* reply) {
    EXPECT_FALSE(o.done) << "callback ran twice";
    o.done = true;
    o.ec = ec;
    o.at = clock_type::now();
    if (reply != nullptr) {
      o.reply = *reply;
      o.has_reply = true;
    }
  };
}

redis_client_config config_for(std::uint16_t port) {
  redis_client_config config;
  config.host = "127.0.0.1";
  config.port = port;
  config.timeout = 200ms;
  config.connect_timeout = 500ms;
  config.backoff_min = 20ms;
  config.backoff_max = 200ms;
  return config;
}

class RedisClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<redis_client> make_client(const redis_client_config& config) {
    std::string error;
    auto client = redis_client::create(io_, config, error);
    EXPECT_TRUE(client) << error;
    return client;
  }

  std::unique_ptr<redis_client> connected_client(const redis_client_config& config) {
    auto client = make_client(config);
    client->start();
    EXPECT_TRUE(run_until(io_, [&] { return client->connections_up() == config.connections; }))
        << client->last_error();
    return client;
  }

  // Sends one command and runs the loop until it is answered.
  outcome call_and_wait(redis_client& client, std::initializer_list<std::string_view> args) {
    outcome o;
    const std::vector<std::string_view> argv(args);
    const std::error_code refused = client.call(argv, record(o));
    if (refused) {
      o.done = true;
      o.ec = refused;
      return o;
    }
    EXPECT_TRUE(run_until(io_, [&] { return o.done; }));
    return o;
  }

  asio::io_context io_;
};

TEST_F(RedisClientTest, ConnectsAndAnswers) {
  redis_server server;
  auto client = connected_client(config_for(server.port()));
  const outcome pong = call_and_wait(*client, {"PING"});
  EXPECT_FALSE(pong.ec);
  EXPECT_EQ(pong.reply.type, redis_reply::kind::status);
  EXPECT_EQ(pong.reply.text, "PONG");

  const std::string key("bin\r\n\0key", 9);
  const std::string value("v\0\r\n", 4);
  EXPECT_FALSE(call_and_wait(*client, {"SET", key, value}).ec);
  const outcome got = call_and_wait(*client, {"GET", key});
  EXPECT_EQ(got.reply.type, redis_reply::kind::string);
  EXPECT_EQ(got.reply.text, value);

  const outcome wrong = call_and_wait(*client, {"NOSUCHCOMMAND"});
  EXPECT_EQ(wrong.ec, redis_errc::server_error);
  ASSERT_TRUE(wrong.has_reply);
  EXPECT_TRUE(wrong.reply.is_error());
  EXPECT_EQ(client->stats().errors.get(), 1u);
  EXPECT_EQ(client->stats().calls.get(), 4u);
  EXPECT_EQ(client->stats().connections_up.get(), 2u);
  std::uint64_t counted = 0;
  for (const auto& bucket : client->stats().latency_buckets) counted += bucket.get();
  EXPECT_EQ(counted, 4u);
}

TEST_F(RedisClientTest, RefusesAtOnceWhenNothingIsUp) {
  redis_server server;
  auto client = make_client(config_for(server.port()));
  outcome o;
  const std::string_view ping[] = {"PING"};
  EXPECT_EQ(client->call(ping, record(o)), redis_errc::unavailable);  // not started
  EXPECT_EQ(client->call({}, record(o)), redis_errc::invalid_command);
  EXPECT_EQ(client->stats().unavailable.get(), 1u);
  test::run_for(io_, 20ms);
  EXPECT_FALSE(o.done);  // a refused call's callback never runs
}

TEST_F(RedisClientTest, CallsRightAfterStartWaitForTheFirstConnection) {
  // A client just made (a reload): its first calls are not refused while it connects.
  redis_server server;
  auto client = make_client(config_for(server.port()));
  client->start();
  std::vector<outcome> outcomes(20);
  const std::string_view ping[] = {"PING"};
  for (auto& o : outcomes) ASSERT_FALSE(client->call(ping, record(o)));
  ASSERT_TRUE(run_until(io_, [&] {
    for (const auto& o : outcomes) {
      if (!o.done) return false;
    }
    return true;
  }));
  for (const auto& o : outcomes) {
    EXPECT_FALSE(o.ec) << o.ec.message();
    EXPECT_EQ(o.reply.text, "PONG");
  }
  EXPECT_EQ(client->stats().unavailable.get(), 0u);
}

TEST_F(RedisClientTest, WaitingCallsFailOnceEveryFirstAttemptHasFailed) {
  // Nothing listens: both first attempts are refused at once, and so are the waiting calls,
  // well before their timeout; later calls are refused without waiting.
  auto config = config_for(test::free_port());
  config.timeout = 2s;
  auto client = make_client(config);
  client->start();
  const auto start = clock_type::now();
  outcome waiting;
  const std::string_view ping[] = {"PING"};
  ASSERT_FALSE(client->call(ping, record(waiting)));
  ASSERT_TRUE(run_until(io_, [&] { return waiting.done; }, 3s));
  EXPECT_EQ(waiting.ec, redis_errc::unavailable);
  EXPECT_LT(waiting.at - start, 1s);
  outcome later;
  EXPECT_EQ(client->call(ping, record(later)), redis_errc::unavailable);
  EXPECT_EQ(client->stats().unavailable.get(), 2u);
}

TEST_F(RedisClientTest, WaitingCallsTimeOutWhenTheHandshakeHangs) {
  // A server that accepts and never answers: the call ends at its own timeout, not at the
  // (longer) connect timeout.
  asio::ip::tcp::acceptor silent(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<asio::ip::tcp::socket> held;
  std::function<void()> accept = [&] {
    silent.async_accept([&](const std::error_code& ec, asio::ip::tcp::socket s) {
      if (ec) return;
      held.push_back(std::move(s));
      accept();
    });
  };
  accept();
  auto config = config_for(silent.local_endpoint().port());
  config.timeout = 100ms;
  config.connect_timeout = 2s;
  auto client = make_client(config);
  client->start();
  const auto start = clock_type::now();
  outcome o;
  const std::string_view ping[] = {"PING"};
  ASSERT_FALSE(client->call(ping, record(o)));
  ASSERT_TRUE(run_until(io_, [&] { return o.done; }, 3s));
  EXPECT_EQ(o.ec, redis_errc::timeout);
  EXPECT_GE(o.at - start, 90ms);
  EXPECT_LT(o.at - start, 1s);
  EXPECT_EQ(client->stats().timeouts.get(), 1u);
  client.reset();
  std::error_code ignored;
  silent.close(ignored);
}

TEST_F(RedisClientTest, PipelinesManyCallsInOrder) {
  redis_server server;
  auto client = connected_client(config_for(server.port()));
  constexpr int count = 2000;
  std::vector<outcome> outcomes(count);
  const std::string_view incr[] = {"INCR", "counter"};
  for (auto& o : outcomes) ASSERT_FALSE(client->call(incr, record(o)));
  ASSERT_TRUE(run_until(io_, [&] {
    for (const auto& o : outcomes) {
      if (!o.done) return false;
    }
    return true;
  }));
  std::set<std::int64_t> seen;
  for (const auto& o : outcomes) {
    ASSERT_FALSE(o.ec) << o.ec.message();
    seen.insert(o.reply.integer);
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), count);
  // Each connection's replies come back in the order of its calls.
  std::vector<outcome> ordered(50);
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    const std::string n = std::to_string(i);
    const std::string_view echo[] = {"ECHO", n};
    ASSERT_FALSE(client->call(echo, record(ordered[i])));
  }
  ASSERT_TRUE(run_until(io_, [&] { return ordered.back().done && ordered.front().done; }));
  ASSERT_TRUE(run_until(io_, [&] {
    for (const auto& o : ordered) {
      if (!o.done) return false;
    }
    return true;
  }));
  for (std::size_t i = 0; i < ordered.size(); ++i) EXPECT_EQ(ordered[i].reply.text, std::to_string(i));
}

TEST_F(RedisClientTest, FullPipelineIsRefusedAtOnce) {
  redis_server server;
  auto config = config_for(server.port());
  config.connections = 1;
  config.max_pending = 4;
  auto client = connected_client(config);
  std::vector<outcome> outcomes(10);
  const std::string_view ping[] = {"PING"};
  int accepted = 0;
  int refused = 0;
  for (auto& o : outcomes) {
    if (client->call(ping, record(o))) {
      ++refused;
    } else {
      ++accepted;
    }
  }
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(refused, 6);
  EXPECT_EQ(client->stats().unavailable.get(), 6u);
  ASSERT_TRUE(run_until(io_, [&] { return outcomes[3].done; }));
  EXPECT_FALSE(outcomes[0].ec);
}

TEST_F(RedisClientTest, AuthenticatesWithAPassword) {
  redis_server server({.args = {"--requirepass", "s3cret"}});
  auto config = config_for(server.port());
  config.password = "s3cret";
  config.db = 3;
  auto client = connected_client(config);
  EXPECT_FALSE(call_and_wait(*client, {"SET", "in-db-3", "yes"}).ec);
  // The same key is absent from db 0 and present in db 3.
  test::blocking_redis check(server.port());
  EXPECT_EQ(check.command({"AUTH", "s3cret"}).text, "OK");
  EXPECT_EQ(check.command({"EXISTS", "in-db-3"}).integer, 0);
  EXPECT_EQ(check.command({"SELECT", "3"}).text, "OK");
  EXPECT_EQ(check.command({"EXISTS", "in-db-3"}).integer, 1);

  // AUTH with a user name (Redis 6 ACLs).
  config.username = "default";
  config.db = 0;
  auto with_user = connected_client(config);
  EXPECT_FALSE(call_and_wait(*with_user, {"PING"}).ec);
}

TEST_F(RedisClientTest, WrongOrMissingPasswordNeverComesUp) {
  redis_server server({.args = {"--requirepass", "s3cret"}});
  for (const char* password : {"wrong", ""}) {
    auto config = config_for(server.port());
    config.password = password;
    auto client = make_client(config);
    client->start();
    test::run_for(io_, 150ms);
    EXPECT_EQ(client->connections_up(), 0u) << password;
    EXPECT_NE(client->last_error().find("refused"), std::string::npos) << client->last_error();
    outcome o;
    const std::string_view ping[] = {"PING"};
    EXPECT_EQ(client->call(ping, record(o)), redis_errc::unavailable);
    EXPECT_GE(client->stats().reconnects.get(), 1u);  // it keeps trying, with backoff
  }
}

TEST_F(RedisClientTest, RecoversFromNoscript) {
  redis_server server;
  auto client = connected_client(config_for(server.port()));
  const redis_script_id script = client->add_script("return tonumber(ARGV[1]) * 2");
  EXPECT_EQ(client->script_sha(script).size(), 40u);
  auto eval = [&](std::string_view n) {
    outcome o;
    const std::string_view args[] = {n};
    EXPECT_FALSE(client->call_script(script, {}, args, record(o)));
    EXPECT_TRUE(run_until(io_, [&] { return o.done; }));
    return o;
  };
  // Registered after the connections came up: the first call meets NOSCRIPT and recovers.
  EXPECT_EQ(eval("21").reply.integer, 42);
  test::blocking_redis check(server.port());
  EXPECT_EQ(check.command({"SCRIPT", "FLUSH"}).text, "OK");
  const outcome after_flush = eval("5");
  EXPECT_FALSE(after_flush.ec);
  EXPECT_EQ(after_flush.reply.integer, 10);
  EXPECT_EQ(client->stats().errors.get(), 0u);
  // A script error is reported, not retried forever.
  const redis_script_id broken = client->add_script("return redis.call('NOSUCHCOMMAND')");
  outcome o;
  EXPECT_FALSE(client->call_script(broken, {}, {}, record(o)));
  ASSERT_TRUE(run_until(io_, [&] { return o.done; }));
  EXPECT_EQ(o.ec, redis_errc::server_error);
}

TEST_F(RedisClientTest, LateReplyIsDiscardedAndOrderKept) {
  redis_server server({.args = {"--enable-debug-command", "yes"}});
  auto config = config_for(server.port());
  config.connections = 1;
  auto client = connected_client(config);
  // Redis sleeps 350 ms; the call times out at 200 ms, and a call made then must get its own
  // reply (not the sleeping one's) when Redis wakes.
  outcome slow;
  outcome next;
  const std::string_view sleep[] = {"DEBUG", "SLEEP", "0.35"};
  const auto start = clock_type::now();
  ASSERT_FALSE(client->call(sleep, [&](std::error_code ec, const redis_reply* reply) {
    record(slow)(ec, reply);
    const std::string_view echo[] = {"ECHO", "after"};
    EXPECT_FALSE(client->call(echo, record(next)));
  }));
  ASSERT_TRUE(run_until(io_, [&] { return next.done; }));
  EXPECT_EQ(slow.ec, redis_errc::timeout);
  EXPECT_LT(slow.at - start, 300ms);
  EXPECT_FALSE(next.ec) << next.ec.message();
  EXPECT_EQ(next.reply.text, "after");
  EXPECT_EQ(client->stats().timeouts.get(), 1u);
  EXPECT_EQ(client->connections_up(), 1u);  // one timeout does not trip the breaker
}

TEST_F(RedisClientTest, ConsecutiveTimeoutsTakeTheConnectionDown) {
  redis_server server({.args = {"--enable-debug-command", "yes"}});
  auto config = config_for(server.port());
  config.connections = 1;
  config.timeout = 50ms;
  auto client = connected_client(config);
  const std::string_view sleep[] = {"DEBUG", "SLEEP", "0.3"};
  std::vector<outcome> outcomes(3);
  for (auto& o : outcomes) ASSERT_FALSE(client->call(sleep, record(o)));
  ASSERT_TRUE(run_until(io_, [&] { return outcomes[2].done; }, 1s));
  for (const auto& o : outcomes) EXPECT_EQ(o.ec, redis_errc::timeout);
  EXPECT_EQ(client->connections_up(), 0u);
  outcome refused;
  const std::string_view ping[] = {"PING"};
  EXPECT_EQ(client->call(ping, record(refused)), redis_errc::unavailable);
  // Back once Redis answers again (after the sleeps), with a reconnection.
  ASSERT_TRUE(run_until(io_, [&] { return client->connections_up() == 1; }, 3s)) << client->last_error();
  EXPECT_GE(client->stats().reconnects.get(), 1u);
  EXPECT_FALSE(call_and_wait(*client, {"PING"}).ec);
}

TEST_F(RedisClientTest, StoppedServerAnswersEveryCallInTime) {
  redis_server server;
  auto config = config_for(server.port());
  config.timeout = 50ms;
  config.connect_timeout = 150ms;
  config.backoff_min = 20ms;
  config.backoff_max = 100ms;
  auto client = connected_client(config);
  server.pause();
  // Calls during 600 ms, every 5 ms: each is refused at once or answered (timeout or
  // unavailable) within its timeout plus scheduling slack.
  std::vector<outcome> outcomes(120);
  std::vector<clock_type::time_point> sent(outcomes.size());
  std::size_t refused = 0;
  const std::string_view ping[] = {"PING"};
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    sent[i] = clock_type::now();
    if (client->call(ping, record(outcomes[i]))) {
      ++refused;
      outcomes[i].done = true;
      outcomes[i].at = sent[i];
    }
    test::run_for(io_, 5ms);
  }
  ASSERT_TRUE(run_until(io_, [&] {
    for (const auto& o : outcomes) {
      if (!o.done) return false;
    }
    return true;
  }, 1s));
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_LE(outcomes[i].at - sent[i], 50ms + 40ms) << i;
    if (outcomes[i].ec) {
      EXPECT_TRUE(outcomes[i].ec == redis_errc::timeout || outcomes[i].ec == redis_errc::unavailable) << i;
    }
  }
  EXPECT_GT(refused, 50u);  // the breaker tripped: most calls did not even wait
  EXPECT_GE(client->stats().timeouts.get(), 3u);
  EXPECT_EQ(client->connections_up(), 0u);

  server.resume();
  ASSERT_TRUE(run_until(io_, [&] { return client->connections_up() == 2; }, 3s)) << client->last_error();
  const outcome pong = call_and_wait(*client, {"PING"});
  EXPECT_FALSE(pong.ec);
  EXPECT_EQ(pong.reply.text, "PONG");
}

TEST_F(RedisClientTest, ReconnectsAfterARestartOnTheSamePort) {
  redis_server server;
  auto config = config_for(server.port());
  auto client = connected_client(config);
  outcome pending;
  server.kill();
  // The connections notice (EOF) and refuse at once meanwhile.
  ASSERT_TRUE(run_until(io_, [&] { return client->connections_up() == 0; }, 2s));
  const std::string_view ping[] = {"PING"};
  EXPECT_EQ(client->call(ping, record(pending)), redis_errc::unavailable);
  test::run_for(io_, 300ms);  // several failed attempts: the backoff grows
  const auto attempts = client->stats().reconnects.get();
  EXPECT_GE(attempts, 2u);
  EXPECT_LE(attempts, 2u * 12u);  // 300 ms with a 20 ms minimum doubling: not a busy loop
  server.restart();
  ASSERT_TRUE(run_until(io_, [&] { return client->connections_up() == 2; }, 3s)) << client->last_error();
  EXPECT_FALSE(call_and_wait(*client, {"PING"}).ec);
}

TEST_F(RedisClientTest, ShutdownAnswersPendingCallsOnce) {
  redis_server server;
  auto client = connected_client(config_for(server.port()));
  server.pause();
  std::vector<outcome> outcomes(5);
  const std::string_view ping[] = {"PING"};
  for (auto& o : outcomes) ASSERT_FALSE(client->call(ping, record(o)));
  client.reset();  // destroyed with calls in flight
  for (const auto& o : outcomes) {
    EXPECT_TRUE(o.done);
    EXPECT_EQ(o.ec, redis_errc::shut_down);
  }
  test::run_for(io_, 50ms);  // handlers still queued find nothing to touch
  server.resume();
}

TEST_F(RedisClientTest, ACallbackMayDestroyTheClient) {
  redis_server server;
  auto client = connected_client(config_for(server.port()));
  std::vector<outcome> outcomes(20);
  const std::string_view ping[] = {"PING"};
  for (auto& o : outcomes) ASSERT_FALSE(client->call(ping, record(o)));
  bool destroyed = false;
  ASSERT_FALSE(client->call(ping, [&](std::error_code, const redis_reply*) {
    client.reset();  // from inside a reply's dispatch
    destroyed = true;
  }));
  ASSERT_TRUE(run_until(io_, [&] { return destroyed; }));
  for (const auto& o : outcomes) EXPECT_TRUE(o.done);  // answered, or shut_down by the destructor
  test::run_for(io_, 20ms);
}

TEST_F(RedisClientTest, AWaitingCallsCallbackMayDestroyTheClient) {
  // The calls waiting for a first connection fail together (nothing listens); the first
  // callback destroys the client, the others still hear shut_down, once.
  auto client = make_client(config_for(test::free_port()));
  client->start();
  std::vector<outcome> outcomes(5);
  const std::string_view ping[] = {"PING"};
  bool destroyed = false;
  ASSERT_FALSE(client->call(ping, [&](std::error_code, const redis_reply*) {
    client.reset();
    destroyed = true;
  }));
  for (auto& o : outcomes) ASSERT_FALSE(client->call(ping, record(o)));
  ASSERT_TRUE(run_until(io_, [&] { return destroyed; }, 3s));
  for (const auto& o : outcomes) EXPECT_TRUE(o.done);
  test::run_for(io_, 20ms);
}

TEST_F(RedisClientTest, Tls) {
  test::temp_dir dir;
  const test::redis_tls_files files = test::make_redis_tls_files(dir);
  redis_server server({.args = {}, .tls = &files, .tls_auth_clients = false});
  auto config = config_for(server.port());
  config.connect_timeout = 2s;
  config.tls.enabled = true;
  config.tls.ca_file = files.ca_cert;
  {
    auto client = connected_client(config);  // verified as 127.0.0.1 (an IP SAN)
    const outcome pong = call_and_wait(*client, {"PING"});
    EXPECT_EQ(pong.reply.text, "PONG");
    std::vector<outcome> outcomes(300);
    const std::string_view incr[] = {"INCR", "tls-counter"};
    for (auto& o : outcomes) ASSERT_FALSE(client->call(incr, record(o)));
    ASSERT_TRUE(run_until(io_, [&] {
      for (const auto& o : outcomes) {
        if (!o.done) return false;
      }
      return true;
    }));
    for (const auto& o : outcomes) EXPECT_FALSE(o.ec);
  }
  {
    auto by_name = config;
    by_name.tls.server_name = "localhost";  // SNI and a DNS SAN
    auto client = connected_client(by_name);
    EXPECT_FALSE(call_and_wait(*client, {"PING"}).ec);
  }
  auto never_up = [&](const redis_client_config& bad) {
    auto client = make_client(bad);
    client->start();
    test::run_for(io_, 200ms);
    EXPECT_EQ(client->connections_up(), 0u);
    return client->last_error();
  };
  auto wrong_ca = config;
  wrong_ca.tls.ca_file = files.other_ca_cert;
  EXPECT_NE(never_up(wrong_ca).find("certificate"), std::string::npos);
  auto wrong_name = config;
  wrong_name.tls.server_name = "redis.example";
  EXPECT_NE(never_up(wrong_name).find("certificate"), std::string::npos);
  auto plain = config;
  plain.tls.enabled = false;
  never_up(plain);

  std::string error;
  auto missing = config;
  missing.tls.ca_file = dir.file("nope.crt");
  EXPECT_FALSE(redis_client::create(io_, missing, error));
  EXPECT_NE(error.find("nope.crt"), std::string::npos);
}

TEST_F(RedisClientTest, TlsClientCertificate) {
  test::temp_dir dir;
  const test::redis_tls_files files = test::make_redis_tls_files(dir);
  redis_server server({.args = {}, .tls = &files, .tls_auth_clients = true});
  auto config = config_for(server.port());
  config.connect_timeout = 2s;
  config.tls.enabled = true;
  config.tls.ca_file = files.ca_cert;
  config.tls.cert_file = files.client_cert;
  config.tls.key_file = files.client_key;
  {
    auto client = connected_client(config);
    EXPECT_FALSE(call_and_wait(*client, {"PING"}).ec);
  }
  auto anonymous = config;
  anonymous.tls.cert_file.clear();
  anonymous.tls.key_file.clear();
  auto client = make_client(anonymous);
  client->start();
  test::run_for(io_, 200ms);
  EXPECT_EQ(client->connections_up(), 0u);
}

// A fake Redis on 127.0.0.1 that answers the handshake and then sends `then`.
class fake_redis {
 public:
  fake_redis(asio::io_context& io, std::string then)
      : acceptor_(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), then_(std::move(then)) {
    accept();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void close() {
    std::error_code ignored;
    acceptor_.close(ignored);
    for (auto& s : sockets_) s->close(ignored);
  }

 private:
  void accept() {
    acceptor_.async_accept([this](const std::error_code& ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      auto s = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
      sockets_.push_back(s);
      read(s, std::make_shared<std::string>(), std::make_shared<bool>(false));
      accept();
    });
  }
  // The first command (the handshake's PING) gets +PONG; anything after it gets `then`.
  void read(std::shared_ptr<asio::ip::tcp::socket> s, std::shared_ptr<std::string> buffer,
            std::shared_ptr<bool> greeted) {
    buffer->resize(4096);
    s->async_read_some(asio::buffer(*buffer), [this, s, buffer, greeted](const std::error_code& ec, std::size_t) {
      if (ec) return;
      const std::string answer = *greeted ? then_ : std::string("+PONG\r\n");
      *greeted = true;
      asio::write(*s, asio::buffer(answer));
      read(s, buffer, greeted);
    });
  }

  asio::ip::tcp::acceptor acceptor_;
  std::string then_;
  std::vector<std::shared_ptr<asio::ip::tcp::socket>> sockets_;
};

TEST_F(RedisClientTest, HostileServerIsDropped) {
  for (const std::string& then :
       {std::string("$99999999999\r\n"), std::string("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"), std::string("?\r\n"),
        std::string("+OK\r\n+OK\r\n")}) {
    fake_redis fake(io_, then);
    auto config = config_for(fake.port());
    config.connections = 1;
    auto client = connected_client(config);
    outcome o;
    const std::string_view ping[] = {"PING"};
    ASSERT_FALSE(client->call(ping, record(o)));
    ASSERT_TRUE(run_until(io_, [&] { return client->connections_up() == 0; }, 1s)) << then;
    if (then.starts_with("+OK")) {
      EXPECT_FALSE(o.ec);  // its own reply; the extra one is the protocol violation
      EXPECT_NE(client->last_error().find("nobody asked"), std::string::npos) << client->last_error();
    } else {
      EXPECT_EQ(o.ec, redis_errc::unavailable) << then;
      EXPECT_NE(client->last_error().find("protocol"), std::string::npos) << client->last_error();
    }
    client.reset();
    fake.close();
    test::run_for(io_, 10ms);
  }
}

TEST_F(RedisClientTest, RejectsInvalidConfigurations) {
  std::string error;
  auto config = config_for(6379);
  config.connections = 0;
  EXPECT_FALSE(redis_client::create(io_, config, error));
  config = config_for(6379);
  config.timeout = 0ms;
  EXPECT_FALSE(redis_client::create(io_, config, error));
  config = config_for(6379);
  config.backoff_max = 1ms;
  EXPECT_FALSE(redis_client::create(io_, config, error));
  config = config_for(6379);
  config.username = "user";
  EXPECT_FALSE(redis_client::create(io_, config, error));
  config = config_for(6379);
  config.tls.enabled = true;
  config.tls.cert_file = "/nonexistent.crt";
  EXPECT_FALSE(redis_client::create(io_, config, error));
}

}  // namespace
}  // namespace ferry
