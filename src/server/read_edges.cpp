#include "server/read_edges.hpp"

#if defined(ASIO_HAS_EPOLL) && !defined(ASIO_HAS_IO_URING_AS_DEFAULT) && ASIO_VERSION == 102201
#define FERRY_READ_EDGES 1
#else
#define FERRY_READ_EDGES 0
#endif

namespace ferry {

#if FERRY_READ_EDGES

namespace {

using tcp_socket_base = asio::basic_socket<asio::ip::tcp, asio::io_context::executor_type>;
using descriptor_state = asio::detail::epoll_reactor::descriptor_state;
using reactor = asio::detail::epoll_reactor;

// An explicit instantiation may name private members ([temp.spec.general]); the friend it
// defines hands the member pointer out.
template <typename Tag, typename Tag::type Member>
struct expose {
  friend constexpr typename Tag::type member(Tag) { return Member; }
};

struct socket_impl {
  using type = asio::detail::io_object_impl<asio::detail::reactive_socket_service<asio::ip::tcp>,
                                            asio::io_context::executor_type> tcp_socket_base::*;
  friend constexpr type member(socket_impl);
};
struct first_tries {
  using type = bool (descriptor_state::*)[reactor::max_ops];
  friend constexpr type member(first_tries);
};
struct op_queues {
  using type = asio::detail::op_queue<asio::detail::reactor_op> (descriptor_state::*)[reactor::max_ops];
  friend constexpr type member(op_queues);
};

template struct expose<socket_impl, &tcp_socket_base::impl_>;
template struct expose<first_tries, &descriptor_state::try_speculative_>;
template struct expose<op_queues, &descriptor_state::op_queue_>;

descriptor_state* state_of(tcp_socket& socket) {
  tcp_socket_base& base = socket;
  return (base.*member(socket_impl{})).get_implementation().reactor_data_;
}

}  // namespace

bool receive_was_queued(tcp_socket& socket) {
  descriptor_state* state = state_of(socket);
  if (state == nullptr) return false;
  const auto& queues = state->*member(op_queues{});
  return !queues[reactor::read_op].empty() && queues[reactor::write_op].empty() && queues[reactor::except_op].empty();
}

void expect_read_edge(tcp_socket& socket) {
  if (descriptor_state* state = state_of(socket)) (state->*member(first_tries{}))[reactor::read_op] = false;
}

bool awaits_read_edge(tcp_socket& socket) {
  descriptor_state* state = state_of(socket);
  return state != nullptr && !(state->*member(first_tries{}))[reactor::read_op];
}

#else

bool receive_was_queued(tcp_socket&) { return false; }
void expect_read_edge(tcp_socket&) {}
bool awaits_read_edge(tcp_socket&) { return false; }

#endif

}  // namespace ferry
