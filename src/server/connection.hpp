// What the worker needs from every kind of connection (HTTP/1.x, HTTP/2): its place in the
// worker's list, deadline checks on each tick, and the two ways of ending it.
#pragma once

#include <chrono>
#include <cstddef>

namespace ferry {

class connection {
 public:
  using clock = std::chrono::steady_clock;

  virtual ~connection() = default;
  // Called by the worker's tick.
  virtual void check_deadline(clock::time_point now) = 0;
  // Graceful: close when idle, else after the responses in flight.
  virtual void drain() = 0;
  // Immediate close (end of the grace period).
  virtual void close() = 0;

  std::size_t slot = 0;  // index in the worker's connection list
};

}  // namespace ferry
