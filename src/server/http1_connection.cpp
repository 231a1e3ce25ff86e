#include "server/http1_connection.hpp"

#include <array>
#include <cstring>

#include "http/authority.hpp"
#include "http/h1_serializer.hpp"
#include "http/proxy_protocol.hpp"
#include "http/status.hpp"
#include "log/logging.hpp"
#include "server/http2_connection.hpp"
#include "server/loopback_peer.hpp"
#include "server/read_edges.hpp"
#include "server/request_lifecycle.hpp"
#include "server/worker.hpp"

namespace ferry {

namespace {

// File bodies up to this size are copied into the head's buffer and leave in one send();
// larger ones go with sendfile() after the head.
constexpr std::uint64_t copy_threshold = 16 * 1024;
constexpr std::size_t encode_chunk = 64 * 1024;
constexpr std::size_t gather_limit = 64 * 1024;
// Answers to pipelined requests are held back and leave together (one send() for a batch) while
// their total stays under this; well below any socket buffer, so the batch rarely waits.
constexpr std::size_t batch_limit = 32 * 1024;
// The most one sendfile() call moves. A socket with large buffers (loopback, a fast LAN) takes
// megabytes in one call, about a millisecond of copying per 4 MiB during which the worker serves
// nobody else; 256 KiB keeps that under 0.1 ms at no measurable cost in throughput
// (bench/tenant_isolation.sh: the steady tenant's p99 next to a capped flood of 8 MiB downloads
// went from 3.2 ms with 4 MiB calls to 0.5 ms).
constexpr std::size_t sendfile_chunk = 256 * 1024;
// files.sendfile = "auto": file ranges from this size on go to a loopback peer by read + send.
// sendfile leaves the one copy to the receiver, and a local receiver then reads page-cache pages
// that a file this large has pushed out of the CPU caches; copied through a 64 KiB buffer, the
// bytes reach it cache-warm. Measured with wrk -c4 on one core (bench/README.md): 1 MiB 3.7 GB/s
// by sendfile against 2.9 copied, 4 MiB even, 16 MiB 1.6 against 2.5, 64 MiB 1.4 against 2.2.
constexpr std::uint64_t loopback_copy_from = 4 * 1024 * 1024;
// File bytes one response may move (read, encode or sendfile) before it lets the event loop
// serve other connections. Without it one client on a fast link, or one highly compressible
// file, could hold the worker for as long as the socket keeps absorbing data; with it, requests
// in flight share the worker in turns, which is what makes the admission limit bound latency.
// One encoder chunk (a few ms of gzip at most) or one sendfile() call per turn.
constexpr std::uint64_t turn_budget = 64 * 1024;
constexpr std::size_t linger_limit = 1 << 20;
constexpr std::chrono::milliseconds linger_time{2000};
// A keep-alive connection keeps its read buffer this long after a response, receiving into it
// directly; then the buffer goes back to the pool.
constexpr std::chrono::milliseconds hot_idle{100};
// An idle connection without a buffer is parked (idle_park) by the first tick after this long.
constexpr std::chrono::milliseconds park_after{10};
constexpr std::string_view http2_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class fill_result { produced, done, wait, failed };

}  // namespace

http1_connection::http1_connection(worker& owner, tcp_socket socket, secure_transport* tls,
                                   std::uint16_t redirect_to_port, bool admin, bool proxy_protocol)
    : worker_(owner),
      socket_(std::move(socket)),
      fd_(socket_.native_handle()),
      io_(fd_),
      tls_(tls),
      redirect_to_port_(redirect_to_port),
      admin_(admin),
      proxy_protocol_(proxy_protocol) {}

http1_connection::~http1_connection() {
  if (phase_ != phase::closed) worker_.detach(this);
  if (!worker_.tearing_down()) {
    leave_admission();
    worker_.tenants().leave_connection(tenant_connection_);
  }
  release_buffer();
  worker_.exchanges().release(std::move(ex_));
}

void http1_connection::start() {
  now_ = clock::now();
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  const auto peer = socket_.remote_endpoint(ec);
  remote_ = ec ? std::string("-") : peer.address().to_string();
  socket_v6_ = !ec && peer.address().is_v6();
  peer_loopback_ = !ec && is_loopback_peer(peer.address());
  site_ = worker_.current_site();
  worker_.attach(this);
  idle_since_ = now_;
  // The PROXY header and the plaintext request head that follows share one deadline.
  set_deadline(site_->cfg->timeouts.request_head);
  if (proxy_protocol_) {
    phase_ = phase::proxy_header;
    wait_proxy_header();
    return;
  }
  begin_protocol();
}

void http1_connection::resume(const parked_connection& parked) {
  now_ = clock::now();
  asio::error_code ec;
  socket_.non_blocking(true, ec);  // already so; this tells Asio
  socket_v6_ = parked.socket_v6;
  peer_loopback_ = parked.peer_loopback;
  remote_ = parked.remote_text();
  first_request_ = parked.first_request;
  requests_served_ = parked.requests_served;
  tenant_connection_ = parked.tenant_connection;
  tenant_refusals_ = parked.tenant_refusals;
  site_ = worker_.current_site();
  worker_.attach(this);
  deadline_ = parked.deadline;
  idle_since_ = now_;
  on_readable();
}

void http1_connection::wait_proxy_header() {
  socket_.async_wait(tcp_socket::wait_read, [self = shared_from_this()](const asio::error_code& ec) {
    if (ec) self->close();
    if (self->phase_ == phase::proxy_header) self->read_proxy_header();
  });
}

// The header is peeked at, and only its own bytes are taken from the socket: what follows is
// the TLS handshake's or the request's, and the TLS session reads the socket itself.
void http1_connection::read_proxy_header() {
  now_ = clock::now();
  std::array<char, proxy_header_max_length> peeked;
  std::int64_t n = 0;
  do {
    n = platform::receive(fd_, peeked.data(), peeked.size(), true);
  } while (n < 0 && platform::last_socket_error() == platform::socket_error::interrupted);
  if (n < 0 && platform::last_socket_error() == platform::socket_error::would_block) {
    wait_proxy_header();
    return;
  }
  if (n <= 0) {
    close();  // EOF or a socket error before a whole header
    return;
  }
  const auto header = parse_proxy_header({peeked.data(), static_cast<std::size_t>(n)});
  if (header.status == proxy_header_status::need_more) {
    // More bytes wake the wait again; a client that never sends them meets the deadline.
    wait_proxy_header();
    return;
  }
  if (header.status == proxy_header_status::invalid) {
    log::debug("{}: closed: not a valid PROXY protocol header ({})", remote_, header.error);
    close();
    return;
  }
  std::int64_t taken = 0;
  do {
    taken = platform::receive(fd_, peeked.data(), header.consumed);
  } while (taken < 0 && platform::last_socket_error() == platform::socket_error::interrupted);
  if (taken != static_cast<std::int64_t>(header.consumed)) {
    close();
    return;
  }
  if (header.has_address) {
    log::debug("{}: PROXY v{} header: client {} port {}", remote_, header.version, header.source.address(),
               header.source.port);
    remote_.assign(header.source.address());
  } else {
    log::debug("{}: PROXY v{} header without a client address (LOCAL or UNKNOWN): keeping the peer", remote_,
               header.version);
  }
  phase_ = phase::idle;
  begin_protocol();
}

// What the listener speaks, once any PROXY header is out of the way.
void http1_connection::begin_protocol() {
  if (auto* tls = std::exchange(tls_, nullptr)) {
    io_.set_session(tls->open(fd_));
    if (!io_.secure()) {
      close();
      return;
    }
    phase_ = phase::handshake;
    set_deadline(tls->handshake_timeout());
    continue_handshake();
    return;
  }
  wait_readable();
}

void http1_connection::continue_handshake() {
  now_ = clock::now();
  const auto result = io_.session()->handshake();
  switch (result.status) {
    case transport_status::done:
      worker_.stats().tls_handshakes.add(1);
      if (io_.session()->peer().alpn == "h2" && site_->cfg->extensions.http2) {
        hand_over_to_http2({});
        return;
      }
      // TLS 1.3 ends with the client's Finished. Without session tickets nothing answers it, so
      // a client whose socket holds small writes (Nagle: Python's, many libraries') would keep
      // its request back until our delayed ACK, 40 ms later: acknowledge at once. (HTTP/2 sends
      // its SETTINGS now anyway.)
      platform::acknowledge_now(fd_);
      phase_ = phase::idle;
      set_deadline(site_->cfg->timeouts.request_head);
      log::debug("{}: TLS {} {} alpn={} sni={} send path {}", remote_, io_.session()->peer().version,
                 io_.session()->peer().cipher, io_.session()->peer().alpn, io_.session()->peer().server_name,
                 io_.session()->send_path());
      wait_readable();
      return;
    case transport_status::want_read:
    case transport_status::want_write:
      socket_.async_wait(result.status == transport_status::want_read ? tcp_socket::wait_read
                                                                       : tcp_socket::wait_write,
                         [self = shared_from_this()](const asio::error_code& ec) {
                           if (ec) self->close();
                           if (self->phase_ == phase::handshake) self->continue_handshake();
                         });
      return;
    case transport_status::closed:
    case transport_status::failed:
      break;
  }
  worker_.stats().tls_handshake_failures.add(1);
  if (io_.session()->plaintext_http()) {
    // Like nginx: say in plain text what went wrong, then close. The request stays unread.
    static constexpr std::string_view body = "This port speaks HTTPS: plain HTTP was received\n";
    static constexpr std::string_view answer =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 48\r\n"
        "Connection: close\r\n\r\nThis port speaks HTTPS: plain HTTP was received\n";
    static_assert(body.size() == 48 && answer.ends_with(body));
    log::debug("{}: plain HTTP on a TLS port", remote_);
    (void)platform::send_bytes(fd_, answer.data(), answer.size());
    io_.set_session(nullptr);
    begin_lingering_close();
    return;
  }
  log::debug("{}: TLS handshake failed", remote_);
  close();
}

void http1_connection::set_deadline(std::chrono::milliseconds timeout) {
  deadline_ = now_ + timeout;
}

void http1_connection::wait_readable() {
  const bool after_response = std::exchange(defer_receive_, false);
  if (io_.has_buffered_input() && phase_ != phase::lingering) {
    // TLS already decrypted more than the last read took: the socket may never signal it.
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == phase::idle || self->phase_ == phase::reading) self->on_readable();
    });
    return;
  }
  if (after_response && !awaits_read_edge(socket_)) {
    // Asio tries a receive at once, which right after a response finds nothing (EAGAIN, a
    // wasted system call per request), and async_wait costs an epoll_ctl. Tried after the other
    // ready connections had their turn, a read usually finds the client's next request there.
    // (When the request's receive found the socket drained, the next one just waits for the
    // client's next bytes, at no cost: read_edges.hpp.)
    worker_.next_turn().add(shared_from_this(), socket_.get_executor());
    return;
  }
  if (buffer_ && length_ < buffer_size_ && phase_ != phase::lingering && !io_.secure()) {
    // Hot wait: receive straight into the buffer. Asio then needs no epoll_ctl per request
    // (async_wait re-arms the descriptor every time); the worker's tick takes the buffer back
    // from connections that stay idle (demote_idle_buffer), so idle ones still hold none.
    socket_.async_receive(asio::buffer(buffer_.get() + length_, buffer_size_ - length_),
                          in_place([self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            self->on_received(ec, n);
                          }));
    receive_queued_ = receive_was_queued(socket_);
    return;
  }
  if (secure_hot_ && phase_ != phase::lingering && io_.session()->takes_received_bytes()) {
    receive_secure();
    return;
  }
  // Waiting with no buffer of our own: OpenSSL's go back too (a hot connection's at its demotion).
  if (io_.secure()) io_.session()->release_buffers();
  socket_.async_wait(tcp_socket::wait_read,
                     in_place([self = shared_from_this()](const asio::error_code& ec) {
                       if (self->resume_after_demotion(ec)) return;
                       if (ec) self->close();  // every way out goes through close()
                       if (self->phase_ == phase::closed) return;
                       if (self->phase_ == phase::lingering) {
                         self->linger_read();
                       } else {
                         self->on_readable();
                       }
                     }));
}

