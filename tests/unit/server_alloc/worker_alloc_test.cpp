// A warm worker serves a request without touching the heap. A real ferry::worker on
// 127.0.0.1 answers keep-alive requests over TCP while every allocation its thread makes is
// counted (alloc_counter.cpp replaces the global operator new): 1,000 requests to warm the
// caches, then 10,000 that must not allocate at all.
//
// The same holds for HTTP/2 (when the module is compiled in): an nghttp2 client speaks h2c with
// prior knowledge to the same plaintext listener, with 16 streams in flight on one connection.
//
// When a case fails, run it again with FERRY_ALLOC_TRACE=1 in the environment: every counted
// allocation's call stack is recorded and printed, most frequent first, with file:line.
//
// The worker's receives are counted the same way (receive_counter.cpp replaces recv): a warm
// keep-alive connection receives each request once, without first trying an empty socket.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef FERRY_ALLOC_TEST_HTTP2
#include <nghttp2/nghttp2.h>
#endif

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "config/config_loader.hpp"
#ifdef FERRY_ALLOC_TEST_HTTP2
#include "modules/http2_protocol.hpp"
#endif
#include "modules/module_registry.hpp"
#include "server/server.hpp"
#include "server/site.hpp"
#include "server/worker.hpp"
#include "server_alloc/alloc_counter.hpp"
#include "server_alloc/receive_counter.hpp"

