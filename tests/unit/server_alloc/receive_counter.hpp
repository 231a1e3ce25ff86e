// Counts the recv() calls of threads that opt in, and how many of them found nothing
// (EAGAIN): a keep-alive connection should receive each request once, not first try a socket
// the client has not written to yet. receive_counter.cpp defines recv() for the whole binary
// (Asio and the server call it by that name), passing every call on to the kernel.
#pragma once

#include <cstdint>

namespace ferry::receive_count {

// Turns counting on or off for the calling thread (off by default).
void set_counting(bool on);

struct counts {
  std::uint64_t calls = 0;
  std::uint64_t would_block = 0;  // failed with EAGAIN/EWOULDBLOCK
};
// What counting threads did so far, all together.
counts total();

}  // namespace ferry::receive_count