void http1_connection::next_turn() {
  if (phase_ != phase::idle) return;  // closed meanwhile
  // The tick wanted the buffer back meanwhile (a very late turn): wait without it.
  if (std::exchange(demoting_, false)) release_buffer();
  if (buffer_ && !io_.secure()) {
    wait_readable();  // the hot receive, tried at once
  } else {
    on_readable();  // through TLS, or into a pool buffer that goes back if nothing came
  }
}

// The hot wait over TLS: the socket's next bytes (a request's records) are received here and
// handed to the session, which reads them before the socket (secure_session::received).
void http1_connection::receive_secure() {
  if (!received_) {
    received_size_ = site_->limits.max_head + 1;  // the pool's size
    received_ = worker_.buffers().acquire(received_size_);
  }
  socket_.async_receive(asio::buffer(received_.get(), received_size_),
                        in_place([self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                          self->on_secure_received(ec, n);
                        }));
  receive_queued_ = receive_was_queued(socket_);
}

void http1_connection::on_secure_received(const asio::error_code& ec, std::size_t n) {
  if (std::exchange(receive_queued_, false) && !ec && n > 0 && n < received_size_) expect_read_edge(socket_);
  now_ = clock::now();
  if (resume_after_demotion(ec) || phase_ == phase::closed) return;
  if (ec || n == 0) {
    close();  // EOF or a socket error
    return;
  }
  io_.session()->received({received_.get(), n});
  on_readable();
}

