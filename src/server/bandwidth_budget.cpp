#include "server/bandwidth_budget.hpp"

#include <algorithm>
#include <deque>
#include <mutex>

namespace ferry {

namespace {

std::int64_t nanoseconds_since_epoch(bandwidth_budget::clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::int64_t nanoseconds_for(std::uint64_t bytes, std::uint64_t rate) {
  return static_cast<std::int64_t>(static_cast<double>(bytes) * 1e9 / static_cast<double>(rate));
}

}  // namespace

void bandwidth_budget::set_rate(std::uint64_t bytes_per_second) {
  rate_.store(std::max<std::uint64_t>(bytes_per_second, 1), std::memory_order_relaxed);
}

std::uint64_t bandwidth_budget::burst() const { return std::max<std::uint64_t>(rate() / 10, 16 * 1024); }

bandwidth_budget::clock::duration bandwidth_budget::wait(clock::time_point now) const {
  const std::int64_t ahead = paid_until_.load(std::memory_order_relaxed) - nanoseconds_since_epoch(now);
  return std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(ahead - nanoseconds_for(burst(), rate())));
}

void bandwidth_budget::charge(std::uint64_t bytes, clock::time_point now) {
  const std::int64_t cost = nanoseconds_for(bytes, rate());
  const std::int64_t at = nanoseconds_since_epoch(now);
  std::int64_t paid = paid_until_.load(std::memory_order_relaxed);
  // Time the host spent below its rate is not banked beyond the burst: start from now.
  while (!paid_until_.compare_exchange_weak(paid, std::max(paid, at) + cost, std::memory_order_relaxed)) {
  }
}

bandwidth_budget& bandwidth_budget_of(std::uint32_t tenant_id) {
  static std::mutex mutex;
  static std::deque<bandwidth_budget> budgets;  // by tenant id; a deque never moves its elements
  const std::lock_guard lock(mutex);
  while (budgets.size() <= tenant_id) budgets.emplace_back();
  return budgets[tenant_id];
}

}  // namespace ferry
