#include "server_alloc/receive_counter.hpp"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace ferry::receive_count {

namespace {
std::atomic<std::uint64_t> calls{0};
std::atomic<std::uint64_t> would_block{0};
thread_local bool counting_on = false;
}  // namespace

void set_counting(bool on) { counting_on = on; }

counts total() { return {calls.load(), would_block.load()}; }

}  // namespace ferry::receive_count

// Replaces the C library's recv (glibc's own is recvfrom without an address). A definition in
// the executable wins over the library's, and over the sanitizers' (weak) interceptor.
extern "C" ssize_t recv(int fd, void* into, size_t length, int flags) {
  const auto n = static_cast<ssize_t>(::syscall(SYS_recvfrom, fd, into, length, flags, nullptr, nullptr));
  if (ferry::receive_count::counting_on) {
    ferry::receive_count::calls.fetch_add(1, std::memory_order_relaxed);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ferry::receive_count::would_block.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return n;
}