void http1_connection::on_received(const asio::error_code& ec, std::size_t n) {
  // Performed on an edge and short of the room it had: the socket is drained until the next one.
  if (std::exchange(receive_queued_, false) && !ec && n > 0 && n < buffer_size_ - length_) expect_read_edge(socket_);
  now_ = clock::now();
  if (resume_after_demotion(ec) || phase_ == phase::closed) return;
  if (ec || n == 0) {
    close();  // EOF or a socket error
    return;
  }
  note_bytes_arrived();
  length_ += n;
  process_input();
}

void http1_connection::note_bytes_arrived() {
  if (phase_ != phase::idle) return;
  if (!ex_) ex_ = worker_.exchanges().acquire(site_->limits);
  phase_ = phase::reading;
  started_ = now_;
  if (!first_request_) set_deadline(site_->cfg->timeouts.request_head);
}

void http1_connection::demote_idle_buffer(clock::time_point now) {
  const bool hot = (buffer_ && length_ == 0) || secure_hot_;
  if (phase_ == phase::idle && hot && !demoting_ && now - idle_since_ >= hot_idle) {
    demoting_ = true;
    asio::error_code ignored;
    socket_.cancel(ignored);
  }
}

// Idle and holding nothing but its socket and a pending wait (a hot connection's buffer is taken
// back after hot_idle first): plaintext HTTP/1 connections then wait in the worker's idle park
// instead (TLS sessions and the admin listener's connections stay here).
bool http1_connection::parkable(clock::time_point now) const {
  return phase_ == phase::idle && !buffer_ && !ex_ && !io_.secure() && !admin_ && !draining_ &&
         now - idle_since_ >= park_after && now < deadline_;
}

// The park takes the socket first (nothing changes if it cannot); then Asio lets it go, which
// ends the pending wait: its handler finds the phase closed, and this object is freed with it.
void http1_connection::park() {
  parked_connection record;
  if (!record.set_remote(remote_)) return;
  record.fd = fd_;
  record.tenant_connection = tenant_connection_;
  record.requests_served = requests_served_;
  record.redirect_to_port = redirect_to_port_;
  record.tenant_refusals = tenant_refusals_;
  record.first_request = first_request_;
  record.socket_v6 = socket_v6_;
  record.peer_loopback = peer_loopback_;
  record.deadline = deadline_;
  if (!worker_.park(record)) return;
  tenant_connection_ = 0;  // the record holds it now
  phase_ = phase::closed;
  worker_.detach(this);
  asio::error_code ignored;
  socket_.release(ignored);
}

// The tick cancelled the idle wait to take the buffer back (demote_idle_buffer): wait again
// without it. True when that is what `ec` meant.
bool http1_connection::resume_after_demotion(const asio::error_code& ec) {
  if (!std::exchange(demoting_, false) || ec != asio::error::operation_aborted || phase_ == phase::closed) {
    return false;
  }
  if (length_ == 0) release_buffer();
  secure_hot_ = false;
  worker_.buffers().release(std::move(received_), received_size_);
  wait_readable();
  return true;
}

void http1_connection::release_buffer() {
  if (buffer_) worker_.buffers().release(std::move(buffer_), buffer_size_);
  length_ = parsed_ = body_anchor_ = 0;
}

void http1_connection::on_readable() {
  now_ = clock::now();
  if (!buffer_) {
    // One byte more than the head limit, so a head of exactly the limit still fits.
    buffer_size_ = site_->limits.max_head + 1;
    buffer_ = worker_.buffers().acquire(buffer_size_);
    length_ = parsed_ = body_anchor_ = 0;
  }
  if (length_ == buffer_size_) {
    process_input();
    return;
  }
  const auto result = io_.read({buffer_.get() + length_, buffer_size_ - length_});
  if (result.status == transport_status::done && result.bytes > 0) {
    note_bytes_arrived();
    length_ += result.bytes;
    process_input();
    return;
  }
  if (result.status == transport_status::want_read) {
    // The session's read found the socket drained just now: the next wait needs no first try.
    if (io_.secure() && io_.session()->socket_drained()) expect_read_edge(socket_);
    if (length_ == 0) release_buffer();
    wait_readable();
    return;
  }
  if (result.status == transport_status::want_write) {
    // TLS may need to write while reading (e.g. a key update): wait until it can.
    socket_.async_wait(tcp_socket::wait_write, [self = shared_from_this()](const asio::error_code& ec) {
      if (ec) self->close();
      if (self->phase_ == phase::idle || self->phase_ == phase::reading) self->on_readable();
    });
    return;
  }
  close();  // EOF or a socket error
}

