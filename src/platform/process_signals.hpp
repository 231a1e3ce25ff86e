// What the operator asks of the running process: POSIX signals (SIGHUP reload, SIGTERM/SIGINT
// drain, SIGQUIT stop now; SIGPIPE ignored), or on Windows the console's control events
// (Ctrl-C, Ctrl-Break, closing the console, logoff and shutdown: drain; there is no reload
// signal — restart instead).
#pragma once

#include <chrono>
#include <string>

namespace ferry::platform {

enum class process_request { none, reload, drain, stop_now };

struct process_event {
  process_request request = process_request::none;
  std::string name;  // "SIGTERM", "Ctrl-C", ... for the log
};

class process_signals {
 public:
  // Starts catching them. POSIX: blocks the signals in this thread and every thread started
  // after it, so only wait() receives them: construct before any thread starts.
  process_signals();
  process_signals(const process_signals&) = delete;
  process_signals& operator=(const process_signals&) = delete;

  // The next request, or `none` once `timeout` passed without one.
  process_event wait(std::chrono::seconds timeout);
};

}  // namespace ferry::platform
