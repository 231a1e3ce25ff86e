// Lets a connection wait for a socket's next read edge without a system call.
//
// Asio's epoll reactor registers every socket once, edge-triggered. A receive started on it is
// first tried at once ("speculatively"), and Asio keeps trying first until the peer closes: a
// keep-alive connection that starts its receive right after a response finds nothing there most
// of the time, and pays a recv() that fails with EAGAIN (about 0.3 us) per request. The other
// public way to wait, async_wait, pays an epoll_ctl() instead.
//
// The reactor keeps, per socket, whether a receive may be tried first; epoll sets it again with
// every edge it reports. expect_read_edge() clears it: a receive started afterwards goes straight
// into the queue of operations epoll's next edge on that socket performs. That is only right
// while every byte in the socket has arrived after its last drain (epoll reports such bytes
// with an edge of their own), so a connection calls it only in the completion of a receive that
// the reactor performed on an edge and that found fewer bytes than it asked for, with nothing
// between that receive and the call: Asio runs the completion of the first operation an edge
// performs right after performing it, and receive_was_queued() tells that the receive will be
// that one. (A short TCP read means the receive queue was empty, but for urgent data, which
// stops a read early: a client that sends TCP urgent data may wait for its own request's answer
// until the request-head timeout. HTTP clients never do; nginx relies on the same.)
//
// Reaching the reactor's per-socket state takes Asio's private members (through the explicit
// instantiation rule, which waives access checks); it is compiled for Asio 1.22's epoll reactor
// only, and everywhere else these functions do nothing and receives are tried first as before.
#pragma once

#include <asio.hpp>

#include "server/tcp_socket.hpp"

namespace ferry {

// True when a receive just started on `socket` waits in the reactor's queue (it was not tried
// at once, or was tried and found nothing) as the socket's only operation: its completion then
// runs right after epoll's edge performed it. (The caller starts no other operation on the
// socket until it completes.)
bool receive_was_queued(tcp_socket& socket);

// The socket was found drained by a receive that completed just now (see above): the next
// receive waits for epoll's next edge instead of trying first.
void expect_read_edge(tcp_socket& socket);

// True while the next receive on `socket` would wait for an edge (expect_read_edge() was called
// and no edge came since).
bool awaits_read_edge(tcp_socket& socket);

}  // namespace ferry