void http1_connection::process_input() {
  {
    in_process_input_ = true;
    struct leave {
      bool& flag;
      ~leave() { flag = false; }
    } guard{in_process_input_};
    answer_buffered_requests();
  }
  if (output_held_ && phase_ != phase::writing && phase_ != phase::closed) send_held_output();
}

void http1_connection::answer_buffered_requests() {
  while (phase_ == phase::reading || phase_ == phase::idle) {
    if (parsed_ == length_) {
      if (length_ == buffer_size_) {
        if (!ex_->parser.head_complete()) {
          respond(ex_->parser.current(), 431);
          return;
        }
        // Body bytes the parser has consumed are discarded to make room; the head stays.
        length_ = parsed_ = body_anchor_;
      }
      if (length_ == 0 && phase_ == phase::idle) {
        set_deadline(first_request_ ? site_->cfg->timeouts.request_head : site_->cfg->timeouts.idle);
        idle_since_ = now_;
        worker_.exchanges().release(std::move(ex_));
      }
      wait_readable();
      return;
    }
    if (first_request_ && parsed_ == 0 && starts_http2()) {
      const std::string_view received(buffer_.get(), length_);
      if (received.size() < http2_preface.size()) {
        wait_readable();  // a prefix of the preface so far
      } else {
        hand_over_to_http2(received);
      }
      return;
    }
    if (!ex_) ex_ = worker_.exchanges().acquire(site_->limits);
    const bool head_was_complete = ex_->parser.head_complete();
    const auto result = ex_->parser.execute(buffer_.get() + parsed_, length_ - parsed_);
    if (!head_was_complete && ex_->parser.head_complete()) {
      // Everything up to the end of the head must stay; bytes after it may be reused.
      // The message starts at offset 0 (the buffer is compacted between messages), and
      // head_size() never exceeds the real end of the head.
      body_anchor_ = std::min(parsed_ + result.consumed, ex_->parser.head_size());
      set_deadline(site_->cfg->timeouts.body);
      if (result.state == parse_state::incomplete && ex_->parser.current().expect_continue &&
          !send_continue()) {
        return;
      }
    }
    parsed_ += result.consumed;
    if (phase_ == phase::idle) phase_ = phase::reading;
    if (result.state == parse_state::incomplete) continue;
    if (result.state == parse_state::error) {
      log::debug("{}: bad request ({}): {}", remote_, result.error_status, result.error_reason);
      respond(ex_->parser.current(), result.error_status);
      return;
    }
    respond(ex_->parser.current(), 0);
    if (phase_ != phase::reading && phase_ != phase::idle) return;
  }
}

// h2c with prior knowledge: the first bytes of a plaintext connection are (a prefix of) the
// HTTP/2 client preface, and the configuration serves HTTP/2 in the clear.
bool http1_connection::starts_http2() const {
  if (io_.secure() || redirect_to_port_ != 0 || admin_ || !site_->cfg->extensions.http2 ||
      !site_->cfg->extensions.http2->cleartext()) {
    return false;
  }
  const std::string_view received(buffer_.get(), std::min(length_, http2_preface.size()));
  return http2_preface.starts_with(received);
}

// The connection becomes HTTP/2: the socket, its TLS session and what was already read move to
// an http2_connection; this object steps aside (detached, no buffers, socket no longer its own).
void http1_connection::hand_over_to_http2(std::string_view received) {
  auto next = std::make_shared<http2_connection>(worker_, std::move(socket_), std::move(io_), remote_);
  const std::string initial(received);
  phase_ = phase::closed;
  worker_.detach(this);
  release_buffer();
  worker_.exchanges().release(std::move(ex_));
  next->start(initial);
}

// "100 Continue" before the body a client is holding back. Nothing else is in flight on the
// connection at this point (answers held for a pipelined batch take it along), so the 25 bytes
// fit the socket buffer; a short write would corrupt the stream, so the connection is closed
// then. False when closed.
bool http1_connection::send_continue() {
  static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
  if (output_held_) {
    ex_->out.append(interim);  // after the held answers to the requests before this one
    return true;
  }
  const auto result = io_.write(interim, false);
  if (result.status == transport_status::done && result.bytes == interim.size()) return true;
  close();
  return false;
}

void http1_connection::respond(const request& req, int parse_error) {
  if (parse_error != 0) {
    write_response(req, parse_error, true);
    return;
  }
  if (misdirected(*worker_.current_site(), io_.session(), req)) {
    write_response(req, 421, false);
    return;
  }
  if (redirect_to_port_ != 0) {
    redirect_to_https(req);
    return;
  }
  if (admin_ || bypasses_admission(*worker_.current_site(), req)) {
    write_response(req, 0, false);
    return;
  }
  if (!within_tenant_caps(req)) return;
  switch (worker_.admission().enter(*this, now_)) {
    case admission_verdict::admitted:
      holds_slot_ = true;
      write_response(req, 0, false);
      return;
    case admission_verdict::queued:
      phase_ = phase::queued;
      self_while_waiting_ = shared_from_this();
      return;
    case admission_verdict::rejected:
      write_response(req, 503, false);
      return;
  }
}

