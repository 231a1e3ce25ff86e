// A connection's slot for its pending socket operation: the readiness wait an idle HTTP/2
// connection leaves pending fits wait_memory (else it would silently go to the heap and the
// slot would be dead weight), the slot is free again when the handler runs, and what does not
// fit, needs more alignment than the slot has, or comes while the slot is taken, goes to the
// heap.
#include "server/handler_memory.hpp"

#include <gtest/gtest.h>

#include <asio.hpp>

#include <memory>

#include "server/tcp_socket.hpp"

namespace ferry {
namespace {

TEST(handler_memory, a_readiness_wait_holding_a_shared_ptr_fits_the_wait_slot) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp_socket server(io);
  acceptor.accept(server);

  // As a connection's handler: nothing but a shared_ptr (to what the handler looks at).
  struct observed {
    wait_memory memory;
    bool slot_free_in_handler = false;
  };
  const auto state = std::make_shared<observed>();
  wait_memory& memory = state->memory;
  server.async_wait(tcp_socket::wait_read, with_memory(memory, [state](const asio::error_code& ec) {
                      EXPECT_FALSE(ec);
                      state->slot_free_in_handler = !state->memory.in_use();
                    }));
  EXPECT_TRUE(memory.in_use());
  asio::write(client, asio::buffer("x", 1));
  EXPECT_EQ(io.run_one(), 1U);
  EXPECT_TRUE(state->slot_free_in_handler);
  EXPECT_FALSE(memory.in_use());
}

TEST(handler_memory, a_second_larger_or_more_aligned_request_goes_to_the_heap) {
  wait_memory memory;
  void* too_large = memory.allocate(wait_memory::capacity + 1, 8);
  EXPECT_FALSE(memory.in_use());
  void* over_aligned = memory.allocate(16, 2 * alignof(void*));
  EXPECT_FALSE(memory.in_use());
  memory.deallocate(over_aligned);
  void* first = memory.allocate(wait_memory::capacity, 8);
  EXPECT_TRUE(memory.in_use());
  void* second = memory.allocate(16, 8);
  EXPECT_NE(second, first);
  memory.deallocate(second);
  EXPECT_TRUE(memory.in_use());
  memory.deallocate(first);
  EXPECT_FALSE(memory.in_use());
  memory.deallocate(too_large);
  void* again = memory.allocate(8, 8);
  EXPECT_TRUE(memory.in_use());
  memory.deallocate(again);
  EXPECT_FALSE(memory.in_use());
}

}  // namespace
}  // namespace ferry
