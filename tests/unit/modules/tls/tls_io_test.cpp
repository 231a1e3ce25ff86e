// Reading and writing over established sessions: small round trips, buffered input, close,
// and a 1 MiB file body sent with pread + SSL_write to a slow reader, checked byte by byte.
#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "modules/tls/record_buffers.hpp"
#include "tls_test_support.hpp"

namespace ferry::tls_test {
namespace {

class tls_io : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(connection_.established()); }

  // Reads until the client has `size` bytes or nothing more comes.
  std::string client_read(std::size_t size) {
    std::string out;
    char buffer[4096];
    for (int idle = 0; out.size() < size && idle < 10;) {
      const int got = connection_.client->read(buffer, static_cast<int>(std::min(sizeof buffer, size - out.size())));
      if (got > 0) {
        out.append(buffer, static_cast<std::size_t>(got));
        idle = 0;
      } else {
        ++idle;
      }
    }
    return out;
  }

  std::shared_ptr<tls_transport> transport_ = make_transport(base_config());
  connection connection_{*transport_, client_options()};
  secure_session& server_ = *connection_.server;
};

TEST_F(tls_io, RoundTrip) {
  const auto written = server_.write(std::string_view("hello, client"), false);
  EXPECT_EQ(written.status, transport_status::done);
  EXPECT_EQ(written.bytes, 13u);
  EXPECT_EQ(client_read(13), "hello, client");

  ASSERT_TRUE(connection_.client->write_all("GET / HTTP/1.1\r\n\r\n"));
  char buffer[64];
  auto got = server_.read(buffer);
  // A TLS 1.3 server may first see the client's post-handshake messages; retry once.
  if (got.status == transport_status::want_read) got = server_.read(buffer);
  ASSERT_EQ(got.status, transport_status::done);
  EXPECT_EQ(std::string(buffer, got.bytes), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(server_.read(buffer).status, transport_status::want_read);
}

// A head written with `more` waits for its body: both leave together with the next write (where
// the kernel has no kTLS and the session gathers its records).
TEST_F(tls_io, MoreHoldsAHeadBackUntilItsBody) {
  if (server_.send_path() == "kTLS") GTEST_SKIP() << "kTLS sends each record itself";
  EXPECT_EQ(server_.write(std::string_view("head,"), true).status, transport_status::done);
  char buffer[64];
  EXPECT_EQ(connection_.client->read(buffer, sizeof buffer), -1);  // nothing has arrived
  EXPECT_EQ(server_.write(std::string_view("body"), false).status, transport_status::done);
  EXPECT_EQ(client_read(9), "head,body");
}

// Many records from one write to a reader that takes a little at a time: the writer is told
// to wait and retries with what it was told is unsent, as after any want_write, and the reader
// gets every byte once, in order.
TEST_F(tls_io, LargeWritesToASlowReaderArriveWhole) {
  const int small = 8192;
  ::setsockopt(connection_.sockets.server, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  ::setsockopt(connection_.sockets.client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string message(300 * 1024, '\0');
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
  std::size_t offset = 0;
  std::string received;
  int want_writes = 0;
  char buffer[3000];
  for (int rounds = 0; rounds < 100000 && received.size() < message.size(); ++rounds) {
    if (offset < message.size()) {
      const auto result = server_.write(std::string_view(message).substr(offset), false);
      ASSERT_NE(result.status, transport_status::failed);
      offset += result.bytes;
      if (result.status == transport_status::want_write) ++want_writes;
    }
    const int got = connection_.client->read(buffer, sizeof buffer);
    if (got > 0) received.append(buffer, static_cast<std::size_t>(got));
  }
  EXPECT_EQ(offset, message.size());
  EXPECT_GT(want_writes, 10);
  ASSERT_EQ(received.size(), message.size());
  EXPECT_TRUE(received == message) << "bytes differ";
}

TEST_F(tls_io, BufferedInputIsReported) {
  ASSERT_TRUE(connection_.client->write_all("0123456789"));
  char one = 0;
  auto got = server_.read({&one, 1});
  ASSERT_EQ(got.status, transport_status::done);
  EXPECT_EQ(one, '0');
  EXPECT_TRUE(server_.has_buffered_input());
  char rest[16];
  got = server_.read(rest);
  EXPECT_EQ(std::string(rest, got.bytes), "123456789");
  EXPECT_FALSE(server_.has_buffered_input());
}

// Records the core received from the socket itself (its hot wait) are read before the socket,
// wherever the split fell: inside a record header, inside a record, between records. The rest
// of the bytes is still in the socket and is read from there.
TEST_F(tls_io, ReceivedBytesAreReadBeforeTheSocket) {
  if (!server_.takes_received_bytes()) GTEST_SKIP() << "kTLS reads through OpenSSL's socket BIO";
  for (const std::size_t split : {1u, 4u, 5u, 17u, 40u, 100u, 4000u}) {
    connection c(*transport_, client_options());
    ASSERT_TRUE(c.established());
    ASSERT_TRUE(c.client->write_all("GET /first HTTP/1.1\r\n\r\n"));
    ASSERT_TRUE(c.client->write_all("GET /second HTTP/1.1\r\n\r\n"));
    char received[4096];
    const auto n = ::recv(c.sockets.server, received, std::min(split, sizeof received), 0);
    ASSERT_GT(n, 0);
    ASSERT_TRUE(c.server->takes_received_bytes());
    c.server->received({received, static_cast<std::size_t>(n)});
    EXPECT_TRUE(c.server->has_buffered_input());
    EXPECT_FALSE(c.server->takes_received_bytes()) << "while bytes are staged";
    std::string plain;
    char buffer[256];
    for (int i = 0; i < 10 && plain.size() < 48; ++i) {
      const auto got = c.server->read(buffer);
      ASSERT_NE(got.status, transport_status::failed) << "split " << split;
      plain.append(buffer, got.bytes);
    }
    EXPECT_EQ(plain, "GET /first HTTP/1.1\r\n\r\nGET /second HTTP/1.1\r\n\r\n") << "split " << split;
    EXPECT_FALSE(c.server->has_buffered_input());
    EXPECT_TRUE(c.server->takes_received_bytes());
  }
}

// The session tells when its last read found the socket drained: after a read that wanted more
// (EAGAIN), and after one that took fewer bytes than it had room for.
TEST_F(tls_io, TellsWhenTheSocketWasDrained) {
  if (!server_.takes_received_bytes()) GTEST_SKIP() << "kTLS reads through OpenSSL's socket BIO";
  char buffer[256];
  EXPECT_EQ(server_.read(buffer).status, transport_status::want_read);
  EXPECT_TRUE(server_.socket_drained());
  ASSERT_TRUE(connection_.client->write_all("ping"));
  const auto got = server_.read(buffer);
  ASSERT_EQ(got.status, transport_status::done);
  EXPECT_EQ(std::string(buffer, got.bytes), "ping");
  EXPECT_TRUE(server_.socket_drained()) << "a record far smaller than the read-ahead room";
}

// A ping from the client and a pong back, each read whole.
void round_trip(connection& c) {
  ASSERT_TRUE(c.client->write_all("ping"));
  char buffer[16];
  auto got = c.server->read(buffer);
  if (got.status == transport_status::want_read) got = c.server->read(buffer);  // post-handshake messages
  ASSERT_EQ(got.status, transport_status::done);
  ASSERT_EQ(std::string(buffer, got.bytes), "ping");
  ASSERT_EQ(c.server->write(std::string_view("pong"), false).status, transport_status::done);
  std::string pong;
  for (int i = 0; i < 10 && pong.size() < 4; ++i) {
    const int n = c.client->read(buffer, 4 - static_cast<int>(pong.size()));
    if (n > 0) pong.append(buffer, static_cast<std::size_t>(n));
  }
  ASSERT_EQ(pong, "pong");
}

#if defined(__GLIBC__)
// OpenSSL's record buffers (about 17 KB each way) stay while the connection is busy, and go back
// when the core releases them: glibc's count of bytes in use drops by at least one of them.
TEST_F(tls_io, RecordBuffersStayUntilReleasedAndComeBackWhenNeeded) {
  if (!release_buffers_by_hand()) GTEST_SKIP() << "this OpenSSL is older than the CVE-2024-4741 fix: it frees them itself";
  round_trip(connection_);
  round_trip(connection_);
  const std::size_t busy = mallinfo2().uordblks;
  server_.release_buffers();
  const std::size_t idle = mallinfo2().uordblks;
  EXPECT_GE(busy, idle + 16 * 1024) << "bytes in use: " << busy << " busy, " << idle << " released";
  round_trip(connection_);
  server_.release_buffers();
  server_.release_buffers();  // nothing left to give back: harmless
  round_trip(connection_);
}
#endif

// Bytes OpenSSL holds that were not read yet (the rest of a record, a record read ahead) keep
// their buffer: released or not, every byte is read once, in order.
TEST_F(tls_io, ReleaseKeepsBytesNotYetRead) {
  ASSERT_TRUE(connection_.client->write_all("0123456789"));
  ASSERT_TRUE(connection_.client->write_all("abcdef"));
  char buffer[32];
  auto got = server_.read({buffer, 1});
  if (got.status == transport_status::want_read) got = server_.read({buffer, 1});
  ASSERT_EQ(got.status, transport_status::done);
  std::string plain(buffer, got.bytes);
  for (int i = 0; i < 20 && plain.size() < 16; ++i) {
    server_.release_buffers();
    got = server_.read({buffer, 3});
    if (got.status == transport_status::done) plain.append(buffer, got.bytes);
  }
  EXPECT_EQ(plain, "0123456789abcdef");
}

// SSL_free_buffers is trusted from the releases that fixed CVE-2024-4741 on, in each series.
TEST(record_buffers, FreeBuffersIsSafeFromTheFixedReleasesOn) {
  struct release {
    const char* name;
    unsigned long version;  // OPENSSL_VERSION_NUMBER's form
    bool safe;
  };
  for (const release& r : {release{"1.1.1", 0x101010ffUL, false}, release{"3.0.13", 0x300000d0UL, false},
                           release{"3.0.14", 0x300000e0UL, true}, release{"3.0.19", 0x30000130UL, true},
                           release{"3.1.5", 0x30100050UL, false}, release{"3.1.6", 0x30100060UL, true},
                           release{"3.2.1", 0x30200010UL, false}, release{"3.2.2", 0x30200020UL, true},
                           release{"3.3.0", 0x30300000UL, false}, release{"3.3.1", 0x30300010UL, true},
                           release{"3.4.0", 0x30400000UL, true}, release{"4.0.0", 0x40000000UL, true}}) {
    EXPECT_EQ(free_buffers_is_safe(r.version), r.safe) << r.name;
  }
}

TEST_F(tls_io, CloseNotifyAndEofAreClosed) {
  char buffer[16];
  ERR_clear_error();
  SSL_shutdown(connection_.client->ssl());
  EXPECT_EQ(server_.read(buffer).status, transport_status::closed);

  connection other(*transport_, client_options());
  ASSERT_TRUE(other.established());
  ::shutdown(other.sockets.client, SHUT_WR);  // EOF without close_notify
  auto status = other.server->read(buffer).status;
  EXPECT_EQ(status, transport_status::closed);
}

TEST_F(tls_io, ShutdownSendsCloseNotify) {
  server_.shutdown();
  char buffer[4];
  EXPECT_EQ(connection_.client->read(buffer, sizeof buffer), 0);
  EXPECT_EQ(SSL_get_shutdown(connection_.client->ssl()) & SSL_RECEIVED_SHUTDOWN, SSL_RECEIVED_SHUTDOWN);
}

class tls_file_body : public tls_io {
 protected:
  void SetUp() override {
    tls_io::SetUp();
    content_.resize(size_);
    std::uint32_t state = 12345;
    for (char& c : content_) {
      state = state * 1103515245u + 12345u;
      c = static_cast<char>(state >> 24);
    }
    path_ = scratch_dir(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "/body.bin";
    write_file(path_, content_);
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
    // Small socket buffers so that the writer runs into want_write often.
    const int small = 8192;
    ::setsockopt(connection_.sockets.server, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(connection_.sockets.client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  }
  void TearDown() override { ::close(fd_); }

  const std::size_t size_ = 1024 * 1024;
  std::string content_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(tls_file_body, OneMebibyteToASlowReader) {
  const std::uint64_t start = 100;  // a range, not from the beginning
  const std::size_t length = size_ - 200;
  std::uint64_t offset = start;
  std::string received;
  int want_writes = 0;
  char buffer[3000];
  for (int rounds = 0; rounds < 100000 && (offset < start + length || received.size() < length); ++rounds) {
    if (offset < start + length) {
      const auto result = server_.write_file(fd_, offset, start + length - offset);
      ASSERT_NE(result.status, transport_status::failed);
      ASSERT_LE(result.bytes, start + length - offset);
      offset += result.bytes;
      if (result.status == transport_status::want_write) ++want_writes;
      if (result.status == transport_status::done) {
        EXPECT_EQ(offset, start + length);
      }
    }
    const int got = connection_.client->read(buffer, sizeof buffer);  // slowly: a little per round
    if (got > 0) received.append(buffer, static_cast<std::size_t>(got));
  }
  EXPECT_EQ(offset, start + length);
  EXPECT_GT(want_writes, 10);
  ASSERT_EQ(received.size(), length);
  EXPECT_TRUE(received == content_.substr(start, length)) << "body differs";
}

TEST_F(tls_file_body, RetryMustResumeWhereItLeftOff) {
  auto result = server_.write_file(fd_, 0, size_);
  ASSERT_EQ(result.status, transport_status::want_write);
  // Not the offset just past the reported bytes: refused, not silently corrupting the body.
  EXPECT_EQ(server_.write_file(fd_, result.bytes + 1, size_ - result.bytes - 1).status, transport_status::failed);
}

TEST_F(tls_file_body, WriteDuringAPendingFileRecordIsRefused) {
  const auto result = server_.write_file(fd_, 0, size_);
  ASSERT_EQ(result.status, transport_status::want_write);
  EXPECT_EQ(server_.write(std::string_view("x"), false).status, transport_status::failed);
}

TEST_F(tls_file_body, FileShorterThanPromisedFails) {
  const auto result = server_.write_file(fd_, size_ - 10, 20);
  EXPECT_EQ(result.status, transport_status::failed);
  EXPECT_EQ(result.bytes, 10u);
}

TEST_F(tls_file_body, ZeroLengthIsDone) {
  const auto result = server_.write_file(fd_, 0, 0);
  EXPECT_EQ(result.status, transport_status::done);
  EXPECT_EQ(result.bytes, 0u);
}

}  // namespace
}  // namespace ferry::tls_test