// A redirect listener's answer: 308 to the same target on the https port. Without a host to
// redirect to, 400.
void http1_connection::redirect_to_https(const request& req) {
  const auto host = authority_host(req.authority);
  if (host.empty()) {
    write_response(req, 400, false);
    return;
  }
  redirect_location_ = "https://";
  if (host.find(':') != std::string_view::npos) {
    redirect_location_.append("[").append(host).append("]");  // an IPv6 literal
  } else {
    redirect_location_.append(host);
  }
  if (redirect_to_port_ != 443) redirect_location_.append(":").append(std::to_string(redirect_to_port_));
  if (req.absolute_form) {
    redirect_location_.append(req.path);
    if (req.has_query) redirect_location_.append("?").append(req.query);
  } else {
    redirect_location_.append(req.target);
  }
  write_response(req, 308, false);
}

// The connection counts for the host of its latest request (a keep-alive connection may move
// to another host); over the host's connection cap it is answered 503 and closed.
bool http1_connection::within_tenant_caps(const request& req) {
  const site& host = route_request(*worker_.current_site(), req);
  auto& tenants = worker_.tenants();
  if (!tenant_admission::counts_connection_for(host, tenant_connection_)) {
    tenants.leave_connection(tenant_connection_);
    if (!tenants.enter_connection(host, tenant_connection_)) {
      draining_ = true;  // Connection: close
      refuse_connection_after_rest(tenant_admission::rest_after(tenants.connection_refusals(host)));
      return false;
    }
  }
  if (tenants.enter_request(host, worker_.admission(), tenant_request_)) {
    tenant_refusals_ = 0;
    return true;
  }
  if (tenant_refusals_ < 255) ++tenant_refusals_;
  write_response(req, 503, false);
  return false;
}

void http1_connection::admitted() {
  holds_slot_ = true;
  // Called from inside another request's completion: continue on a fresh stack.
  asio::post(socket_.get_executor(), [self = std::move(self_while_waiting_)] {
    if (self->phase_ != phase::queued) return;  // closed meanwhile; close() gave the slot back
    self->now_ = clock::now();
    self->write_response(self->ex_->parser.current(), 0, false);
  });
}

void http1_connection::timed_out() {
  const auto self = std::move(self_while_waiting_);
  now_ = clock::now();
  write_response(ex_->parser.current(), 503, false);
}

void http1_connection::leave_admission() {
  worker_.tenants().leave_request(tenant_request_);
  if (holds_slot_) {
    holds_slot_ = false;
    worker_.admission().leave();
  } else if (phase_ == phase::queued) {
    worker_.admission().cancel(*this);
  }
}

void http1_connection::write_response(const request& req, int error_status, bool close_after) {
  phase_ = phase::writing;
  first_request_ = false;
  site_ = worker_.current_site();
  ex_->host = &route_request(*site_, req);
  auto& handler = worker_.handler();
  identify_request(worker_, *site_, req, ex_->identity);
  const log::request_scope scope(ex_->identity);
  // A head the parser refused may be incomplete: only a whole one can name the client.
  client_ = close_after ? std::string_view(remote_)
                        : worker_.client_addresses().resolve(remote_, req, client_storage_);
  if (close_after) {
    ex_->reply.clear();
    ex_->reply.close = true;
    ex_->reply.head_only = req.method == http_method::head && ex_->parser.head_complete();
    handler.error(error_status, nullptr, *site_, ex_->reply);
    ex_->reply.close = true;
  } else if (error_status != 0) {
    // Decided before the request path (admission, 421, redirect): the request was complete,
    // so the connection can carry on.
    ex_->reply.clear();
    ex_->reply.head_only = req.method == http_method::head;
    handler.error(error_status, &req, *ex_->host, ex_->reply);
    if (error_status == 503) ex_->reply.set("Retry-After", worker_.admission().retry_after());
    if (error_status == 308) ex_->reply.set("Location", redirect_location_);
  } else if (!handler.handle(req, context_for(req), *ex_->host, ex_->reply)) {
    phase_ = phase::limiting;
    self_while_waiting_ = shared_from_this();
    return;
  }
  send_response(req, close_after);
}

request_context http1_connection::context_for(const request& req) {
  request_context ctx;
  ctx.can_stream = req.version_minor >= 1;
  ctx.tls = io_.secure() ? &io_.session()->peer() : nullptr;
  ctx.remote_address = client_;
  ctx.draining = worker_.draining();
  ctx.admin_listener = admin_;
  ctx.access = worker_.access();
  ctx.identity = &ex_->identity;
  ctx.peer_address = remote_;
  ctx.limits = worker_.limits();
  ctx.waiter = this;
  ctx.pressure = &worker_.pressure();
  ctx.now = now_;
  return ctx;
}

// The verdict is only lent for this call, and the contract wants a fresh stack: keep a copy in
// the exchange and continue from a posted handler.
void http1_connection::limits_decided(std::uint32_t /*tag*/, const limit_verdict& verdict) {
  if (phase_ != phase::limiting) return;  // closed meanwhile
  ex_->late_verdict = verdict;
  asio::post(socket_.get_executor(), [self = std::move(self_while_waiting_)] {
    if (self->phase_ != phase::limiting) return;
    self->phase_ = phase::writing;
    self->now_ = clock::now();
    const request& req = self->ex_->parser.current();
    const log::request_scope scope(self->ex_->identity);
    self->worker_.handler().resume_after_limits(req, self->context_for(req), *self->ex_->host,
                                               self->ex_->late_verdict, self->ex_->reply);
    self->send_response(req, false);
  });
}