namespace ferry {
namespace {

constexpr int warm_up_requests = 1000;
constexpr int measured_requests = 10000;
constexpr std::size_t small_size = 1024;
constexpr std::size_t large_size = 100 * 1024;  // above the copy threshold: sent with sendfile
constexpr std::size_t any_length = static_cast<std::size_t>(-1);
// A pause halfway through the warm-up and again through the measured requests: longer than the
// open-file cache's revalidation interval (1 s, worker.cpp) and than a connection keeps its
// read buffer while idle, so a warm server also revalidates its entries, runs its periodic
// tick, gives idle buffers back and parks the idle connection (idle_park), then rebuilds it
// for the next request, and none of that may allocate either. The warm-up pause lets one-time
// growth (e.g. a pool's first free buffer or connection block) happen before counting starts.
constexpr std::chrono::milliseconds idle_pause{1100};

void write_file(const std::filesystem::path& path, std::size_t size, char fill) {
  std::ofstream out(path, std::ios::binary);
  out << std::string(size, fill);
}

// A document root with a 1 KiB index.html and a 100 KiB file, removed afterwards.
class temp_root {
 public:
  temp_root() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ferry-alloc-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    write_file(path_ / "index.html", small_size, 'a');
    write_file(path_ / "large.bin", large_size, 'b');
  }
  ~temp_root() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_root(const temp_root&) = delete;
  temp_root& operator=(const temp_root&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A blocking TCP connection to the worker on 127.0.0.1, or -1.
int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const timeval timeout{10, 0};  // a server that stops answering fails the test, not hangs it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

struct reply {
  int status = 0;
  std::string etag;
  std::size_t body_length = 0;
};

// A blocking keep-alive HTTP/1.1 client: one request, one whole response, repeat.
class client {
 public:
  explicit client(std::uint16_t port) : fd_(connect_loopback(port)) { chunk_.resize(256 * 1024); }
  ~client() {
    if (fd_ >= 0) ::close(fd_);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends `request` and reads its response; false when the connection fails or the response
  // cannot be framed.
  bool exchange(const std::string& request, reply& out) {
    if (!send_all(fd_, request)) return false;
    pending_.clear();
    std::size_t head_end = std::string::npos;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!receive()) return false;
    }
    const std::string_view head(pending_.data(), head_end + 2);
    if (head.size() < 12 || head.substr(0, 9) != "HTTP/1.1 ") return false;
    out.status = std::atoi(std::string(head.substr(9, 3)).c_str());
    out.etag = std::string(field(head, "etag"));
    out.body_length = 0;
    std::size_t length = 0;
    const auto cl = field(head, "content-length");
    if (!cl.empty() && std::from_chars(cl.data(), cl.data() + cl.size(), length).ec != std::errc{}) return false;
    std::size_t have = pending_.size() - (head_end + 4);
    while (have < length) {
      const auto n = ::recv(fd_, chunk_.data(), std::min(chunk_.size(), length - have), 0);
      if (n <= 0) return false;
      have += static_cast<std::size_t>(n);
    }
    out.body_length = have;
    return have == length;  // nothing beyond the body: one response per request
  }

 private:
  static std::string_view field(std::string_view head, std::string_view lower_name) {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
      const std::size_t start = pos + 2;
      const std::size_t end = head.find("\r\n", start);
      const auto line = head.substr(start, end - start);
      const auto colon = line.find(':');
      if (colon == lower_name.size()) {
        bool same = true;
        for (std::size_t i = 0; i < colon && same; ++i) {
          same = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i]))) == lower_name[i];
        }
        if (same) {
          auto value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
          return value;
        }
      }
      pos = end;
    }
    return {};
  }

  bool receive() {
    const auto n = ::recv(fd_, chunk_.data(), chunk_.size(), 0);
    if (n <= 0) return false;
    pending_.append(chunk_.data(), static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string chunk_;
  std::string pending_;
};

std::string get(std::string_view target, std::string_view extra_fields = {}) {
  std::string r = "GET ";
  r.append(target);
  r.append(" HTTP/1.1\r\nHost: localhost\r\nUser-Agent: alloc-test\r\n");
  r.append(extra_fields);
  r.append("\r\n");
  return r;
}

#ifdef FERRY_ALLOC_TEST_HTTP2
// A blocking HTTP/2 client with prior knowledge (h2c): nghttp2's client session frames the
// requests and parses the responses, and the test thread moves the bytes between it and the
// socket. It keeps streams_in_flight requests open on the one connection and submits the next
// as soon as one completes, so the worker always has several streams to interleave, as when a
// browser fetches a page's resources. The flow-control windows stay nghttp2's defaults (64 KiB,
// WINDOW_UPDATE sent as the body is read), so a 100 KiB body also takes the server through
// running out of window and resuming the stream.
class h2c_client {
 public:
  static constexpr int streams_in_flight = 16;

  explicit h2c_client(std::uint16_t port) : fd_(connect_loopback(port)) {
    chunk_.resize(256 * 1024);
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &on_close);
    nghttp2_session_client_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    // nghttp2 writes the preface's magic itself; its SETTINGS frame is the application's. No
    // server push, as browsers now ask.
    const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  }
  ~h2c_client() {
    nghttp2_session_del(session_);
    if (fd_ >= 0) ::close(fd_);
  }
  h2c_client(const h2c_client&) = delete;
  h2c_client& operator=(const h2c_client&) = delete;

  bool connected() const { return fd_ >= 0 && session_ != nullptr; }
  // Responses so far whose status or body length was not the one expected, or that were reset.
  int wrong() const { return wrong_; }

  // GETs `target` `count` times and reads every response; returns with no stream in flight.
  // False when the connection or the session fails, or the server sends GOAWAY.
  bool run(std::string_view target, int count, int status, std::size_t length) {
    expected_status_ = status;
    expected_length_ = length;
    completed_ = 0;
    int submitted = 0;
    while (completed_ < count) {
      for (; submitted < count && submitted - completed_ < streams_in_flight; ++submitted) {
        if (!submit_get(target)) return false;
      }
      if (!flush() || !receive()) return false;
    }
    return flush();  // the last WINDOW_UPDATEs
  }

  // A PING round trip: once its ACK is back, the worker has read and handled everything sent
  // before it, WINDOW_UPDATEs and stream closes included, so its count is complete.
  bool sync() {
    ping_acked_ = false;
    if (nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr) != 0 || !flush()) return false;
    while (!ping_acked_) {
      if (!receive()) return false;
    }
    return true;
  }

 private:
  struct stream_reply {
    int status = 0;
    std::size_t body_length = 0;
  };

  static h2c_client& self(void* user_data) { return *static_cast<h2c_client*>(user_data); }

  // nghttp2 copies the fields (no NO_COPY flags), so they need not outlive the call.
  static nghttp2_nv field(std::string_view name, std::string_view value) {
    return {const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(name.data())),
            const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(value.data())), name.size(),
            value.size(), NGHTTP2_NV_FLAG_NONE};
  }

  // The fields of the h1 cases' requests; HPACK indexes them all after the first request, as
  // with a real client.
  bool submit_get(std::string_view target) {
    const nghttp2_nv fields[] = {field(":method", "GET"), field(":scheme", "http"), field(":authority", "localhost"),
                                 field(":path", target), field("user-agent", "alloc-test")};
    const std::int32_t id = nghttp2_submit_request(session_, nullptr, fields, std::size(fields), nullptr, nullptr);
    if (id <= 0) return false;
    streams_[id] = stream_reply{};
    return true;
  }

  // Hands the server everything the session has to say.
  bool flush() {
    out_.clear();
    const std::uint8_t* data = nullptr;
    ssize_t n = 0;
    while ((n = nghttp2_session_mem_send(session_, &data)) > 0) {
      out_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    return n == 0 && send_all(fd_, out_);
  }

  // Waits for the next bytes from the server and feeds them to the session (whose callbacks
  // complete the streams).
  bool receive() {
    const auto n = ::recv(fd_, chunk_.data(), chunk_.size(), 0);
    if (n <= 0) return false;
    const auto size = static_cast<std::size_t>(n);
    return nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(chunk_.data()), size) ==
               static_cast<ssize_t>(size) &&
           !goaway_;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                       const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void* user_data) {
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    if (n != ":status") return 0;
    auto& c = self(user_data);
    const auto it = c.streams_.find(frame->hd.stream_id);
    if (it == c.streams_.end()) return 0;
    const auto* v = reinterpret_cast<const char*>(value);
    std::from_chars(v, v + valuelen, it->second.status);
    return 0;
  }

  static int on_data(nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t*, std::size_t len,
                     void* user_data) {
    auto& c = self(user_data);
    const auto it = c.streams_.find(stream_id);
    if (it != c.streams_.end()) it->second.body_length += len;
    return 0;
  }

  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& c = self(user_data);
    if (frame->hd.type == NGHTTP2_GOAWAY) c.goaway_ = true;
    if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK) != 0) c.ping_acked_ = true;
    return 0;
  }

  // Every stream ends here, answered in full (END_STREAM, NO_ERROR) or reset.
  static int on_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code, void* user_data) {
    auto& c = self(user_data);
    const auto it = c.streams_.find(stream_id);
    if (it == c.streams_.end()) return 0;
    const stream_reply r = it->second;
    c.streams_.erase(it);
    ++c.completed_;
    if (error_code != NGHTTP2_NO_ERROR || r.status != c.expected_status_ || r.body_length != c.expected_length_) {
      ++c.wrong_;
    }
    return 0;
  }

  int fd_ = -1;
  nghttp2_session* session_ = nullptr;
  std::string chunk_;
  std::string out_;
  std::map<std::int32_t, stream_reply> streams_;  // in flight
  int expected_status_ = 0;
  std::size_t expected_length_ = 0;
  int completed_ = 0;
  int wrong_ = 0;
  bool ping_acked_ = false;
  bool goaway_ = false;
};
#endif

