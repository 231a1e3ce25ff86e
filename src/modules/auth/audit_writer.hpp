// The audit writer: worker threads hand over finished event objects, one thread writes them in
// batches, so a slow disk or syslog never stalls a request for longer than the overflow policy
// says. The queue is bounded (a ring of reused strings: no allocation per event once warm).
//
// Full queue: `drop` refuses the event at once; `block` waits up to block_timeout for room and
// then refuses it. Refused events are counted in `dropped` (export it as a metric: an audit
// trail with holes must be visible). close() (and the destructor) writes everything accepted
// before returning, so an orderly shutdown loses nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "modules/auth/audit_chain.hpp"

namespace ferry {

enum class audit_sink : std::uint8_t {
  file,             // append to `path` (created 0640 when missing)
  standard_output,  // fd 1, e.g. under systemd or in a container
  descriptor,       // `fd`, which the caller keeps and closes (tests, inherited descriptors)
  syslog,           // syslog(3) at LOG_INFO, one message per event
};

enum class audit_overflow : std::uint8_t { block, drop };

struct audit_writer_options {
  audit_sink sink = audit_sink::standard_output;
  std::string path;  // file
  int fd = -1;       // descriptor
  std::size_t queue_capacity = 4096;  // events; at least 1
  audit_overflow overflow = audit_overflow::block;
  std::chrono::milliseconds block_timeout{10};
  std::size_t batch_lines = 256;  // events per write(2)
  // Hash-chain the lines (audit_chain.hpp). Appending to an existing file continues its chain
  // from its last line.
  bool chain = false;
  std::string syslog_ident = "ferry-audit";
  int syslog_facility = -1;  // -1: LOG_AUTHPRIV
};

struct audit_writer_counters {
  std::uint64_t accepted = 0;  // queued by submit()
  std::uint64_t written = 0;   // handed to the sink completely
  std::uint64_t dropped = 0;   // refused: queue full (after the wait, for block) or writer closed
  std::uint64_t failed = 0;    // accepted but the write failed (disk full, EIO...)
};

class audit_writer {
 public:
  // Opens the sink and starts the thread. Null with `error` set when the file cannot be opened
  // or its chain cannot be continued.
  static std::unique_ptr<audit_writer> start(audit_writer_options options, std::string& error);

  ~audit_writer();
  audit_writer(const audit_writer&) = delete;
  audit_writer& operator=(const audit_writer&) = delete;

  // Queues one event object (no newline). False when it was dropped. Thread-safe.
  bool submit(std::string_view event);

  // Returns once every event accepted before the call has been written (or has failed).
  void flush();

  // Writes what is queued, stops the thread, syncs and closes the sink. Idempotent; later
  // submits are dropped.
  void close();

  audit_writer_counters counters() const;
  std::size_t queued() const;
  // The chain's head: sha256 of the last line written (the seed before any). "" without chain.
  std::string last_hash() const;

 private:
  explicit audit_writer(audit_writer_options options);
  void run();
  // Writes the batch to the sink; returns how many lines made it.
  std::size_t write_batch(std::size_t lines);
  bool write_all(std::string_view bytes, std::size_t& written);

  audit_writer_options options_;
  int fd_ = -1;
  bool owns_fd_ = false;

  mutable std::mutex mutex_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::condition_variable done_;
  std::vector<std::string> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;           // the thread has exited
  std::uint64_t accepted_seq_ = 0;  // events accepted so far
  std::uint64_t finished_seq_ = 0;  // events the thread is done with (written or failed)

  // Owned by the writer thread.
  std::vector<std::string> batch_;
  std::string buffer_;
  std::vector<std::size_t> line_ends_;
  std::unique_ptr<audit_chain> chain_;
  std::string chain_head_;  // guarded by mutex_: last_hash() reads it

  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> failed_{0};

  std::mutex close_mutex_;
  std::thread thread_;
};

}  // namespace ferry