void http1_connection::send_response(const request& req, bool close_after) {
  add_common_response_fields(*site_, io_.secure(), ex_->identity, ex_->reply);
  ++requests_served_;
  const auto max_requests = site_->cfg->limits.max_keepalive_requests;
  keep_alive_ = !close_after && req.keep_alive && !ex_->reply.close && !draining_ && !worker_.draining() &&
                (max_requests == 0 || requests_served_ < max_requests);
  request_version_minor_ = req.version_minor;
  chunked_ = ex_->reply.encoder != nullptr;
  h1_head_options options;
  options.version_minor = req.version_minor;
  options.keep_alive = keep_alive_;
  options.chunked = chunked_;
  options.date = worker_.date();
  options.server = site_->cfg->server_header;
  if (!output_held_) {
    ex_->out.clear();
    out_sent_ = 0;
  }
  serialize_h1_head(ex_->reply, options, ex_->out);  // behind any held answers
  head_length_ = ex_->out.size();
  segment_ = 0;
  segment_done_ = 0;
  body_bytes_sent_ = 0;
  body_finished_ = ex_->reply.head_only || status_has_no_content(ex_->reply.status) ||
                   (!ex_->reply.has_body() && !chunked_);
  if (body_finished_) ex_->reply.encoder.reset();
  ex_->pacer.start(body_finished_ ? nullptr : ex_->host->bandwidth);
  set_deadline(site_->cfg->timeouts.send);
  write_more();
}

void http1_connection::on_writable(const asio::error_code& ec) {
  if (ec) close();
  if (phase_ != phase::writing) return;
  now_ = clock::now();
  write_more();
}

bool http1_connection::next_piece_is_copied() const {
  if (body_finished_ || ex_->reply.encoder || segment_ >= ex_->reply.segments.size()) return false;
  if (io_.file_write_pending()) return false;
  const auto& seg = ex_->reply.segments[segment_];
  return !seg.from_file || ex_->reply.file->in_memory() || seg.length - segment_done_ <= copy_threshold;
}

void http1_connection::write_more() {
  const log::request_scope scope(ex_->identity);
  turn_bytes_ = 0;
  while (true) {
    // Gather small pieces behind what is pending, so a small response leaves in one send().
    while (next_piece_is_copied() && ex_->out.size() - out_sent_ < gather_limit) {
      if (wait_for_bandwidth() || !fill_output()) return;
    }
    if (out_sent_ < ex_->out.size()) {
      if (body_finished_ && joins_pipelined_batch()) {
        hold_output();
        return;
      }
      // MSG_MORE only while more bytes follow at once; on the last piece it would hold the
      // data back in the kernel (up to 200 ms).
      const auto result = io_.write({ex_->out.data() + out_sent_, ex_->out.size() - out_sent_}, !body_finished_);
      // TLS may have taken some records before it had to wait: those bytes are gone.
      out_sent_ += result.bytes;
      if (result.bytes > 0) set_deadline(site_->cfg->timeouts.send);
      if (result.status == transport_status::want_read || result.status == transport_status::want_write) {
        wait_writable(result.status);
        return;
      }
      if (result.status != transport_status::done) {
        close();
        return;
      }
      continue;
    }
    if (out_sent_ > head_length_) body_bytes_sent_ += out_sent_ - head_length_;
    head_length_ = 0;
    ex_->out.clear();
    out_sent_ = 0;
    output_held_ = false;
    if (body_finished_) {
      finish_response();
      return;
    }
    if (turn_bytes_ >= turn_budget) {
      yield_turn();
      return;
    }
    if (wait_for_bandwidth() || !fill_output()) return;  // waiting, or closed
  }
}

// The whole answer is in ex_->out and the client has already sent more: hold it back while
// process_input answers the rest of what was read, so the batch leaves in one send() (16
// pipelined requests cost one send instead of 16). Not for a capped host (the pacer counts what
// has left) nor once the batch is large.
bool http1_connection::joins_pipelined_batch() const {
  return in_process_input_ && keep_alive_ && parsed_ < length_ && tenant_refusals_ == 0 &&
         !ex_->pacer.active() && ex_->out.size() - out_sent_ < batch_limit;
}

void http1_connection::hold_output() {
  if (ex_->out.size() > head_length_) body_bytes_sent_ += ex_->out.size() - head_length_;
  head_length_ = 0;
  output_held_ = true;
  finish_response();
}

// process_input stopped with answers held back and no response writing them (it needs more
// input, or the next request waits for admission or limits): they leave now.
void http1_connection::send_held_output() {
  while (out_sent_ < ex_->out.size()) {
    const auto result = io_.write({ex_->out.data() + out_sent_, ex_->out.size() - out_sent_}, false);
    out_sent_ += result.bytes;
    if (result.status == transport_status::want_read || result.status == transport_status::want_write) {
      const auto direction = result.status == transport_status::want_read ? tcp_socket::wait_read
                                                                          : tcp_socket::wait_write;
      // A response started meanwhile writes the held bytes first itself: then this wait has
      // nothing left to do.
      socket_.async_wait(direction, [self = shared_from_this()](const asio::error_code& ec) {
        if (!self->output_held_ || self->phase_ == phase::writing || self->phase_ == phase::closed) return;
        if (ec) {
          self->close();
          return;
        }
        self->send_held_output();
      });
      return;
    }
    if (result.status != transport_status::done) {
      close();
      return;
    }
  }
  ex_->out.clear();
  out_sent_ = 0;
  output_held_ = false;
}

// Pieces of a capped host's body are charged to its budget once sent; while the budget is spent
// the body (the head too, if it has not left yet) waits, the deadline moved on by the wait.
bool http1_connection::wait_for_bandwidth() {
  if (!ex_->pacer.active()) return false;
  const auto wait = ex_->pacer.next_piece(body_bytes_sent_, now_);
  if (wait <= clock::duration::zero()) return false;
  worker_.stats().count_vhost_bandwidth_wait(ex_->host->tenant_id);
  set_deadline(std::chrono::duration_cast<std::chrono::milliseconds>(wait) + site_->cfg->timeouts.send);
  resume_after(wait);
  return true;
}

void http1_connection::resume_after(clock::duration wait) {
  if (!pause_timer_) pause_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  pause_timer_->expires_at(now_ + wait);
  pause_timer_->async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec) return;
    self->now_ = clock::now();
    if (self->phase_ == phase::writing) {
      self->write_more();
    } else if (self->phase_ == phase::resting && std::exchange(self->refuse_after_rest_, false)) {
      self->write_response(self->ex_->parser.current(), 503, false);
    } else if (self->phase_ == phase::resting) {
      const bool pipelined = self->length_ > 0;
      self->phase_ = pipelined ? phase::reading : phase::idle;
      self->set_deadline(pipelined ? self->site_->cfg->timeouts.request_head : self->site_->cfg->timeouts.idle);
      self->process_input();
    }
  });
}

