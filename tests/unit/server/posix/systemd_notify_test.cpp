#include "server/systemd_notify.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "temp_dir.hpp"

namespace ferry {
namespace {

constexpr std::size_t path_offset = offsetof(sockaddr_un, sun_path);

// A datagram socket the test binds, standing in for systemd's notify socket.
class receiver {
 public:
  // `name` is a path, or "@name" for the abstract namespace.
  explicit receiver(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name_.data(), name_.size());
    socklen_t length = static_cast<socklen_t>(path_offset + name_.size() + 1);
    if (name_.front() == '@') {
      address.sun_path[0] = '\0';
      length = static_cast<socklen_t>(path_offset + name_.size());
    }
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
  }
  ~receiver() {
    ::close(fd_);
    if (name_.front() == '/') ::unlink(name_.c_str());
  }
  receiver(const receiver&) = delete;
  receiver& operator=(const receiver&) = delete;

  bool bound() const { return bound_; }

  // The next datagram, or "" after `timeout_ms` without one.
  std::string next(int timeout_ms = 2000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return {};
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n <= 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(n));
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string unique_abstract_name() {
  return "@ferry-notify-test-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

TEST(notify_socket_address, absolute_path_is_nul_terminated) {
  sockaddr_un a{};
  socklen_t length = 0;
  ASSERT_TRUE(notify_socket_address("/run/systemd/notify", a, length));
  EXPECT_EQ(a.sun_family, AF_UNIX);
  EXPECT_STREQ(a.sun_path, "/run/systemd/notify");
  EXPECT_EQ(length, path_offset + std::strlen("/run/systemd/notify") + 1);
}

TEST(notify_socket_address, at_sign_means_abstract_namespace_with_exact_length) {
  sockaddr_un a{};
  socklen_t length = 0;
  ASSERT_TRUE(notify_socket_address("@ferry/notify", a, length));
  EXPECT_EQ(a.sun_path[0], '\0');
  EXPECT_EQ(std::string(a.sun_path + 1, 12), "ferry/notify");
  EXPECT_EQ(length, path_offset + 13);  // '\0' + 12 bytes, no terminator
}

TEST(notify_socket_address, rejects_what_is_not_a_path_or_abstract_name) {
  sockaddr_un a{};
  socklen_t length = 0;
  EXPECT_FALSE(notify_socket_address("", a, length));
  EXPECT_FALSE(notify_socket_address("@", a, length));
  EXPECT_FALSE(notify_socket_address("/", a, length));
  EXPECT_FALSE(notify_socket_address("relative/notify", a, length));
  EXPECT_FALSE(notify_socket_address("vsock:2:1234", a, length));
  EXPECT_FALSE(notify_socket_address(std::string_view("/run/a\0b", 8), a, length));
  EXPECT_FALSE(notify_socket_address(std::string_view("@a\0b", 4), a, length));
}

TEST(notify_socket_address, length_limits_of_sun_path) {
  sockaddr_un a{};
  socklen_t length = 0;
  const std::size_t room = sizeof a.sun_path;  // 108 on Linux
  EXPECT_TRUE(notify_socket_address("/" + std::string(room - 2, 'p'), a, length));   // + NUL fits
  EXPECT_FALSE(notify_socket_address("/" + std::string(room - 1, 'p'), a, length));  // no room for NUL
  EXPECT_TRUE(notify_socket_address("@" + std::string(room - 1, 'p'), a, length));   // abstract: no NUL
  EXPECT_EQ(length, path_offset + room);
  EXPECT_FALSE(notify_socket_address("@" + std::string(room, 'p'), a, length));
  EXPECT_FALSE(notify_socket_address("/" + std::string(100000, 'p'), a, length));
}

TEST(notify_messages, ready_carries_status_and_main_pid) {
  EXPECT_EQ(notify_ready_message("serving /srv/www", 1234), "READY=1\nSTATUS=serving /srv/www\nMAINPID=1234\n");
}

TEST(notify_messages, reloading_carries_the_monotonic_time) {
  EXPECT_EQ(notify_reloading_message(42, "reloading"), "RELOADING=1\nMONOTONIC_USEC=42\nSTATUS=reloading\n");
}

TEST(notify_messages, stopping) {
  EXPECT_EQ(notify_stopping_message("bye"), "STOPPING=1\nSTATUS=bye\n");
}

TEST(notify_messages, status_cannot_inject_other_assignments) {
  const auto message = notify_ready_message("x\nMAINPID=1\r\nWATCHDOG=1\x7f", 7);
  EXPECT_EQ(message, "READY=1\nSTATUS=x MAINPID=1  WATCHDOG=1 \nMAINPID=7\n");
  EXPECT_EQ(message.find("\nWATCHDOG"), std::string::npos);
  const auto stopping = notify_stopping_message(std::string("a\0b\nc", 5));
  EXPECT_EQ(stopping, "STOPPING=1\nSTATUS=a b c\n");
}

TEST(notify_messages, monotonic_usec_is_clock_monotonic_in_microseconds) {
  timespec before{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  const auto value = monotonic_usec();
  timespec after{};
  ::clock_gettime(CLOCK_MONOTONIC, &after);
  const auto as_usec = [](const timespec& t) {
    return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(t.tv_nsec) / 1000u;
  };
  EXPECT_LE(as_usec(before), value);
  EXPECT_LE(value, as_usec(after));
}

TEST(systemd_notifier, sends_to_a_path_socket) {
  const test::temp_dir dir;
  const auto path = dir.file("notify");
  receiver r(path);
  ASSERT_TRUE(r.bound());
  systemd_notifier n(path);
  EXPECT_TRUE(n.active());
  n.ready("serving");
  EXPECT_EQ(r.next(), "READY=1\nSTATUS=serving\nMAINPID=" + std::to_string(::getpid()) + "\n");
  n.reloading();
  const auto reloading = r.next();
  EXPECT_EQ(reloading.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << reloading;
  n.stopping("bye");
  EXPECT_EQ(r.next(), "STOPPING=1\nSTATUS=bye\n");
  ::rmdir(path.substr(0, path.rfind('/')).c_str());
}

TEST(systemd_notifier, sends_to_an_abstract_socket) {
  const auto name = unique_abstract_name();
  receiver r(name);
  ASSERT_TRUE(r.bound());
  systemd_notifier n(name);
  EXPECT_FALSE(n.send("READY=1\n"));
  EXPECT_EQ(r.next(), "READY=1\n");
}

TEST(systemd_notifier, without_a_socket_does_nothing) {
  systemd_notifier n;
  EXPECT_FALSE(n.active());
  EXPECT_FALSE(n.send("READY=1\n"));
  n.ready("x");
  n.reloading();
  n.stopping("x");
}

TEST(systemd_notifier, from_environment_reads_notify_socket) {
  const char* saved = std::getenv("NOTIFY_SOCKET");
  const std::string kept = saved == nullptr ? std::string() : saved;
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(systemd_notifier::from_environment().active());
  ::setenv("NOTIFY_SOCKET", "", 1);
  EXPECT_FALSE(systemd_notifier::from_environment().active());
  const auto name = unique_abstract_name();
  receiver r(name);
  ASSERT_TRUE(r.bound());
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  {
    auto n = systemd_notifier::from_environment();
    EXPECT_TRUE(n.active());
    n.stopping("env");
  }
  EXPECT_EQ(r.next(), "STOPPING=1\nSTATUS=env\n");
  EXPECT_STREQ(std::getenv("NOTIFY_SOCKET"), name.c_str());  // left for the caller
  if (saved != nullptr) {
    ::setenv("NOTIFY_SOCKET", kept.c_str(), 1);
  } else {
    ::unsetenv("NOTIFY_SOCKET");
  }
}

TEST(systemd_notifier, a_missing_or_invalid_socket_is_an_error_not_a_failure) {
  systemd_notifier missing("/nonexistent-ferry-dir/notify");
  EXPECT_TRUE(missing.active());
  EXPECT_TRUE(missing.send("READY=1\n"));
  missing.ready("still fine");  // must neither throw nor block
  systemd_notifier invalid("vsock:2:1");
  EXPECT_EQ(invalid.send("READY=1\n"), std::errc::invalid_argument);
  systemd_notifier unbound(unique_abstract_name());
  EXPECT_TRUE(unbound.send("READY=1\n"));
}

TEST(systemd_notifier, reconnects_when_the_receiver_was_recreated) {
  const test::temp_dir dir;
  const auto path = dir.file("notify");
  auto first = std::make_unique<receiver>(path);
  ASSERT_TRUE(first->bound());
  systemd_notifier n(path);
  EXPECT_FALSE(n.send("A=1\n"));
  EXPECT_EQ(first->next(), "A=1\n");
  first.reset();  // closes and unlinks: the connected socket now points nowhere
  receiver second(path);
  ASSERT_TRUE(second.bound());
  EXPECT_FALSE(n.send("B=1\n"));
  EXPECT_EQ(second.next(), "B=1\n");
  ::rmdir(path.substr(0, path.rfind('/')).c_str());
}

TEST(systemd_notifier, never_blocks_on_a_receiver_that_does_not_read) {
  const auto name = unique_abstract_name();
  receiver r(name);
  ASSERT_TRUE(r.bound());
  systemd_notifier n(name);
  const std::string message(1024, 'x');
  const auto start = std::chrono::steady_clock::now();
  bool refused = false;
  for (int i = 0; i < 100000 && !refused; ++i) refused = static_cast<bool>(n.send(message));
  EXPECT_TRUE(refused) << "a full receive queue should refuse, not block";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(r.next(), message);  // what was queued is intact
}

}  // namespace
}  // namespace ferry
