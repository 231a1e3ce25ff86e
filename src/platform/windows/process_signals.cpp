#include "platform/process_signals.hpp"

#include <windows.h>

#include <condition_variable>
#include <mutex>

namespace ferry::platform {

namespace {

std::mutex pending_mutex;
std::condition_variable pending_changed;
process_event pending;

BOOL WINAPI on_console_event(DWORD type) {
  const char* name = nullptr;
  switch (type) {
    case CTRL_C_EVENT: name = "Ctrl-C"; break;
    case CTRL_BREAK_EVENT: name = "Ctrl-Break"; break;
    case CTRL_CLOSE_EVENT: name = "console closed"; break;
    case CTRL_LOGOFF_EVENT: name = "logoff"; break;
    case CTRL_SHUTDOWN_EVENT: name = "shutdown"; break;
    default: return FALSE;
  }
  {
    const std::lock_guard lock(pending_mutex);
    pending = {process_request::drain, name};
  }
  pending_changed.notify_all();
  return TRUE;
}

}  // namespace

process_signals::process_signals() { ::SetConsoleCtrlHandler(on_console_event, TRUE); }

process_event process_signals::wait(std::chrono::seconds timeout) {
  std::unique_lock lock(pending_mutex);
  pending_changed.wait_for(lock, timeout, [] { return pending.request != process_request::none; });
  process_event event = pending;
  pending = {};
  return event;
}

}  // namespace ferry::platform
