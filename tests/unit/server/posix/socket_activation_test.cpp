#include "server/socket_activation.hpp"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "server/server.hpp"

namespace ferry {
namespace {

constexpr pid_t self = 4242;

listen_fds_environment parse(const char* pid, const char* fds, const char* names = nullptr) {
  return parse_listen_fds(pid, fds, names, self);
}

// A TCP socket on 127.0.0.1 (or ::1), bound to a free port, optionally listening. Closed at
// the end of the test unless released.
struct tcp_socket {
  int fd = -1;
  std::uint16_t port = 0;

  explicit tcp_socket(bool listening = true, int family = AF_INET, int type = SOCK_STREAM) {
    fd = ::socket(family, type | SOCK_CLOEXEC, 0);
    sockaddr_storage address{};
    socklen_t length = 0;
    if (family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&address);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
      length = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&address);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      length = sizeof *a;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) return;
    if (listening && type == SOCK_STREAM) ::listen(fd, 16);
    length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = address_port(address);
  }
  ~tcp_socket() {
    if (fd >= 0) ::close(fd);
  }
  tcp_socket(const tcp_socket&) = delete;
  tcp_socket& operator=(const tcp_socket&) = delete;
  int release() {
    const int out = fd;
    fd = -1;
    return out;
  }
};

sockaddr_storage ipv4(const char* text, std::uint16_t port) {
  sockaddr_storage out{};
  auto* a = reinterpret_cast<sockaddr_in*>(&out);
  a->sin_family = AF_INET;
  a->sin_port = htons(port);
  ::inet_pton(AF_INET, text, &a->sin_addr);
  return out;
}

sockaddr_storage ipv6(const char* text, std::uint16_t port) {
  sockaddr_storage out{};
  auto* a = reinterpret_cast<sockaddr_in6*>(&out);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  ::inet_pton(AF_INET6, text, &a->sin6_addr);
  return out;
}

// ---- LISTEN_* parsing ----

TEST(parse_listen_fds, nothing_set_means_no_sockets) {
  const auto env = parse(nullptr, nullptr);
  EXPECT_EQ(env.count, 0u);
  EXPECT_TRUE(env.error.empty());
  EXPECT_TRUE(env.ignored_because.empty());
}

TEST(parse_listen_fds, sockets_for_this_process) {
  const auto env = parse("4242", "2");
  EXPECT_TRUE(env.error.empty()) << env.error;
  EXPECT_EQ(env.count, 2u);
  EXPECT_EQ(env.names, (std::vector<std::string>{"", ""}));
}

TEST(parse_listen_fds, another_process_pid_is_ignored_not_an_error) {
  const auto env = parse("4243", "2", "http:https");
  EXPECT_EQ(env.count, 0u);
  EXPECT_TRUE(env.error.empty());
  EXPECT_NE(env.ignored_because.find("4243"), std::string::npos) << env.ignored_because;
}

TEST(parse_listen_fds, fds_without_pid_are_ignored) {
  const auto env = parse(nullptr, "1");
  EXPECT_EQ(env.count, 0u);
  EXPECT_TRUE(env.error.empty());
  EXPECT_FALSE(env.ignored_because.empty());
}

TEST(parse_listen_fds, pid_without_fds_means_none) {
  const auto env = parse("4242", nullptr);
  EXPECT_EQ(env.count, 0u);
  EXPECT_TRUE(env.error.empty());
}

TEST(parse_listen_fds, garbage_pid_is_an_error) {
  for (const char* pid : {"", "abc", "-4242", "+4242", " 4242", "4242 ", "42x", "0", "0x1092",
                          "99999999999999999999999", "4242\n"}) {
    const auto env = parse(pid, "1");
    EXPECT_FALSE(env.error.empty()) << "LISTEN_PID=" << pid;
    EXPECT_EQ(env.count, 0u) << pid;
  }
}

TEST(parse_listen_fds, garbage_fd_count_is_an_error) {
  for (const char* fds : {"", "x", "-1", "+1", "1.0", "1 ", " 1", "0x2", "18446744073709551616",
                          "99999999999999999999999999999"}) {
    const auto env = parse("4242", fds);
    EXPECT_FALSE(env.error.empty()) << "LISTEN_FDS=" << fds;
    EXPECT_EQ(env.count, 0u) << fds;
  }
}

TEST(parse_listen_fds, zero_fds_is_fine) {
  const auto env = parse("4242", "0", "ignored");
  EXPECT_TRUE(env.error.empty());
  EXPECT_EQ(env.count, 0u);
}

