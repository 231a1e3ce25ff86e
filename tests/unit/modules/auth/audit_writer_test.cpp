// The asynchronous audit writer: nothing lost on orderly shutdown, flush(), both full-queue
// policies against a sink that cannot keep up (a pipe nobody reads), write failures counted,
// many producers at once, and the hash chain continued across restarts.
#include "modules/auth/audit_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "policy_test_support.hpp"

namespace ferry {
namespace {

using policy_test::read_file;
using policy_test::split_lines;
using policy_test::temp_dir;

std::string event(int n) { return "{\"event\":\"test\",\"n\":" + std::to_string(n) + "}"; }

std::unique_ptr<audit_writer> start(audit_writer_options options) {
  std::string error;
  auto w = audit_writer::start(std::move(options), error);
  EXPECT_TRUE(w) << error;
  return w;
}

// A pipe whose buffer is already full, so the writer's first write(2) blocks until the test
// starts reading: the sink that cannot keep up, without sleeps or timing.
struct stalled_pipe {
  int read_end = -1;
  int write_end = -1;
  std::size_t prefill = 0;
  std::thread reader;
  std::string received;

  stalled_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    read_end = fds[0];
    write_end = fds[1];
    const int flags = ::fcntl(write_end, F_GETFL);
    ::fcntl(write_end, F_SETFL, flags | O_NONBLOCK);
    const std::string chunk(4096, '#');
    while (true) {
      const ssize_t n = ::write(write_end, chunk.data(), chunk.size());
      if (n <= 0) break;
      prefill += static_cast<std::size_t>(n);
    }
    ::fcntl(write_end, F_SETFL, flags);  // blocking again: the writer must really wait
  }
  void start_reading() {
    reader = std::thread([this] {
      char buffer[65536];
      ssize_t n = 0;
      while ((n = ::read(read_end, buffer, sizeof buffer)) > 0) received.append(buffer, static_cast<std::size_t>(n));
    });
  }
  // The writer must be closed first; then EOF ends the reader.
  std::vector<std::string> finish() {
    ::close(write_end);
    write_end = -1;
    reader.join();
    ::close(read_end);
    read_end = -1;
    EXPECT_GE(received.size(), prefill);
    return split_lines(std::string_view(received).substr(prefill));
  }
  ~stalled_pipe() {
    if (write_end >= 0) ::close(write_end);
    if (reader.joinable()) reader.join();
    if (read_end >= 0) ::close(read_end);
  }
};

// Polls an observable state (not a sleep standing in for synchronisation), with a deadline.
template <class Predicate>
bool eventually(Predicate p) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!p()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(audit_writer, nothing_is_lost_on_orderly_shutdown) {
  temp_dir dir;
  audit_writer_options o;
  o.sink = audit_sink::file;
  o.path = dir.file("audit.log");
  o.queue_capacity = 50000;
  o.overflow = audit_overflow::drop;
  auto w = start(o);
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(w->submit(event(i)));
  w.reset();  // destructor: drain, write, close
  const auto lines = split_lines(read_file(o.path));
  ASSERT_EQ(lines.size(), 20000u);
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(lines[static_cast<std::size_t>(i)], event(i));
}

TEST(audit_writer, flush_waits_for_the_sink) {
  temp_dir dir;
  audit_writer_options o;
  o.sink = audit_sink::file;
  o.path = dir.file("audit.log");
  o.batch_lines = 3;
  auto w = start(o);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(w->submit(event(i)));
  w->flush();
  EXPECT_EQ(split_lines(read_file(o.path)).size(), 10u);
  const auto c = w->counters();
  EXPECT_EQ(c.accepted, 10u);
  EXPECT_EQ(c.written, 10u);
  EXPECT_EQ(c.dropped, 0u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(w->last_hash(), "");  // no chain
  w->close();
  w->close();  // idempotent
  EXPECT_FALSE(w->submit(event(99)));  // closed: dropped, counted
  EXPECT_EQ(w->counters().dropped, 1u);
  w->flush();  // returns at once once closed
}

TEST(audit_writer, drop_policy_on_a_full_queue) {
  stalled_pipe pipe;
  audit_writer_options o;
  o.sink = audit_sink::descriptor;
  o.fd = pipe.write_end;
  o.queue_capacity = 4;
  o.overflow = audit_overflow::drop;
  auto w = start(o);
  ASSERT_TRUE(w->submit(event(0)));
  ASSERT_TRUE(eventually([&] { return w->queued() == 0; }));  // taken, and stuck in write(2)
  for (int i = 1; i <= 4; ++i) EXPECT_TRUE(w->submit(event(i)));
  EXPECT_EQ(w->queued(), 4u);
  const auto before = std::chrono::steady_clock::now();
  for (int i = 5; i <= 7; ++i) EXPECT_FALSE(w->submit(event(i)));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(1));  // no waiting
  EXPECT_EQ(w->counters().dropped, 3u);

  pipe.start_reading();
  w->close();
  const auto lines = pipe.finish();
  ASSERT_EQ(lines.size(), 5u);
  for (int i = 0; i <= 4; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i)], event(i));
  const auto c = w->counters();
  EXPECT_EQ(c.accepted, 5u);
  EXPECT_EQ(c.written, 5u);
  EXPECT_EQ(c.dropped, 3u);
}

