#include "server/admission_control.hpp"

#include <algorithm>
#include <cmath>

namespace ferry {

namespace {

// The adaptive limit never falls by more than half in one step, so one noisy delay sample
// cannot collapse it.
constexpr double min_gradient = 0.5;

}  // namespace

void admission_control::configure(const admission_config& cfg) {
  cfg_ = cfg;
  retry_after_ = std::to_string((cfg_.retry_after.count() + 999) / 1000);
  const auto low = static_cast<double>(cfg_.min_inflight);
  const auto high = static_cast<double>(cfg_.max_inflight);
  // Adaptive: start at the floor and open up quickly while the loop keeps up (see adapt()), so
  // a burst at start-up cannot get more requests in flight than the worker has shown it serves.
  if (!cfg_.adaptive) {
    limit_ = high;
  } else {
    limit_ = limit_ == 0 ? low : std::clamp(limit_, low, high);
  }
  admit_waiters();  // the new limit may be higher, or admission off
}

admission_verdict admission_control::enter(admission_waiter& waiter, clock::time_point now) {
  // Waiters go first: a newcomer must not overtake the queue when a slot has just been freed.
  // Requests are counted even when admission is off, so a reload that turns it on starts
  // from the true number in flight.
  if (!cfg_.enabled || (inflight_ < limit() && head_ == nullptr)) {
    ++inflight_;
    peak_inflight_ = std::max(peak_inflight_, inflight_);
    return admission_verdict::admitted;
  }
  limit_reached_ = true;
  if (queued_ >= cfg_.queue_size) {
    ++rejected_;
    return admission_verdict::rejected;
  }
  push_back(waiter, now);
  return admission_verdict::queued;
}

void admission_control::leave() {
  if (inflight_ > 0) --inflight_;
  admit_waiters();
}

void admission_control::admit_waiters() {
  while (head_ != nullptr && (!cfg_.enabled || inflight_ < limit())) {
    admission_waiter& next = *head_;
    unlink(next);
    ++inflight_;
    peak_inflight_ = std::max(peak_inflight_, inflight_);
    next.admitted();
  }
}

void admission_control::cancel(admission_waiter& waiter) {
  if (waiter.queued_) unlink(waiter);
}

void admission_control::expire(clock::time_point now) {
  while (head_ != nullptr && now - head_->queued_at_ >= cfg_.queue_timeout) {
    admission_waiter& oldest = *head_;
    unlink(oldest);
    ++rejected_;
    oldest.timed_out();
  }
}

bool admission_control::adapt(std::chrono::microseconds loop_delay) {
  const std::size_t before = limit();
  const std::size_t peak = std::exchange(peak_inflight_, inflight_);
  const bool reached = std::exchange(limit_reached_, false);
  if (!cfg_.enabled || !cfg_.adaptive) return false;
  const auto low = static_cast<double>(cfg_.min_inflight);
  const auto high = static_cast<double>(cfg_.max_inflight);
  const auto target = std::chrono::duration<double, std::micro>(cfg_.latency_target).count();
  const auto delay = std::max(1.0, static_cast<double>(loop_delay.count()));
  if (delay > target) {
    // Scale what was actually in use, not a ceiling far above it: a limit of 1024 with 40
    // requests in flight would otherwise take many ticks to start holding anything back.
    const double in_use = std::min(limit_, std::max(static_cast<double>(peak), low));
    limit_ = std::clamp(in_use * std::max(min_gradient, target / delay), low, high);
  } else if (reached && delay <= target / 2) {
    limit_ = std::clamp(limit_ * 2, low, high);  // far from the target: double, like slow start
  } else if (reached) {
    limit_ = std::clamp(limit_ + std::max(1.0, std::sqrt(limit_) / 2), low, high);
  }
  // A higher limit may let waiters in straight away.
  admit_waiters();
  return limit() != before;
}

void admission_control::push_back(admission_waiter& waiter, clock::time_point now) {
  waiter.queued_ = true;
  waiter.queued_at_ = now;
  waiter.prev_ = tail_;
  waiter.next_ = nullptr;
  if (tail_ != nullptr) {
    tail_->next_ = &waiter;
  } else {
    head_ = &waiter;
  }
  tail_ = &waiter;
  ++queued_;
}

void admission_control::unlink(admission_waiter& waiter) {
  if (waiter.prev_ != nullptr) {
    waiter.prev_->next_ = waiter.next_;
  } else {
    head_ = waiter.next_;
  }
  if (waiter.next_ != nullptr) {
    waiter.next_->prev_ = waiter.prev_;
  } else {
    tail_ = waiter.prev_;
  }
  waiter.prev_ = waiter.next_ = nullptr;
  waiter.queued_ = false;
  --queued_;
}

}  // namespace ferry