std::string describe(std::uint64_t allocations) {
  char text[160];
  std::snprintf(text, sizeof text, "%ju heap allocations on the worker thread over %d requests (%.4f per request)",
                static_cast<std::uintmax_t>(allocations), measured_requests,
                static_cast<double>(allocations) / measured_requests);
  return text;
}

class worker_alloc : public ::testing::Test {
 protected:
  void SetUp() override { start(default_config(compiled_modules())); }

  // Runs a worker with `base` (its root and listener replaced) on a fresh loopback port.
  void start(config base) {
    auto cfg = std::make_shared<config>(std::move(base));
    cfg->root = root_.path().string();
    cfg->listeners = {listener_config{"127.0.0.1", 0}};
    std::string address;
    const int fd = bind_listener("127.0.0.1", 0, &address);
    port_ = static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
    worker_ = std::make_unique<worker>(0, std::make_shared<const site>(std::move(cfg)), nullptr);
    worker_->add_listener(fd);
    // Runs first thing in the event loop: from here on the worker's thread is counted.
    asio::post(worker_->io(), [] { alloc_count::set_counting(true); });
    thread_ = std::thread([this] { worker_->run(); });
  }

  void TearDown() override {
    if (!worker_) return;  // SetUp failed before starting it
    worker_->drain(std::chrono::milliseconds(0));
    thread_.join();
    worker_.reset();
  }

  // The worker's count so far, read on its thread between two events, so the last response
  // has been fully handled. With `keep_counting` false the worker stops counting (and the
  // recorded stacks may be read from this thread afterwards).
  std::uint64_t worker_allocations(bool keep_counting, bool reset_traces) {
    std::promise<std::uint64_t> result;
    auto future = result.get_future();
    asio::post(worker_->io(), [&result, keep_counting, reset_traces] {
      alloc_count::set_counting(false);  // reading the count is not the server's work
      if (reset_traces) alloc_count::reset_traces();
      result.set_value(alloc_count::allocations());
      alloc_count::set_counting(keep_counting);
    });
    return future.get();
  }

