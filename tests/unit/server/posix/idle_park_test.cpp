// The idle park: parked sockets come back through on_wake when their peer writes or closes,
// with the record as it was parked; past their deadline, or on close_all, they are closed and
// reported through on_closed; a socket the park cannot watch stays the caller's.
#include "server/idle_park.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace ferry {
namespace {

using namespace std::chrono_literals;

struct socket_pair {
  int parked = -1;  // goes into the park
  int peer = -1;    // the "client" end, kept by the test
  socket_pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    parked = fds[0];
    peer = fds[1];
  }
  ~socket_pair() { ::close(peer); }
};

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

class idle_park_test : public ::testing::Test {
 protected:
  asio::io_context io;
  std::vector<parked_connection> woken;
  std::vector<parked_connection> closed;
  idle_park park{io, [this](const parked_connection& c) { woken.push_back(c); },
                 [this](const parked_connection& c) { closed.push_back(c); }};

  parked_connection record(int fd, std::chrono::steady_clock::duration idle = 60s) {
    parked_connection c;
    c.fd = fd;
    c.requests_served = 7;
    c.tenant_connection = 3;
    c.deadline = std::chrono::steady_clock::now() + idle;
    EXPECT_TRUE(c.set_remote("192.0.2.10"));
    return c;
  }

  // Runs the loop until `done` or a second has passed.
  template <typename Done>
  void run_until(Done done) {
    const auto end = std::chrono::steady_clock::now() + 1s;
    while (!done() && std::chrono::steady_clock::now() < end) {
      io.run_for(10ms);
      io.restart();
    }
  }
};

TEST_F(idle_park_test, PeerWritingHandsTheRecordBack) {
  socket_pair a, b;
  ASSERT_TRUE(park.park(record(a.parked)));
  ASSERT_TRUE(park.park(record(b.parked)));
  EXPECT_EQ(park.size(), 2u);
  io.run_for(20ms);  // nothing to read yet: nothing wakes
  io.restart();
  EXPECT_TRUE(woken.empty());

  ASSERT_EQ(::write(b.peer, "GET", 3), 3);
  run_until([&] { return !woken.empty(); });
  ASSERT_EQ(woken.size(), 1u);
  EXPECT_EQ(woken[0].fd, b.parked);
  EXPECT_EQ(woken[0].requests_served, 7u);
  EXPECT_EQ(woken[0].tenant_connection, 3u);
  EXPECT_EQ(woken[0].remote_text(), "192.0.2.10");
  EXPECT_EQ(park.size(), 1u);
  EXPECT_TRUE(is_open(b.parked));  // the woken socket is the handler's now, untouched
  char buf[3];
  EXPECT_EQ(::read(b.parked, buf, sizeof buf), 3);  // its bytes are still there
  ::close(b.parked);
  EXPECT_TRUE(closed.empty());
}

TEST_F(idle_park_test, PeerClosingWakesToo) {
  socket_pair a;
  ASSERT_TRUE(park.park(record(a.parked)));
  ::shutdown(a.peer, SHUT_WR);
  run_until([&] { return !woken.empty(); });
  ASSERT_EQ(woken.size(), 1u);
  EXPECT_EQ(park.size(), 0u);
  ::close(a.parked);
}

TEST_F(idle_park_test, ManyReadyAtOnceAllWake) {
  std::vector<socket_pair> pairs(200);  // more than one wake-up's batch
  for (auto& p : pairs) ASSERT_TRUE(park.park(record(p.parked)));
  for (auto& p : pairs) ASSERT_EQ(::write(p.peer, "x", 1), 1);
  run_until([&] { return woken.size() == pairs.size(); });
  EXPECT_EQ(woken.size(), pairs.size());
  EXPECT_EQ(park.size(), 0u);
  for (const auto& c : woken) ::close(c.fd);
}

TEST_F(idle_park_test, DeadlinesCloseAndReport) {
  socket_pair expired, alive;
  ASSERT_TRUE(park.park(record(expired.parked, -1s)));
  ASSERT_TRUE(park.park(record(alive.parked, 60s)));
  park.expire(std::chrono::steady_clock::now());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].fd, expired.parked);
  EXPECT_EQ(closed[0].tenant_connection, 3u);
  EXPECT_FALSE(is_open(expired.parked));
  EXPECT_TRUE(is_open(alive.parked));
  EXPECT_EQ(park.size(), 1u);
  char c;
  EXPECT_EQ(::read(expired.peer, &c, 1), 0);  // the client sees the close
}

TEST_F(idle_park_test, SweepsAtMostOnceASecond) {
  socket_pair a;
  park.expire(std::chrono::steady_clock::now());  // empty sweep: the next is a second away
  ASSERT_TRUE(park.park(record(a.parked, -1s)));
  park.expire(std::chrono::steady_clock::now());
  EXPECT_TRUE(closed.empty());
  park.expire(std::chrono::steady_clock::now() + 1100ms);
  EXPECT_EQ(closed.size(), 1u);
}

TEST_F(idle_park_test, CloseAllClosesEveryoneAndLetsTheLoopEnd) {
  socket_pair a, b;
  ASSERT_TRUE(park.park(record(a.parked)));
  ASSERT_TRUE(park.park(record(b.parked)));
  park.close_all();
  EXPECT_EQ(closed.size(), 2u);
  EXPECT_EQ(park.size(), 0u);
  EXPECT_FALSE(is_open(a.parked));
  // No wait is left pending: run() returns at once instead of blocking on the epoll descriptor.
  io.run();
}

TEST_F(idle_park_test, SocketItCannotWatchStaysTheCallers) {
  EXPECT_FALSE(park.park(record(-1)));
  const int file = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // epoll refuses regular files
  ASSERT_GE(file, 0);
  EXPECT_FALSE(park.park(record(file)));
  EXPECT_TRUE(is_open(file));
  EXPECT_EQ(park.size(), 0u);
  ::close(file);
}

TEST(parked_connection, AddressesRoundTrip) {
  parked_connection c;
  for (const char* text : {"127.0.0.1", "203.0.113.255", "::1", "2001:db8::7", "::ffff:192.0.2.1"}) {
    ASSERT_TRUE(c.set_remote(text)) << text;
    EXPECT_EQ(c.remote_text(), text);
  }
  for (const char* text : {"-", "", "localhost", "1.2.3", "2001:db8::g", "1.2.3.4.5"}) {
    EXPECT_FALSE(c.set_remote(text)) << text;
  }
  EXPECT_FALSE(c.set_remote(std::string(100, '1')));
}

}  // namespace
}  // namespace ferry
