#include "platform/process_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <csignal>

namespace ferry::platform {

namespace {

sigset_t handled_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&signals, s);
  return signals;
}

}  // namespace

process_signals::process_signals() {
  const sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

process_event process_signals::wait(std::chrono::seconds timeout) {
  const sigset_t signals = handled_signals();
#ifdef __APPLE__
  // macOS has no sigtimedwait: sigwait blocks until a signal (the timeout's poll is skipped).
  (void)timeout;
  int sig = 0;
  if (sigwait(&signals, &sig) != 0) return {};
#else
  const timespec poll{.tv_sec = static_cast<time_t>(timeout.count()), .tv_nsec = 0};
  const int sig = sigtimedwait(&signals, nullptr, &poll);
  if (sig < 0) return {};  // the timeout (EAGAIN) or an unrelated signal (EINTR)
#endif
  switch (sig) {
    case SIGHUP: return {process_request::reload, "SIGHUP"};
    case SIGQUIT: return {process_request::stop_now, "SIGQUIT"};
    case SIGTERM: return {process_request::drain, "SIGTERM"};
    default: return {process_request::drain, "SIGINT"};
  }
}

}  // namespace ferry::platform
