// Where idle plaintext HTTP/1 keep-alive connections wait for their next request. Held in Asio,
// an idle connection costs its connection object, Asio's per-socket state and a pending wait
// (about 1 KB with allocator overhead); parked, it is one record of a few dozen bytes and a
// descriptor in an epoll set of the worker's own, which the worker's loop watches as one more
// descriptor. When the client sends again (or closes) the record is handed back to the worker,
// which builds a fresh connection from it; past its idle deadline the socket is closed here.
// Linux only (epoll); elsewhere park() refuses and idle connections stay held in Asio.
#pragma once

#include <asio.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/socket_calls.hpp"
#include "server/handler_memory.hpp"

namespace ferry {

struct parked_connection {
  using clock = std::chrono::steady_clock;

  platform::native_socket fd = platform::no_socket;
  std::uint32_t tenant_connection = 0;  // what its host's connection cap counted (tenant_admission)
  std::uint32_t requests_served = 0;
  std::uint16_t redirect_to_port = 0;   // non-zero: accepted by a redirect listener
  std::uint8_t tenant_refusals = 0;
  bool first_request = false;           // nothing asked on it yet
  bool socket_v6 = false;               // the socket's own family (IPv4 clients may come over IPv6)
  bool remote_v6 = false;
  bool peer_loopback = false;           // the TCP peer is on this host (files.sendfile)
  std::array<unsigned char, 16> remote{};  // the client: the peer, or the PROXY header's source
  clock::time_point deadline;              // the idle (or first request head) timeout

  // The address as text, and back; set_remote is false for text that is not an IP address.
  bool set_remote(std::string_view text);
  std::string remote_text() const;
};

class idle_park {
 public:
  using clock = parked_connection::clock;
  // on_wake: the client sent something (or closed); the handler owns the socket from then on.
  // on_closed: the park closed the socket (deadline, close_all); the handler releases the rest.
  using handler = std::function<void(const parked_connection&)>;

  idle_park(asio::io_context& io, handler on_wake, handler on_closed);
  ~idle_park();  // closes what is still parked, without calling on_closed
  idle_park(const idle_park&) = delete;
  idle_park& operator=(const idle_park&) = delete;

  // Takes the socket; false (the socket untouched, still the caller's) when it cannot be watched.
  bool park(const parked_connection& c);
  std::size_t size() const { return records_.size(); }
  // Closes the sockets past their deadline: at most once a second, it scans every record.
  void expire(clock::time_point now);
  void close_all();

 private:
  void wait();
  void wake_ready();
  parked_connection take(std::size_t index);

#ifdef __linux__
  int epoll_fd_ = -1;
  // The park's one pending wait lives here: taken from Asio's per-thread cache it would hold a
  // block the worker's other operations recycle, and they would allocate.
  handler_memory wait_memory_;
  asio::posix::stream_descriptor watcher_;
#endif
  handler on_wake_;
  handler on_closed_;
  std::vector<parked_connection> records_;
  std::vector<std::uint32_t> index_by_fd_;  // records_ index + 1, 0 = not parked
  clock::time_point next_sweep_{};
  bool waiting_ = false;
};

}  // namespace ferry
