// A warm worker serves a request without touching the heap. A real ferry::worker on
// 127.0.0.1 answers keep-alive requests over TCP while every allocation its thread makes is
// counted (alloc_counter.cpp replaces the global operator new): 1,000 requests to warm the
// caches, then 10,000 that must not allocate at all.
//
// When a case fails, run it again with FERRY_ALLOC_TRACE=1 in the environment: every counted
// allocation's call stack is recorded and printed, most frequent first, with file:line.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "config/config_loader.hpp"
#include "modules/module_registry.hpp"
#include "server/server.hpp"
#include "server/site.hpp"
#include "server/worker.hpp"
#include "server_alloc/alloc_counter.hpp"

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

struct reply {
  int status = 0;
  std::string etag;
  std::size_t body_length = 0;
};

// A blocking keep-alive HTTP/1.1 client: one request, one whole response, repeat.
class client {
 public:
  explicit client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const timeval timeout{10, 0};  // a server that stops answering fails the test, not hangs it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    chunk_.resize(256 * 1024);
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }

  // Sends `request` and reads its response; false when the connection fails or the response
  // cannot be framed.
  bool exchange(const std::string& request, reply& out) {
    if (!send_all(request)) return false;
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

  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  bool receive() {
    const auto n = ::recv(fd_, chunk_.data(), chunk_.size(), 0);
    if (n <= 0) return false;
    pending_.append(chunk_.data(), static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
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

std::string describe(std::uint64_t allocations) {
  char text[160];
  std::snprintf(text, sizeof text, "%ju heap allocations on the worker thread over %d requests (%.4f per request)",
                static_cast<std::uintmax_t>(allocations), measured_requests,
                static_cast<double>(allocations) / measured_requests);
  return text;
}

class worker_alloc : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = std::make_shared<config>(default_config(compiled_modules()));
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

}  // namespace
}  // namespace ferry
