// Admission control for one worker: how many requests may be in flight at once (a request is in
// flight from the moment it is admitted until its response has been handed to the kernel), a
// bounded FIFO of requests waiting for a slot, and the verdict "reject" past it (the protocol
// answers 503 with Retry-After). Pure bookkeeping: no I/O, no clock reads, no allocation, so it
// is unit-tested without sockets and costs a few integer operations per request.
//
// The limit can adapt. Requests here are served on the worker's event loop, so when the worker
// is overloaded the symptom is the loop falling behind: every socket waits longer before it is
// serviced. The worker measures that delay on each tick and hands it to adapt(), which works
// like a gradient limiter (Netflix concurrency-limits): the limit shrinks in proportion to how
// far the delay exceeds the target (at most halving per tick); while the limit is what holds
// requests back it doubles per tick when the delay is under half the target and grows by about
// √limit when it is closer. It starts at the floor.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "config/config.hpp"

namespace ferry {

// Something waiting for a slot: an HTTP/1 connection with a parsed request (later an HTTP/2
// stream). Queued waiters are linked through these fields, so queueing never allocates.
class admission_waiter {
 public:
  // The waiter now holds a slot and must call leave() when done. Called from inside another
  // request's leave(), so it must not do the request's work synchronously: post it.
  virtual void admitted() = 0;
  // The waiter was in the queue longer than queue_timeout and has been removed from it.
  virtual void timed_out() = 0;

  virtual ~admission_waiter() = default;

 private:
  friend class admission_control;
  admission_waiter* prev_ = nullptr;
  admission_waiter* next_ = nullptr;
  std::chrono::steady_clock::time_point queued_at_{};
  bool queued_ = false;
};

enum class admission_verdict { admitted, queued, rejected };

class admission_control {
 public:
  using clock = std::chrono::steady_clock;

  explicit admission_control(const admission_config& cfg) { configure(cfg); }
  admission_control(const admission_control&) = delete;
  admission_control& operator=(const admission_control&) = delete;

  // Applies a (re)loaded configuration. Requests in flight and waiters stay as they are; the
  // limit is clamped into the new bounds (or set to max_inflight when not adaptive).
  void configure(const admission_config& cfg);

  // A request wants to start. admitted: it holds a slot (call leave() when done); queued: the
  // waiter is linked in and will hear admitted() or timed_out(); rejected: answer 503.
  admission_verdict enter(admission_waiter& waiter, clock::time_point now);
  // A request that held a slot is done; the slot goes to the longest waiter, if any.
  void leave();
  // A queued waiter went away (its connection closed). No effect when it is not queued.
  void cancel(admission_waiter& waiter);
  // Removes and reports (timed_out) every waiter queued for queue_timeout or longer.
  void expire(clock::time_point now);
  // Feeds the event loop's delay observed since the last call. Returns true when the whole
  // number limit() changed.
  bool adapt(std::chrono::microseconds loop_delay);

  // A request entering now would have to wait (or be refused): every slot is taken, or others
  // are already waiting.
  bool would_wait() const { return cfg_.enabled && (inflight_ >= limit() || head_ != nullptr); }
  // A request was refused before entering, for its tenant's fair share (tenant_admission): it
  // counts as a refusal, and as demand the limit could not meet (for adapt()).
  void refuse_over_share() {
    ++rejected_;
    limit_reached_ = true;
  }

  bool enabled() const { return cfg_.enabled; }
  std::size_t limit() const { return static_cast<std::size_t>(limit_); }
  std::size_t queue_size() const { return cfg_.queue_size; }
  std::size_t inflight() const { return inflight_; }
  std::size_t queued() const { return queued_; }
  // Requests refused (queue full or waited too long) since the worker started.
  std::uint64_t rejected() const { return rejected_; }
  // The Retry-After value for refused requests: whole seconds, rounded up.
  const std::string& retry_after() const { return retry_after_; }

 private:
  void push_back(admission_waiter& waiter, clock::time_point now);
  void unlink(admission_waiter& waiter);
  void admit_waiters();

  admission_config cfg_;
  std::string retry_after_;
  double limit_ = 0;
  std::size_t inflight_ = 0;
  std::size_t queued_ = 0;
  std::uint64_t rejected_ = 0;
  std::size_t peak_inflight_ = 0;  // since the last adapt()
  bool limit_reached_ = false;     // a request had to wait or was refused since the last adapt()
  admission_waiter* head_ = nullptr;
  admission_waiter* tail_ = nullptr;
};

}  // namespace ferry