  // The worker's receives so far, read on its thread like worker_allocations; counting goes on
  // or off there with `keep_counting`.
  receive_count::counts worker_receives(bool keep_counting) {
    std::promise<receive_count::counts> result;
    auto future = result.get_future();
    asio::post(worker_->io(), [&result, keep_counting] {
      receive_count::set_counting(keep_counting);
      result.set_value(receive_count::total());
    });
    return future.get();
  }

  // Warms up, then counts the allocations of `measured_requests` identical requests; every
  // response must have `status` and, unless any_length, a body of `length` bytes.
  void measure(const std::string& request, int status, std::size_t length, std::uint64_t& allocations) {
    client c(port_);
    ASSERT_TRUE(c.connected());
    reply r;
    for (int i = 0; i < warm_up_requests; ++i) {
      if (i == warm_up_requests / 2) std::this_thread::sleep_for(idle_pause);
      ASSERT_TRUE(c.exchange(request, r)) << "warm-up request " << i;
      ASSERT_EQ(r.status, status);
    }
    const auto before = worker_allocations(true, true);
    int wrong = 0;
    for (int i = 0; i < measured_requests; ++i) {
      if (i == measured_requests / 2) std::this_thread::sleep_for(idle_pause);
      ASSERT_TRUE(c.exchange(request, r)) << "request " << i;
      if (r.status != status || (length != any_length && r.body_length != length)) ++wrong;
    }
    const auto after = worker_allocations(false, false);
    EXPECT_EQ(wrong, 0) << "responses with the wrong status or length";
    allocations = after - before;
    std::printf("[  alloc   ] %s\n", describe(allocations).c_str());
    if (alloc_count::tracing()) alloc_count::print_traces(20);
  }

  // The ETag a plain GET of `target` returns.
  std::string etag_of(const std::string& target) {
    client c(port_);
    reply r;
    if (!c.exchange(get(target), r)) return {};
    return r.etag;
  }

  temp_root root_;
  std::uint16_t port_ = 0;
  std::unique_ptr<worker> worker_;
  std::thread thread_;
};

// The counter itself: it sees allocations on a counting thread, and only there. The global
// allocation functions are called directly, as new-expressions may be elided by the compiler.
TEST(alloc_counter, counts_on_counting_thread_only) {
  const auto before = alloc_count::allocations();
  ::operator delete(::operator new(16));
  EXPECT_EQ(alloc_count::allocations(), before);
  alloc_count::set_counting(true);
  ::operator delete(::operator new(16));
  ::operator delete[](::operator new[](16));
  ::operator delete(::operator new(16, std::nothrow));
  ::operator delete(::operator new(64, std::align_val_t{64}), std::align_val_t{64});
  alloc_count::set_counting(false);
  EXPECT_EQ(alloc_count::allocations(), before + 4);
  ::operator delete(::operator new(16));
  EXPECT_EQ(alloc_count::allocations(), before + 4);
}

// And it sees the worker's: a new connection and its first request cannot be free.
TEST_F(worker_alloc, counter_sees_worker_thread) {
  client c(port_);
  ASSERT_TRUE(c.connected());
  reply r;
  ASSERT_TRUE(c.exchange(get("/index.html"), r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body_length, small_size);
  EXPECT_GT(worker_allocations(false, false), 0u);
}

// After a response the worker waits for the client's next bytes to arrive rather than trying a
// receive at once (server/read_edges.hpp): each request costs one recv, none finds the socket
// empty. The client writes each request a millisecond after its response has arrived, when a
// receive tried at once would always come too early.
TEST_F(worker_alloc, keep_alive_request_received_once) {
  client c(port_);
  ASSERT_TRUE(c.connected());
  reply r;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.exchange(get("/index.html"), r));
  constexpr int requests = 200;
  const auto before = worker_receives(true);
  for (int i = 0; i < requests; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(c.exchange(get("/index.html"), r)) << "request " << i;
    ASSERT_EQ(r.status, 200);
  }
  const auto after = worker_receives(false);
  const auto calls = after.calls - before.calls;
  const auto empty = after.would_block - before.would_block;
  std::printf("[ receive  ] %ju recv calls for %d requests, %ju found nothing\n", static_cast<std::uintmax_t>(calls),
              requests, static_cast<std::uintmax_t>(empty));
  EXPECT_GE(calls, static_cast<std::uint64_t>(requests)) << "the counter misses the worker's receives";
  EXPECT_LE(empty, static_cast<std::uint64_t>(requests / 20)) << "receives tried before the request arrived";
}