TEST(parse_listen_fds, too_many_fds_is_an_error) {
  EXPECT_TRUE(parse("4242", std::to_string(max_listen_fds).c_str()).error.empty());
  const auto env = parse("4242", std::to_string(max_listen_fds + 1).c_str());
  EXPECT_FALSE(env.error.empty());
  EXPECT_EQ(env.count, 0u);
  EXPECT_FALSE(parse("4242", "2147483648").error.empty());
}

TEST(parse_listen_fds, names_one_per_fd) {
  const auto env = parse("4242", "3", "http:https:");
  EXPECT_TRUE(env.error.empty()) << env.error;
  EXPECT_EQ(env.names, (std::vector<std::string>{"http", "https", ""}));
  EXPECT_EQ(parse("4242", "1", "").names, (std::vector<std::string>{""}));
  EXPECT_EQ(parse("4242", "2", ":").names, (std::vector<std::string>{"", ""}));
}

TEST(parse_listen_fds, names_count_mismatch_is_an_error) {
  for (const char* names : {"http", "http:https:extra", "a:b:c:d", "::::"}) {
    const auto env = parse("4242", "2", names);
    EXPECT_FALSE(env.error.empty()) << "LISTEN_FDNAMES=" << names;
    EXPECT_EQ(env.count, 0u) << names;
    EXPECT_TRUE(env.names.empty()) << names;
  }
}

// ---- address matching ----

TEST(same_address, compares_family_address_and_port) {
  EXPECT_TRUE(same_address(ipv4("127.0.0.1", 80), ipv4("127.0.0.1", 80)));
  EXPECT_FALSE(same_address(ipv4("127.0.0.1", 80), ipv4("127.0.0.1", 81)));
  EXPECT_FALSE(same_address(ipv4("127.0.0.1", 80), ipv4("127.0.0.2", 80)));
  EXPECT_FALSE(same_address(ipv4("0.0.0.0", 80), ipv4("127.0.0.1", 80)));
  EXPECT_TRUE(same_address(ipv6("::", 443), ipv6("::", 443)));
  EXPECT_FALSE(same_address(ipv6("::", 443), ipv6("::1", 443)));
  EXPECT_FALSE(same_address(ipv6("::", 443), ipv6("::", 444)));
  // A dual-stack [::] socket is not 0.0.0.0, nor is an IPv4-mapped address its IPv4 address.
  EXPECT_FALSE(same_address(ipv6("::", 80), ipv4("0.0.0.0", 80)));
  EXPECT_FALSE(same_address(ipv6("::ffff:127.0.0.1", 80), ipv4("127.0.0.1", 80)));
  sockaddr_storage unix_address{};
  unix_address.ss_family = AF_UNIX;
  EXPECT_FALSE(same_address(unix_address, unix_address));
}

TEST(describe_address, formats_ipv4_and_ipv6) {
  EXPECT_EQ(describe_address(ipv4("127.0.0.1", 8080)), "127.0.0.1:8080");
  EXPECT_EQ(describe_address(ipv6("::", 443)), "[::]:443");
  EXPECT_EQ(address_port(ipv6("::1", 65535)), 65535);
  EXPECT_EQ(address_port(ipv4("10.0.0.1", 1)), 1);
}

TEST(listener_address, resolves_literals_and_never_matches_port_zero) {
  const auto v4 = listener_address({"127.0.0.1", 8080});
  ASSERT_TRUE(v4.has_value());
  EXPECT_TRUE(same_address(*v4, ipv4("127.0.0.1", 8080)));
  const auto v6 = listener_address({"::", 443});
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(same_address(*v6, ipv6("::", 443)));
  EXPECT_FALSE(listener_address({"127.0.0.1", 0}).has_value());
  EXPECT_FALSE(listener_address({"::", 0}).has_value());
}

// ---- adopting real sockets ----