TEST(audit_writer, block_policy_waits_then_drops) {
  stalled_pipe pipe;
  audit_writer_options o;
  o.sink = audit_sink::descriptor;
  o.fd = pipe.write_end;
  o.queue_capacity = 2;
  o.overflow = audit_overflow::block;
  o.block_timeout = std::chrono::milliseconds(30);
  auto w = start(o);
  ASSERT_TRUE(w->submit(event(0)));
  ASSERT_TRUE(eventually([&] { return w->queued() == 0; }));
  EXPECT_TRUE(w->submit(event(1)));
  EXPECT_TRUE(w->submit(event(2)));
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(w->submit(event(3)));
  const auto waited = std::chrono::steady_clock::now() - before;
  EXPECT_GE(waited, std::chrono::milliseconds(29));
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_EQ(w->counters().dropped, 1u);

  pipe.start_reading();
  w->close();
  const auto lines = pipe.finish();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], event(2));
  EXPECT_EQ(w->counters().written, 3u);
}

TEST(audit_writer, block_policy_loses_nothing_when_the_sink_catches_up) {
  stalled_pipe pipe;
  audit_writer_options o;
  o.sink = audit_sink::descriptor;
  o.fd = pipe.write_end;
  o.queue_capacity = 2;  // tiny: producers block often
  o.batch_lines = 1;
  o.overflow = audit_overflow::block;
  o.block_timeout = std::chrono::seconds(20);
  auto w = start(o);
  pipe.start_reading();
  constexpr int producers = 4;
  constexpr int per_producer = 500;
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int t = 0; t < producers; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_producer; ++i) {
        if (!w->submit(event(t * per_producer + i))) refused.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  w->close();
  const auto lines = pipe.finish();
  EXPECT_EQ(refused.load(), 0);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(producers * per_producer));
  // Each producer's events stay in its order.
  std::vector<int> last(producers, -1);
  for (const auto& line : lines) {
    const int n = std::stoi(line.substr(line.find("\"n\":") + 4));
    EXPECT_GT(n % per_producer, last[static_cast<std::size_t>(n / per_producer)]);
    last[static_cast<std::size_t>(n / per_producer)] = n % per_producer;
  }
  EXPECT_EQ(w->counters().dropped, 0u);
}

TEST(audit_writer, failed_writes_are_counted) {
  const int read_only = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(read_only, 0);
  audit_writer_options o;
  o.sink = audit_sink::descriptor;
  o.fd = read_only;  // write(2) fails with EBADF
  auto w = start(o);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(w->submit(event(i)));
  w->flush();
  const auto c = w->counters();
  EXPECT_EQ(c.accepted, 3u);
  EXPECT_EQ(c.written, 0u);
  EXPECT_EQ(c.failed, 3u);
  w.reset();
  ::close(read_only);
}

TEST(audit_writer, bad_sinks_are_refused) {
  std::string error;
  audit_writer_options o;
  o.sink = audit_sink::file;
  o.path = "/nonexistent-dir/ferry/audit.log";
  EXPECT_EQ(audit_writer::start(o, error), nullptr);
  EXPECT_NE(error.find("/nonexistent-dir"), std::string::npos);
  o.path.clear();
  EXPECT_EQ(audit_writer::start(o, error), nullptr);
  o.sink = audit_sink::descriptor;
  o.fd = -1;
  EXPECT_EQ(audit_writer::start(o, error), nullptr);
}

TEST(audit_writer, chain_verifies_and_continues_across_restarts) {
  temp_dir dir;
  audit_writer_options o;
  o.sink = audit_sink::file;
  o.path = dir.file("audit.log");
  o.chain = true;
  o.queue_capacity = 64;
  o.block_timeout = std::chrono::seconds(20);
  std::string head;
  {
    auto w = start(o);
    EXPECT_EQ(w->last_hash(), audit_chain_seed);
    // Many producers: the chain follows the order lines reach the file, whatever it is.
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 250; ++i) EXPECT_TRUE(w->submit(event(t * 1000 + i)));
      });
    }
    for (auto& t : threads) t.join();
    w->close();
    head = w->last_hash();
  }
  {
    std::ifstream in(o.path, std::ios::binary);
    const auto r = verify_audit_chain(in);
    EXPECT_TRUE(r.ok) << r.error << " at line " << r.bad_line;
    EXPECT_EQ(r.lines, 2000u);
    EXPECT_EQ(r.last_hash, head);
  }
  {
    auto w = start(o);  // reopened: continues from the last line
    EXPECT_EQ(w->last_hash(), head);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(w->submit(event(i)));
  }
  {
    std::ifstream in(o.path, std::ios::binary);
    const auto r = verify_audit_chain(in);
    EXPECT_TRUE(r.ok) << r.error << " at line " << r.bad_line;
    EXPECT_EQ(r.lines, 2005u);
  }
  // A torn last line (a crash mid-write): the next writer starts a fresh line, and the
  // verifier points at the torn one.
  {
    std::ofstream out(o.path, std::ios::binary | std::ios::app);
    out << "{\"prev\":\"0123";
  }
  {
    auto w = start(o);
    EXPECT_TRUE(w->submit(event(1)));
  }
  std::ifstream in(o.path, std::ios::binary);
  const auto r = verify_audit_chain(in);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 2006u);
  const auto lines = split_lines(read_file(o.path));
  ASSERT_EQ(lines.size(), 2007u);
  EXPECT_EQ(lines[2006].substr(9, 64), sha256_hex("{\"prev\":\"0123"));  // linked to the torn bytes
}

TEST(audit_writer, chain_through_a_pipe_sink) {
  stalled_pipe pipe;
  pipe.start_reading();
  audit_writer_options o;
  o.sink = audit_sink::descriptor;
  o.fd = pipe.write_end;
  o.chain = true;
  auto w = start(o);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(w->submit(event(i)));
  w->close();
  const auto lines = pipe.finish();
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  std::istringstream in(text);
  const auto r = verify_audit_chain(in);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.lines, 100u);
  EXPECT_EQ(r.last_hash, w->last_hash());
}

}  // namespace
}  // namespace ferry
