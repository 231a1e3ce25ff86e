#include "platform/socket_calls.hpp"

#include <asio.hpp>
#include <gtest/gtest.h>

#include <string>

#include "platform/file_io.hpp"
#include "temp_dir.hpp"

namespace ferry::platform {
namespace {

// A listening socket from listen_on, one client connected to it over loopback, and the
// server's end of that connection as a plain non-blocking socket.
class SocketCallsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    use_copying_send_file_for_testing(GetParam());
    std::string bound;
    listener_ = listen_on("127.0.0.1", 0, false, &bound);
    ASSERT_EQ(bound.rfind("127.0.0.1:", 0), 0u) << bound;
    const auto port = static_cast<unsigned short>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    acceptor_.assign(asio::ip::tcp::v4(), listener_);
    client_.connect({asio::ip::make_address("127.0.0.1"), port});
    acceptor_.non_blocking(false);
    acceptor_.accept(server_);
    server_.non_blocking(true);
  }
  void TearDown() override { use_copying_send_file_for_testing(false); }

  std::string client_reads(std::size_t count) {
    std::string got(count, '\0');
    asio::read(client_, asio::buffer(got));
    return got;
  }
  native_socket server() { return server_.native_handle(); }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  asio::ip::tcp::socket client_{io_};
  asio::ip::tcp::socket server_{io_};
  native_socket listener_ = no_socket;
};

TEST_P(SocketCallsTest, SendsAndReceivesWithoutBlocking) {
  char byte = 0;
  EXPECT_EQ(receive(server(), &byte, 1), -1);
  EXPECT_EQ(last_socket_error(), socket_error::would_block);
  EXPECT_EQ(send_bytes(server(), "hello", 5, true), 5);
  EXPECT_EQ(send_bytes(server(), " world", 6), 6);
  EXPECT_EQ(client_reads(11), "hello world");
  asio::write(client_, asio::buffer(std::string("ping")));
  char got[8] = {};
  std::int64_t n = -1;
  while ((n = receive(server(), got, sizeof got, true)) < 0) ASSERT_EQ(last_socket_error(), socket_error::would_block);
  EXPECT_EQ(std::string(got, static_cast<std::size_t>(n)), "ping") << "peeked";
  EXPECT_EQ(receive(server(), got, sizeof got), 4) << "still there after the peek";
}

TEST_P(SocketCallsTest, SendsAFileRangeAndStopsAtItsEnd) {
  test::temp_dir dir;
  std::string content;
  for (int i = 0; i < 20000; ++i) content += static_cast<char>('a' + i % 26);
  dir.write("body.txt", content);
  root_directory root(dir.path().string());
  const int fd = root.open("body.txt", link_rule::refuse, false);
  ASSERT_GE(fd, 0);
  std::uint64_t offset = 1000;
  std::size_t left = 15000;
  while (left > 0) {
    const auto n = send_file(server(), fd, offset, left);
    ASSERT_GT(n, 0);
    offset += static_cast<std::uint64_t>(n);
    left -= static_cast<std::size_t>(n);
  }
  EXPECT_EQ(client_reads(15000), content.substr(1000, 15000));
  EXPECT_EQ(send_file(server(), fd, content.size(), 100), 0) << "the file ended";
  EXPECT_EQ(zero_copy_send_file(), !GetParam() && balanced_port_sharing);  // sendfile: Linux only
  close_file(fd);
}

TEST_P(SocketCallsTest, ShutdownWriteEndsTheClientsStream) {
  EXPECT_EQ(send_bytes(server(), "last", 4), 4);
  shutdown_write(server());
  EXPECT_EQ(client_reads(4), "last");
  char byte = 0;
  asio::error_code ec;
  client_.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

std::string send_file_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "copying" : "native";
}

INSTANTIATE_TEST_SUITE_P(SendFile, SocketCallsTest, ::testing::Values(false, true), send_file_name);

TEST(SocketAddress, DescribesIpv4AndIpv6) {
  sockaddr_storage address{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  v4->sin_family = AF_INET;
  v4->sin_port = htons(8080);
  ASSERT_EQ(inet_pton(AF_INET, "127.0.0.1", &v4->sin_addr), 1);
  EXPECT_EQ(describe_address(address), "127.0.0.1:8080");
  address = {};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(443);
  ASSERT_EQ(inet_pton(AF_INET6, "::1", &v6->sin6_addr), 1);
  EXPECT_EQ(describe_address(address), "[::1]:443");
}

TEST(ListenOn, ABusyPortIsAnError) {
  std::string bound;
  const native_socket first = listen_on("127.0.0.1", 0, false, &bound);
  const auto port = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
  EXPECT_THROW(listen_on("127.0.0.1", port, false, nullptr), std::system_error);
  close_socket(first);
}

}  // namespace
}  // namespace ferry::platform