TEST(adopt_listening_socket, accepts_a_listening_tcp_socket_and_sets_flags) {
  tcp_socket s;
  ASSERT_NE(s.port, 0);
  ::fcntl(s.fd, F_SETFD, 0);  // as inherited: no FD_CLOEXEC, blocking
  inherited_socket out;
  EXPECT_EQ(adopt_listening_socket(s.fd, out), "");
  EXPECT_EQ(out.fd, s.fd);
  EXPECT_EQ(out.description, "127.0.0.1:" + std::to_string(s.port));
  EXPECT_TRUE(::fcntl(s.fd, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(::fcntl(s.fd, F_GETFD) & FD_CLOEXEC);
}

TEST(adopt_listening_socket, accepts_ipv6) {
  tcp_socket s(true, AF_INET6);
  if (s.port == 0) GTEST_SKIP() << "no IPv6 loopback";
  inherited_socket out;
  EXPECT_EQ(adopt_listening_socket(s.fd, out), "");
  EXPECT_EQ(out.description, "[::1]:" + std::to_string(s.port));
}

TEST(adopt_listening_socket, rejects_what_ferry_cannot_accept_on) {
  inherited_socket out;
  tcp_socket not_listening(false);
  EXPECT_NE(adopt_listening_socket(not_listening.fd, out).find("not listening"), std::string::npos);
  tcp_socket udp(false, AF_INET, SOCK_DGRAM);
  EXPECT_NE(adopt_listening_socket(udp.fd, out).find("not a stream"), std::string::npos);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  EXPECT_EQ(adopt_listening_socket(pipe_fds[0], out), "not a socket");
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  const int unix_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_NE(adopt_listening_socket(unix_fd, out).find("not an IPv4 or IPv6"), std::string::npos);
  ::close(unix_fd);
  EXPECT_NE(adopt_listening_socket(unix_fd, out).find("fstat"), std::string::npos);  // closed now
  EXPECT_EQ(out.fd, -1);  // nothing adopted along the way
}

TEST(take_matching_socket, takes_the_socket_bound_to_the_listener_address_once) {
  tcp_socket a;
  tcp_socket b;
  std::vector<inherited_socket> pool(2);
  ASSERT_EQ(adopt_listening_socket(a.fd, pool[0]), "");
  ASSERT_EQ(adopt_listening_socket(b.fd, pool[1]), "");
  EXPECT_FALSE(take_matching_socket(pool, {"0.0.0.0", b.port}).has_value());
  EXPECT_FALSE(take_matching_socket(pool, {"127.0.0.1", 0}).has_value());
  EXPECT_FALSE(take_matching_socket(pool, {"::1", b.port}).has_value());
  const auto taken = take_matching_socket(pool, {"127.0.0.1", b.port});
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->fd, b.fd);
  ASSERT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool[0].fd, a.fd);
  EXPECT_FALSE(take_matching_socket(pool, {"127.0.0.1", b.port}).has_value());
}

// ---- the environment, end to end: fds 3 and 4 as systemd would pass them ----

class inherited_fds : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int fd : {3, 4}) saved_[fd - 3] = ::fcntl(fd, F_DUPFD_CLOEXEC, 100);  // -1 when not open
    // Placeholders, so the sockets a test makes get other numbers and are dup2()ed onto these.
    const int placeholder = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ::dup2(placeholder, 3);
    ::dup2(placeholder, 4);
    if (placeholder > 4) ::close(placeholder);
  }
  void TearDown() override {
    for (int fd : {3, 4}) {
      if (saved_[fd - 3] >= 0) {
        ::dup2(saved_[fd - 3], fd);
        ::close(saved_[fd - 3]);
      } else {
        ::close(fd);
      }
    }
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
  }
  void set_environment(const std::string& pid, const std::string& fds, const char* names) {
    ::setenv("LISTEN_PID", pid.c_str(), 1);
    ::setenv("LISTEN_FDS", fds.c_str(), 1);
    if (names != nullptr) ::setenv("LISTEN_FDNAMES", names, 1);
  }
  static bool unset() {
    return std::getenv("LISTEN_PID") == nullptr && std::getenv("LISTEN_FDS") == nullptr &&
           std::getenv("LISTEN_FDNAMES") == nullptr;
  }

  int saved_[2] = {-1, -1};
};