TEST_F(worker_alloc, small_file_no_allocation) {
  std::uint64_t n = 0;
  ASSERT_NO_FATAL_FAILURE(measure(get("/index.html"), 200, small_size, n));
  EXPECT_EQ(n, 0u) << "GET /index.html (1 KiB, copied into the head's buffer): " << describe(n);
}

TEST_F(worker_alloc, index_file_no_allocation) {
  std::uint64_t n = 0;
  ASSERT_NO_FATAL_FAILURE(measure(get("/"), 200, small_size, n));
  EXPECT_EQ(n, 0u) << "GET / (index.html through the directory path): " << describe(n);
}

TEST_F(worker_alloc, large_file_no_allocation) {
  std::uint64_t n = 0;
  ASSERT_NO_FATAL_FAILURE(measure(get("/large.bin"), 200, large_size, n));
  EXPECT_EQ(n, 0u) << "GET /large.bin (100 KiB, sendfile): " << describe(n);
}

TEST_F(worker_alloc, not_modified_no_allocation) {
  const auto etag = etag_of("/index.html");
  ASSERT_FALSE(etag.empty());
  std::uint64_t n = 0;
  ASSERT_NO_FATAL_FAILURE(measure(get("/index.html", "If-None-Match: " + etag + "\r\n"), 304, 0, n));
  EXPECT_EQ(n, 0u) << "GET /index.html with a matching If-None-Match (304): " << describe(n);
}

TEST_F(worker_alloc, not_found_no_allocation) {
  std::uint64_t n = 0;
  ASSERT_NO_FATAL_FAILURE(measure(get("/missing.html"), 404, any_length, n));
  EXPECT_EQ(n, 0u) << "GET /missing.html (404): " << describe(n);
}

#ifdef FERRY_ALLOC_TEST_HTTP2
// The same worker with [http2] cleartext = true, so that its plaintext listener takes the
// HTTP/2 client preface (h2c with prior knowledge) and hands the connection to HTTP/2.
class worker_alloc_h2 : public worker_alloc {
 protected:
  void SetUp() override {
    const toml::table overrides{{"http2", toml::table{{"cleartext", true}}}};
    config cfg = default_config(compiled_modules(), overrides);
    ASSERT_NE(cfg.extensions.http2, nullptr);
    ASSERT_TRUE(cfg.extensions.http2->cleartext());
    start(std::move(cfg));
  }

  // measure() over one HTTP/2 connection: warms up, then counts the allocations of
  // `measured_requests` GETs of `target`, each of which must be a 200 with `length` bytes.
  // Every batch ends with no stream in flight, so the idle pause between two halves leaves the
  // connection idle as in measure(); the PING round trips make the count cover all the
  // server's work for the requests before it, and nothing of the warm-up.
  void measure_h2(std::string_view target, std::size_t length, std::uint64_t& allocations) {
    h2c_client c(port_);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.run(target, warm_up_requests / 2, 200, length)) << "warm-up";
    std::this_thread::sleep_for(idle_pause);
    ASSERT_TRUE(c.run(target, warm_up_requests - warm_up_requests / 2, 200, length)) << "warm-up";
    ASSERT_EQ(c.wrong(), 0) << "warm-up responses with the wrong status or length";
    ASSERT_TRUE(c.sync());
    const auto before = worker_allocations(true, true);
    ASSERT_TRUE(c.run(target, measured_requests / 2, 200, length));
    std::this_thread::sleep_for(idle_pause);
    ASSERT_TRUE(c.run(target, measured_requests - measured_requests / 2, 200, length));
    ASSERT_TRUE(c.sync());
    const auto after = worker_allocations(false, false);
    EXPECT_EQ(c.wrong(), 0) << "responses with the wrong status or length";
    allocations = after - before;
    std::printf("[  alloc   ] %s\n", describe(allocations).c_str());
    if (alloc_count::tracing()) alloc_count::print_traces(20);
  }
};

TEST_F(worker_alloc_h2, small_file_no_allocation) {
  std::uint64_t n = 0;
  ASSERT_NO_FATAL_FAILURE(measure_h2("/index.html", small_size, n));
  EXPECT_EQ(n, 0u) << "h2c GET /index.html (1 KiB), 16 streams in flight: " << describe(n);
}

TEST_F(worker_alloc_h2, large_file_no_allocation) {
  std::uint64_t n = 0;
  ASSERT_NO_FATAL_FAILURE(measure_h2("/large.bin", large_size, n));
  EXPECT_EQ(n, 0u) << "h2c GET /large.bin (100 KiB, pread into DATA frames), 16 streams in flight: "
                   << describe(n);
}
#endif

}  // namespace
}  // namespace ferry
