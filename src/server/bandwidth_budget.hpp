// A virtual host's bandwidth cap ([[vhosts]] max_bandwidth): how fast its response bodies may
// leave, across every worker of the process. It works like GCRA on bytes: each body piece that
// is sent moves a "theoretical arrival time" on by bytes / rate; a sender may go on while that
// time is at most one burst ahead of now, and otherwise waits until it is. Senders charge after
// sending, so the process may run ahead by the pieces in flight at once (each at most burst()).
//
// One atomic word per host, touched once per body piece of a capped host only (a piece is up to
// 64 KiB on HTTP/1, one DATA frame on HTTP/2): uncapped hosts never reach it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ferry {

class bandwidth_budget {
 public:
  using clock = std::chrono::steady_clock;

  // The rate in bytes per second (> 0). A reload that changes it applies from the next piece.
  void set_rate(std::uint64_t bytes_per_second);
  std::uint64_t rate() const { return rate_.load(std::memory_order_relaxed); }
  // How far ahead of the rate senders may get: a tenth of a second's worth, at least 16 KiB.
  // Also the largest piece a sender should send between two checks.
  std::uint64_t burst() const;

  // How long a sender must wait before its next piece (zero or less: send now).
  clock::duration wait(clock::time_point now) const;
  // `bytes` of body went out.
  void charge(std::uint64_t bytes, clock::time_point now);

 private:
  std::atomic<std::uint64_t> rate_{1};
  // Nanoseconds since the clock's epoch at which everything charged so far has been paid for.
  std::atomic<std::int64_t> paid_until_{0};
};

// The process-wide budget of the virtual host with this tenant id (site::tenant_id, > 0).
// Budgets are never freed: the reference stays valid for the life of the process.
bandwidth_budget& bandwidth_budget_of(std::uint32_t tenant_id);

// One response body's pacing against its host's budget; a null budget paces nothing. The sender
// reports the body bytes sent so far and hears how long to wait before the next piece.
class body_pacer {
 public:
  using clock = bandwidth_budget::clock;

  void start(bandwidth_budget* budget) {
    budget_ = budget;
    charged_ = 0;
  }
  bool active() const { return budget_ != nullptr; }
  // The largest piece to send before asking again.
  std::uint64_t piece_limit() const { return budget_->burst(); }
  // Charges what was sent since the last call (`sent`: the body's running total) and returns the
  // wait before the next piece (zero or less: go on).
  clock::duration next_piece(std::uint64_t sent, clock::time_point now) {
    settle(sent, now);
    return budget_->wait(now);
  }
  // Charges what was sent since the last call; at the end of a body.
  void settle(std::uint64_t sent, clock::time_point now) {
    if (budget_ == nullptr || sent <= charged_) return;
    budget_->charge(sent - charged_, now);
    charged_ = sent;
  }

 private:
  bandwidth_budget* budget_ = nullptr;
  std::uint64_t charged_ = 0;
};

}  // namespace ferry