TEST_F(inherited_fds, adopts_fds_from_three_with_names_and_unsets_the_variables) {
  tcp_socket a;
  tcp_socket b;
  ASSERT_EQ(::dup2(a.fd, 3), 3);  // dup2 clears FD_CLOEXEC, like an exec would leave it
  ASSERT_EQ(::dup2(b.fd, 4), 4);
  set_environment(std::to_string(::getpid()), "2", "http:https");
  const auto sockets = take_inherited_sockets();
  EXPECT_TRUE(unset());
  ASSERT_EQ(sockets.size(), 2u);
  EXPECT_EQ(sockets[0].fd, 3);
  EXPECT_EQ(sockets[0].name, "http");
  EXPECT_EQ(sockets[0].description, "127.0.0.1:" + std::to_string(a.port));
  EXPECT_EQ(sockets[1].fd, 4);
  EXPECT_EQ(sockets[1].name, "https");
  EXPECT_TRUE(::fcntl(3, F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(4, F_GETFL) & O_NONBLOCK);
}

TEST_F(inherited_fds, another_pid_takes_nothing_but_still_unsets) {
  tcp_socket a;
  ASSERT_EQ(::dup2(a.fd, 3), 3);
  set_environment(std::to_string(::getpid() + 1), "1", nullptr);
  EXPECT_TRUE(take_inherited_sockets().empty());
  EXPECT_TRUE(unset());
  EXPECT_FALSE(::fcntl(3, F_GETFD) & FD_CLOEXEC);  // not touched: not ours
}

TEST_F(inherited_fds, malformed_variables_refuse_to_start) {
  set_environment(std::to_string(::getpid()), "two", nullptr);
  EXPECT_THROW(take_inherited_sockets(), std::runtime_error);
  EXPECT_TRUE(unset());
  set_environment(std::to_string(::getpid()), "2", "only-one");
  EXPECT_THROW(take_inherited_sockets(), std::runtime_error);
}

TEST_F(inherited_fds, an_fd_that_is_not_a_listening_socket_refuses_to_start) {
  tcp_socket a;
  tcp_socket not_listening(false);
  ASSERT_EQ(::dup2(a.fd, 3), 3);
  ASSERT_EQ(::dup2(not_listening.fd, 4), 4);
  set_environment(std::to_string(::getpid()), "2", "web:other");
  try {
    take_inherited_sockets();
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fd 4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("other"), std::string::npos) << e.what();
  }
}

// ---- the server uses inherited sockets instead of binding ----

class server_with_inherited : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("ferry-activation-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_);
    std::ofstream(root_ / "index.html") << "inherited\n";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::shared_ptr<config> make_config(unsigned workers) {
    auto cfg = std::make_shared<config>();
    cfg->root = root_.string();
    cfg->workers = workers;
    cfg->listeners.clear();
    return cfg;
  }

  static inherited_socket adopt(tcp_socket& s, std::string name = {}) {
    inherited_socket out;
    out.name = std::move(name);
    EXPECT_EQ(adopt_listening_socket(s.fd, out), "");
    s.release();  // the server owns it now
    return out;
  }

  // One GET / over a fresh connection; returns the whole response.
  static std::string get(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto address = ipv4("127.0.0.1", port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(sockaddr_in)) != 0) {
      ::close(fd);
      return {};
    }
    const std::string request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) out.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
  }

  std::filesystem::path root_;
};

TEST_F(server_with_inherited, a_matching_listener_uses_the_inherited_socket_in_every_worker) {
  tcp_socket s;  // no SO_REUSEPORT: if the server bound the address itself, bind would fail
  const auto port = s.port;
  auto cfg = make_config(3);
  cfg->listeners.push_back({"127.0.0.1", port});
  const int fd = s.fd;
  server srv(cfg, {adopt(s)});
  ASSERT_EQ(srv.addresses().size(), 1u);
  EXPECT_EQ(srv.addresses()[0], "http://127.0.0.1:" + std::to_string(port) + " (inherited fd " + std::to_string(fd) + ")");
  srv.start();
  for (int i = 0; i < 6; ++i) {
    const auto response = get(port);
    EXPECT_EQ(response.rfind("HTTP/1.1 200 ", 0), 0u) << response;
    EXPECT_NE(response.find("inherited\n"), std::string::npos);
  }
  srv.drain();
  srv.join();
}

TEST_F(server_with_inherited, without_a_match_the_listener_binds_and_the_socket_is_served_as_http) {
  tcp_socket s;
  const auto port = s.port;
  auto cfg = make_config(1);
  cfg->listeners.push_back({"127.0.0.1", 0});  // port 0 never matches
  server srv(cfg, {adopt(s, "web")});
  ASSERT_EQ(srv.addresses().size(), 2u);
  EXPECT_EQ(srv.addresses()[0].find("inherited"), std::string::npos) << srv.addresses()[0];
  EXPECT_EQ(srv.addresses()[1].rfind("http://127.0.0.1:" + std::to_string(port) + " (inherited fd ", 0), 0u)
      << srv.addresses()[1];
  srv.start();
  EXPECT_EQ(get(port).rfind("HTTP/1.1 200 ", 0), 0u);
  srv.drain();
  srv.join();
}

TEST_F(server_with_inherited, an_https_socket_without_tls_configured_refuses_to_start) {
  tcp_socket s;  // stays ours: closed by the test, whatever the server did
  auto cfg = make_config(1);
  cfg->listeners.push_back({"127.0.0.1", 0});
  inherited_socket https;
  https.name = "https";
  ASSERT_EQ(adopt_listening_socket(s.fd, https), "");
  const auto construct = [&] { server srv(cfg, {https}); };
  EXPECT_THROW(construct(), std::runtime_error);
}

}  // namespace
}  // namespace ferry