// A client refused for its host's cap or fair share is not read again for a while (see
// tenant_admission::rest_after). Nothing is held meanwhile.
void http1_connection::rest_before_next_request() {
  const auto rest = tenant_admission::rest_after(tenant_refusals_);
  // The rest runs from the refusal's answer, which has just left, not from when the request
  // was read: the client never gets to send again sooner than `rest` after its 503.
  now_ = clock::now();
  phase_ = phase::resting;
  if (length_ == 0 && !output_held_) {
    release_buffer();
    worker_.exchanges().release(std::move(ex_));
  }
  set_deadline(rest + site_->cfg->timeouts.idle);
  resume_after(rest);
}

// The request stays parsed in the exchange until the answer goes out.
void http1_connection::refuse_connection_after_rest(std::chrono::milliseconds rest) {
  phase_ = phase::resting;
  refuse_after_rest_ = true;
  set_deadline(rest + site_->cfg->timeouts.send);
  resume_after(rest);
}

bool http1_connection::copies_file_range(std::uint64_t length) const {
  switch (ex_->host->cfg->sendfile) {
    case sendfile_mode::on: return false;
    case sendfile_mode::off: return true;
    case sendfile_mode::automatic: break;
  }
  return peer_loopback_ && length >= loopback_copy_from;
}

std::uint64_t http1_connection::piece_limit() const {
  return ex_->pacer.active() ? std::min<std::uint64_t>(ex_->pacer.piece_limit(), sendfile_chunk) : sendfile_chunk;
}

// Resumes write_more when the socket allows; TLS may also need to read first.
void http1_connection::wait_writable(transport_status status) {
  const auto direction =
      status == transport_status::want_read ? tcp_socket::wait_read : tcp_socket::wait_write;
  socket_.async_wait(direction,
                     in_place([self = shared_from_this()](const asio::error_code& ec) { self->on_writable(ec); }));
}

void http1_connection::yield_turn() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->phase_ != phase::writing) return;
    self->now_ = clock::now();
    self->write_more();
  });
}

// Moves the next piece of the body towards the socket: text and small file ranges into ex_->out,
// large file ranges straight to the socket with sendfile, encoded ranges chunk by chunk.
// Returns false when write_more must stop (waiting for the socket, or the connection closed).
bool http1_connection::fill_output() {
  auto& r = ex_->reply;
  if (segment_ >= r.segments.size()) {
    if (r.encoder) {
      if (!append_encoded({}, true)) return false;
      r.encoder.reset();
    }
    if (chunked_) ex_->out.append(last_chunk);
    body_finished_ = true;
    return true;
  }
  const auto& seg = r.segments[segment_];
  if (!seg.from_file) {
    ex_->out.append(r.text, static_cast<std::size_t>(seg.offset), static_cast<std::size_t>(seg.length));
    ++segment_;
    mark_finished_if_done();
    return true;
  }
  const std::uint64_t remaining = seg.length - segment_done_;
  const std::uint64_t offset = seg.offset + segment_done_;
  if (!r.encoder && r.file->in_memory()) {
    // Small files live in the cache: no read at all.
    ex_->out.append(r.file->content, static_cast<std::size_t>(offset), static_cast<std::size_t>(remaining));
    segment_done_ = seg.length;
    worker_.stats().copy_bytes.add(remaining);
  } else if (r.encoder || (seg.length <= copy_threshold && !io_.file_write_pending())) {
    // Copy path: pread into a buffer (and through the encoder when compressing). Judged by the
    // segment's length: the tail of a larger one that sendfile took in part stays on the file
    // path (sendfile = "on" means it for the whole body), as does a record TLS is retrying.
    const std::size_t want = static_cast<std::size_t>(std::min({remaining, std::uint64_t{encode_chunk}, piece_limit()}));
    std::string& chunk = r.encoder ? worker_.file_chunk() : ex_->out;
    const std::size_t base = r.encoder ? 0 : ex_->out.size();
    chunk.resize(base + want);
    const auto n = platform::read_at(r.file->fd(), chunk.data() + base, want, offset);
    if (n <= 0) {
      // The file shrank under us: the promised length cannot be kept, so the connection ends.
      log::warn("{}: file read failed or truncated while sending", remote_);
      chunk.resize(base);
      close();
      return false;
    }
    chunk.resize(base + static_cast<std::size_t>(n));
    segment_done_ += static_cast<std::uint64_t>(n);
    worker_.stats().copy_bytes.add(static_cast<std::uint64_t>(n));
    turn_bytes_ += static_cast<std::uint64_t>(n);
    if (r.encoder && !append_encoded(chunk, false)) return false;
  } else {
    // sendfile in the clear (or read + send, see copies_file_range); through TLS, pread +
    // SSL_write (or SSL_sendfile with kTLS).
    const bool copy = copies_file_range(seg.length);
    const auto result = io_.write_file(r.file->fd(), offset,
                                       static_cast<std::size_t>(std::min(remaining, piece_limit())), copy);
    // A want_* result may still have taken bytes over (TLS), so count them first.
    (io_.zero_copy_files(copy) ? worker_.stats().sendfile_bytes : worker_.stats().copy_bytes).add(result.bytes);
    segment_done_ += result.bytes;
    body_bytes_sent_ += result.bytes;
    turn_bytes_ += result.bytes;
    if (result.bytes > 0) set_deadline(site_->cfg->timeouts.send);
    if (result.status == transport_status::want_read || result.status == transport_status::want_write) {
      if (segment_done_ == seg.length) {
        ++segment_;
        segment_done_ = 0;
      }
      wait_writable(result.status);
      return false;
    }
    if (result.status != transport_status::done || result.bytes == 0) {
      if (result.status == transport_status::closed) log::warn("{}: file truncated while sending", remote_);
      close();
      return false;
    }
  }
  if (segment_done_ == seg.length) {
    ++segment_;
    segment_done_ = 0;
  }
  mark_finished_if_done();
  return true;
}

