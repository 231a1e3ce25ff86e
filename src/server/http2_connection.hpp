// One HTTP/2 connection (h2 over TLS via ALPN, or h2c with prior knowledge). The HTTP/2 module's
// session turns bytes into requests and responses into frames; this class does the I/O through
// socket_io (the same as HTTP/1.x, in the clear or through TLS) and runs every stream through
// the same admission, request handler and access log as HTTP/1.x.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modules/http2_protocol.hpp"
#include "modules/stream_positions.hpp"
#include "server/block_pool.hpp"
#include "server/buffer_pool.hpp"
#include "server/connection.hpp"
#include "server/handler_memory.hpp"
#include "server/request_handler.hpp"
#include "server/site.hpp"
#include "server/socket_io.hpp"
#include "server/tcp_socket.hpp"

namespace ferry {

class worker;

class http2_connection : public connection,
                         public std::enable_shared_from_this<http2_connection>,
                         private http2_stream_handler,
                         private limit_waiter {
 public:
  http2_connection(worker& owner, tcp_socket socket, socket_io io, std::string remote);
  ~http2_connection() override;
  http2_connection(const http2_connection&) = delete;
  http2_connection& operator=(const http2_connection&) = delete;

  // `initial`: bytes the HTTP/1.x side already read (the client preface and what followed).
  void start(std::string_view initial);
  void check_deadline(clock::time_point now) override;
  void drain() override;
  void close() override;

 private:
  struct stream;
  friend struct stream;
  // Streams live in blocks of the worker's pool (block_pool): a busy worker allocates none per
  // request.
  struct stream_deleter {
    block_pool* blocks;
    void operator()(stream* s) const;
  };
  using stream_ptr = std::unique_ptr<stream, stream_deleter>;
  stream_ptr make_stream(std::int32_t stream_id, const request& req);
  stream* find_stream(std::int32_t stream_id);
  void erase_stream(std::int32_t stream_id);

  void on_request(std::int32_t stream_id, const request& req) override;
  void on_stream_closed(std::int32_t stream_id, bool response_complete, std::uint64_t body_bytes) override;
  void serve(stream& s);
  request_context context_for(const stream& s);
  void limits_decided(std::uint32_t stream_id, const limit_verdict& verdict) override;
  void refuse(stream& s);
  // `host`: the (virtual) host the request was routed to.
  void answer(stream& s, const site& host);
  // A body paced by its host's max_bandwidth waits until `until`; then the session resumes it.
  void pause_stream(stream& s, clock::time_point until);
  void arm_pause_timer(clock::time_point at);
  void resume_paused_streams();
  void release_slot(stream& s);
  void admit_waiting_streams();

  void wait_readable();
  void rest_before_reading();
  void on_readable();
  // The read that just took `bytes_read` bytes left the socket empty.
  bool socket_drained(std::size_t bytes_read) const;
  void flush();
  void wait_writable(transport_status status);
  void finish_if_done();
  void linger_read();
  void refresh_deadline();
  void release_idle_memory();

  worker& worker_;
  // The read wait's operation (an idle connection's only one): before socket_, as the socket
  // may still hold it when destroyed.
  wait_memory read_wait_memory_;
  tcp_socket socket_;
  socket_io io_;
  std::string remote_;
  std::shared_ptr<const site> site_;
  // The session may refer to its protocol's settings: keep them alive across reloads.
  std::shared_ptr<const http2_protocol> protocol_;
  std::unique_ptr<http2_session> session_;
  // The open streams, and those of them not yet in the worker's admission: made by the first
  // stream, given back with the idle memory.
  struct stream_table {
    // By position, as in the session. A stream's address is stable; its position is not.
    stream_positions ids;
    std::vector<stream_ptr> streams;
    // Not yet admitted, in order from waiting_head: a vector read from the front, not a deque,
    // which allocates a block every 128 streams.
    std::vector<std::int32_t> waiting;
    std::size_t waiting_head = 0;
  };
  std::unique_ptr<stream_table> table_;
  bool no_streams() const { return !table_ || table_->streams.empty(); }
  bool any_waiting() const { return table_ && table_->waiting_head < table_->waiting.size(); }
  // Every open stream gives back its admission slot, and they are gone.
  void drop_streams();
  std::size_t shares_ = 0;            // streams holding a slot or queued in the worker's admission
  // Streams waiting for a rate-limit decision from a shared store; while there are any, the
  // limits hold a pointer to this connection, so it holds itself alive.
  std::size_t limiting_ = 0;
  std::shared_ptr<http2_connection> self_while_limiting_;
  // Streams whose bodies wait for bandwidth: (until, stream id), the latest until (the send
  // deadline waits for it) and one timer for them all; made the first time a stream must wait
  // (most connections never do).
  struct pauses {
    explicit pauses(const asio::any_io_executor& executor) : timer(executor) {}
    std::vector<std::pair<clock::time_point, std::int32_t>> streams;
    clock::time_point until{};
    asio::steady_timer timer;
  };
  std::unique_ptr<pauses> pauses_;
  bool any_paused() const { return pauses_ && !pauses_->streams.empty(); }
  // The connection counts for the host of its first request (tenant_admission; 0: nothing).
  std::uint32_t tenant_connection_ = 0;
  bool attributed_ = false;
  // A stream refused for its host's cap or fair share: the next read waits next_rest_
  // (tenant_admission::rest_after), on a timer made the first time. A connection over its
  // host's connection cap has every stream refused and, after the rest, goes away (GOAWAY).
  bool rest_due_ = false;
  bool over_connection_cap_ = false;
  std::uint8_t tenant_refusals_ = 0;  // streams in a row
  std::chrono::milliseconds next_rest_{0};
  std::unique_ptr<asio::steady_timer> rest_timer_;
  buffer_pool::buffer buffer_;
  std::size_t buffer_size_ = 0;
  output_buffer out_;  // frames produced and not yet written (the thread's spare, lent)
  std::size_t out_sent_ = 0;
  bool read_waiting_ = false;
  bool write_waiting_ = false;
  bool flush_posted_ = false;
  bool closed_ = false;
  bool shutting_down_ = false;
  bool lingering_ = false;
  bool idle_released_ = false;  // release_idle_memory() ran since last_input_
  std::size_t lingered_ = 0;  // bytes discarded while lingering
  clock::time_point now_;
  // While the session produces frames: when that began, the end time of the streams whose last
  // frame it produces (one clock read per batch of frames rather than one per stream).
  std::optional<clock::time_point> producing_since_;
  clock::time_point deadline_;
  clock::time_point last_input_ = clock::now();  // when bytes last arrived
};

}  // namespace ferry
