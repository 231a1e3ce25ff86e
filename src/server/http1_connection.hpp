// One HTTP/1.x connection. Reactor style: wait for readability without holding a buffer, read
// what is there, parse, build the response through the shared request path, write it with
// non-blocking writev/sendfile, repeat. Deadlines are checked by the worker's tick.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "server/admission_control.hpp"
#include "server/buffer_pool.hpp"
#include "server/connection.hpp"
#include "server/exchange_pool.hpp"
#include "server/handler_memory.hpp"
#include "server/idle_park.hpp"
#include "server/request_handler.hpp"
#include "server/site.hpp"
#include "server/socket_io.hpp"
#include "server/tcp_socket.hpp"

namespace ferry {

class worker;

class http1_connection : public connection,
                         public std::enable_shared_from_this<http1_connection>,
                         private admission_waiter,
                         private limit_waiter {
 public:
  // `tls`: the transport of the TLS listener that accepted the socket, null for plaintext. Used
  // only by start(); the session it opens keeps what it needs.
  // `redirect_to_port`: non-zero on a redirect listener: every request is answered with 308 to
  // https://HOST:that-port/target.
  // `admin`: a metrics.listen connection (HTTP/1.1, built-in endpoints only).
  // `proxy_protocol`: the connection starts with a PROXY protocol header (before TLS), whose
  // source address replaces the peer's; without a valid one it is closed without an answer.
  http1_connection(worker& owner, tcp_socket socket, secure_transport* tls = nullptr,
                   std::uint16_t redirect_to_port = 0, bool admin = false, bool proxy_protocol = false);
  ~http1_connection();
  http1_connection(const http1_connection&) = delete;
  http1_connection& operator=(const http1_connection&) = delete;

  void start();
  // Takes over a socket the worker's idle park handed back (it is readable, or at EOF).
  void resume(const parked_connection& parked);
  void check_deadline(clock::time_point now) override;
  void drain() override;
  void close() override;
  // The keep-alive receive after a response, started once the other ready connections had
  // their turn (worker::next_turn).
  void next_turn();

 private:
  // proxy_header: waiting for the PROXY protocol header, before anything else.
  // queued: a complete request waits for an admission slot; nothing is read meanwhile.
  // limiting: it waits for a rate-limit decision from a shared store (Redis), nothing read either.
  // resting: refused for its host's cap or fair share, it is not read for a while.
  enum class phase { proxy_header, handshake, idle, reading, queued, limiting, writing, resting, lingering, closed };

  void wait_proxy_header();
  void read_proxy_header();
  void begin_protocol();
  void continue_handshake();
  bool starts_http2() const;
  void hand_over_to_http2(std::string_view received);
  void wait_readable();
  void on_readable();
  void on_received(const asio::error_code& ec, std::size_t n);
  void receive_secure();
  void on_secure_received(const asio::error_code& ec, std::size_t n);
  void note_bytes_arrived();
  void demote_idle_buffer(clock::time_point now);
  bool resume_after_demotion(const asio::error_code& ec);
  bool parkable(clock::time_point now) const;
  void park();
  void process_input();
  void answer_buffered_requests();  // process_input's loop over the requests read so far
  void respond(const request& req, int parse_error);
  // Builds and starts writing the response: the request path's answer when error_status is 0,
  // else that error (`close_after`: the framing is in doubt, the connection ends).
  void write_response(const request& req, int error_status, bool close_after);
  // Serialises the response built for `req` and starts writing it.
  void send_response(const request& req, bool close_after);
  request_context context_for(const request& req);
  void limits_decided(std::uint32_t tag, const limit_verdict& verdict) override;
  void redirect_to_https(const request& req);
  // A virtual host's caps: false (after answering 503) when its connection or in-flight cap
  // is reached.
  bool within_tenant_caps(const request& req);
  void admitted() override;
  void timed_out() override;
  void leave_admission();
  bool send_continue();
  void write_more();
  bool joins_pipelined_batch() const;
  void hold_output();
  void send_held_output();
  void on_writable(const asio::error_code& ec);
  void yield_turn();
  void wait_writable(transport_status status);  // continue write_more after other ready connections had their turn
  bool fill_output();  // moves the next body piece on; false when write_more must stop
  std::uint64_t piece_limit() const;  // the most file bytes fill_output moves at once
  bool copies_file_range(std::uint64_t length) const;  // read + send rather than sendfile
  // True (with write_more to resume later) when the host's max_bandwidth is spent for now.
  bool wait_for_bandwidth();
  void resume_after(clock::duration wait);
  void rest_before_next_request();
  void refuse_connection_after_rest(std::chrono::milliseconds rest);
  bool next_piece_is_copied() const;
  bool append_encoded(std::span<const char> input, bool finish);
  void mark_finished_if_done();
  void finish_response();
  void begin_lingering_close();
  void linger_read();
  void release_buffer();
  void set_deadline(std::chrono::milliseconds timeout);
  // A socket operation's handler, its memory in io_memory_.
  template <typename Handler>
  auto in_place(Handler&& handler) {
    return with_memory(io_memory_, std::forward<Handler>(handler));
  }

  worker& worker_;
  handler_memory io_memory_;  // before socket_: operations it still holds die with the socket
  tcp_socket socket_;
  platform::native_socket fd_;
  socket_io io_;
  secure_transport* tls_;
  std::uint16_t redirect_to_port_;
  bool admin_;
  bool proxy_protocol_;
  bool socket_v6_ = false;  // the socket's family, for rebuilding it after parking
  bool peer_loopback_ = false;  // the TCP peer (not a PROXY header's client) is this host
  std::string redirect_location_;
  // The connection's address: the peer's, or the source a PROXY header gave.
  std::string remote_;
  // Who the current request is from: remote_, or client_storage_ holding the client a trusted
  // proxy named ([client_address]).
  std::string_view client_;
  std::string client_storage_;
  phase phase_ = phase::idle;
  // Read once per I/O event: deadlines need milliseconds, not a clock call per step.
  clock::time_point now_;
  clock::time_point deadline_;
  bool first_request_ = true;
  bool draining_ = false;
  bool in_process_input_ = false;
  bool defer_receive_ = false;  // the next wait_readable follows a response (keep-alive)
  bool demoting_ = false;  // the hot receive was cancelled to give the buffer back
  bool receive_queued_ = false;  // the hot receive waits for epoll's edge (read_edges.hpp)
  // Over TLS: reused, so it waits for the next request by receiving into received_ (until the
  // tick demotes it, as the buffer of a plaintext one).
  bool secure_hot_ = false;
  clock::time_point idle_since_;
  unsigned requests_served_ = 0;
  bool holds_slot_ = false;  // counted in flight by the worker's admission control
  // What the virtual host's caps counted (tenant_admission; 0: nothing).
  std::uint32_t tenant_request_ = 0;
  std::uint32_t tenant_connection_ = 0;
  std::uint8_t tenant_refusals_ = 0;  // in a row, for the rest before the next request
  bool refuse_after_rest_ = false;    // over its host's connection cap: 503 once the rest is over
  std::size_t lingered_ = 0;  // bytes discarded while lingering
  // While queued or limiting no I/O operation holds the connection alive; this reference does.
  std::shared_ptr<http1_connection> self_while_waiting_;
  // Made the first time a response must pause (max_bandwidth); most connections never need it.
  std::unique_ptr<asio::steady_timer> pause_timer_;

  // Reading.
  buffer_pool::buffer buffer_;
  std::size_t buffer_size_ = 0;
  std::size_t length_ = 0;        // bytes in buffer_
  buffer_pool::buffer received_;  // TLS records received for the session (receive_secure)
  std::size_t received_size_ = 0;
  std::size_t parsed_ = 0;        // bytes handed to the parser
  std::size_t body_anchor_ = 0;   // start of discardable body bytes, 0 = none yet
  std::shared_ptr<const site> site_;
  // Parser, response and output buffer: held only while a request is in flight.
  std::unique_ptr<http1_exchange> ex_;

  // Writing.
  std::size_t out_sent_ = 0;
  // ex_->out starts with answers to earlier pipelined requests, not sent yet (hold_output).
  bool output_held_ = false;
  std::size_t segment_ = 0;
  std::uint64_t segment_done_ = 0;
  bool chunked_ = false;
  bool keep_alive_ = true;
  bool body_finished_ = false;
  std::uint64_t body_bytes_sent_ = 0;
  std::uint64_t turn_bytes_ = 0;  // file bytes moved in this turn of write_more
  std::size_t head_length_ = 0;
  clock::time_point started_;
  int request_version_minor_ = 1;
};

}  // namespace ferry