// Without an encoder the body is complete as soon as its last segment has been handed over;
// knowing it early lets the last send() go out without MSG_MORE.
void http1_connection::mark_finished_if_done() {
  if (ex_->reply.encoder || segment_ < ex_->reply.segments.size()) return;
  if (chunked_) ex_->out.append(last_chunk);
  body_finished_ = true;
}

// Runs `input` through the response's encoder and appends what it produced as one chunk.
// False (after closing) when the encoder fails.
bool http1_connection::append_encoded(std::span<const char> input, bool finish) {
  std::string& encoded = worker_.encoded_chunk();
  encoded.clear();
  if (ex_->reply.encoder->encode(input, finish, encoded)) {
    close();
    return false;
  }
  if (!encoded.empty()) {
    append_chunk_header(ex_->out, encoded.size());
    ex_->out.append(encoded);
    ex_->out.append("\r\n");
  }
  return true;
}

void http1_connection::finish_response() {
  leave_admission();
  ex_->pacer.settle(body_bytes_sent_, now_);
  finished_request done;
  done.req = &ex_->parser.current();
  done.identity = &ex_->identity;
  done.remote = client_;
  done.protocol = request_version_minor_ == 0 ? metric_protocol::http1_0 : metric_protocol::http1_1;
  done.status = ex_->reply.status;
  done.body_bytes = body_bytes_sent_;
  done.duration = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started_);
  done.tls = io_.secure() ? &io_.session()->peer() : nullptr;
  done.log = !ex_->reply.skip_access_log;
  done.user = ex_->reply.principal;
  done.vhost = ex_->host->name;
  done.tenant = ex_->host->tenant_id;
  record_finished_request(worker_, done);
  ex_->reply.clear();
  if (!keep_alive_) {
    begin_lingering_close();
    return;
  }
  ex_->parser.next_message();
  if (parsed_ < length_) {
    std::memmove(buffer_.get(), buffer_.get() + parsed_, length_ - parsed_);
  }
  length_ -= parsed_;
  parsed_ = 0;
  body_anchor_ = 0;
  started_ = now_;
  if (length_ > 0) {
    // Pipelined bytes are already here: the next request's head deadline runs from now.
    phase_ = phase::reading;
    set_deadline(site_->cfg->timeouts.request_head);
  } else {
    phase_ = phase::idle;
    if (draining_ || worker_.draining()) {
      close();
      return;
    }
    // Only a connection that has been reused keeps its buffer for the hot wait: after a first
    // response most connections either come back at once (one epoll_ctl more, once) or sit idle,
    // and an idle one without a buffer can be parked at the next tick.
    if (requests_served_ < 2) release_buffer();
    defer_receive_ = true;
    secure_hot_ = io_.secure() && requests_served_ >= 2;
  }
  if (tenant_refusals_ > 0) {
    rest_before_next_request();
    return;
  }
  // Inside process_input its loop carries on; after an asynchronous write, restart it.
  if (!in_process_input_) process_input();
}

void http1_connection::begin_lingering_close() {
  // Closing with unread input would make the kernel send RST, which can destroy the response
  // before the client reads it. Shut down our side, then read and discard for a short while.
  io_.shutdown_write();
  release_buffer();
  worker_.exchanges().release(std::move(ex_));
  phase_ = phase::lingering;
  set_deadline(linger_time);
  linger_read();
}

void http1_connection::linger_read() {
  now_ = clock::now();
  char discard[4096];
  while (true) {
    const auto n = platform::receive(fd_, discard, sizeof discard);
    if (n > 0) {
      // Counted across wake-ups: a client that keeps sending is cut off after linger_limit.
      lingered_ += static_cast<std::size_t>(n);
      if (lingered_ > linger_limit) break;
      continue;
    }
    if (n < 0 && platform::last_socket_error() != platform::socket_error::other) {
      wait_readable();
      return;
    }
    break;
  }
  close();
}

void http1_connection::check_deadline(clock::time_point now) {
  if (phase_ == phase::closed) return;
  now_ = now;
  if (parkable(now)) {
    park();
    return;
  }
  demote_idle_buffer(now);
  if (now < deadline_) return;
  switch (phase_) {
    case phase::queued:
      return;  // the admission queue's own timeout answers it
    case phase::limiting:
      return;  // the limits answer within their store's timeout
    case phase::handshake:
      worker_.stats().tls_handshake_failures.add(1);  // too slow counts as failed
      close();
      return;
    case phase::proxy_header:
      log::debug("{}: closed: no PROXY protocol header within the request head timeout", remote_);
      close();
      return;
    case phase::reading:
      if (ex_->parser.message_started() || length_ > 0) {
        respond(ex_->parser.current(), 408);
        return;
      }
      close();
      return;
    default:
      close();
      return;
  }
}

void http1_connection::drain() {
  draining_ = true;
  // Nothing asked yet: a connection still waiting for its PROXY header is as good as idle.
  if (phase_ == phase::idle || phase_ == phase::proxy_header || phase_ == phase::resting) close();
}

void http1_connection::close() {
  if (phase_ == phase::closed) return;
  // Possibly the last reference: it must outlive the rest of this function.
  const auto keep_alive_until_return = std::move(self_while_waiting_);
  if (pause_timer_) pause_timer_->cancel();
  if (ex_) ex_->pacer.settle(body_bytes_sent_, now_);
  leave_admission();
  worker_.tenants().leave_connection(tenant_connection_);
  phase_ = phase::closed;
  asio::error_code ec;
  socket_.close(ec);
  worker_.detach(this);
  release_buffer();
  worker_.exchanges().release(std::move(ex_));
}

}  // namespace ferry
