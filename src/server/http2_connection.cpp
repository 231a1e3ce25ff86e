#include "server/http2_connection.hpp"

#include <algorithm>
#include <array>
#include <new>
#include <utility>
#include <vector>

#include "http/authority.hpp"
#include "http/status.hpp"
#include "log/logging.hpp"
#include "server/admission_control.hpp"
#include "server/client_address.hpp"
#include "server/request_lifecycle.hpp"
#include "server/response_body_reader.hpp"
#include "server/worker.hpp"

namespace ferry {

namespace {

// Frames produced per turn before other connections get the worker (see turn_budget in
// http1_connection.cpp: the same fairness for HTTP/2); each slice leaves in one send. 96 KiB
// rather than 64: a 100 KiB response over h2 then mostly goes in one send, not two, and on
// loopback each send also wakes the client. Measured (h2 over TLS, 100 KiB, c16 m4, 6 rounds
// interleaved): 49.9 µs of server CPU per response against 52.6 with 64 KiB; 128 KiB and more
// cost more again (56-62 µs: bursts that find the client asleep wake it every time).
constexpr std::size_t produce_slice = 96 * 1024;
constexpr std::size_t reads_per_turn = 8;
constexpr std::size_t max_shares_per_connection = 8;
constexpr std::size_t linger_limit = 1 << 20;
constexpr std::chrono::milliseconds linger_time{2000};
// A connection that has received nothing for this long, with no stream open, gives back its
// scratch memory (release_idle_memory): a few KB that the next request rebuilds with a few
// dozen small allocations. A client pausing between bursts for less keeps it.
constexpr std::chrono::milliseconds release_idle_after{2000};

// Lent to a connection from producing frames until the transport has taken them all (over TLS
// at once: the records go to the gatherer).
thread_local spare_output_buffer frames_spare;

}  // namespace

// One request stream: its response and body reader, and its place in admission.
struct http2_connection::stream final : admission_waiter, http2_body_source {
  stream(http2_connection& c, std::int32_t stream_id, const request& r)
      : owner(c), id(stream_id), req(r), started(c.now_), reply_storage(c.worker_.responses().acquire()),
        reply(*reply_storage) {}
  ~stream() override { owner.worker_.responses().release(std::move(reply_storage)); }
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  void admitted() override {
    holds_slot = true;
    // Called from inside another request's completion: continue on a fresh stack.
    asio::post(owner.socket_.get_executor(), [self = owner.shared_from_this(), id = id] {
      stream* found = self->find_stream(id);
      if (found == nullptr || self->closed_) return;
      self->now_ = clock::now();
      self->serve(*found);
      self->flush();
    });
  }

  void timed_out() override {
    owner.now_ = clock::now();
    in_admission = false;
    --owner.shares_;
    owner.refuse(*this);
    owner.admit_waiting_streams();
    owner.flush();
  }

  // The body, paced by its host's max_bandwidth when it has one: while the host's budget is
  // spent the stream waits (deferred) and the connection resumes it.
  std::ptrdiff_t read(std::span<char> into, bool& eof) override {
    if (pacer.active()) {
      const auto now = clock::now();
      const auto wait = pacer.next_piece(body_sent, now);
      if (wait > clock::duration::zero()) {
        owner.pause_stream(*this, now + wait);
        return deferred;
      }
      into = into.first(static_cast<std::size_t>(std::min<std::uint64_t>(into.size(), pacer.piece_limit())));
    }
    const std::ptrdiff_t n = body.read(into, eof);
    if (n > 0) body_sent += static_cast<std::uint64_t>(n);
    return n;
  }

  http2_connection& owner;
  std::int32_t id;
  const request& req;  // owned by the session until on_stream_closed
  // Who the request is from: the connection's address, or client_storage holding the client a
  // trusted proxy named ([client_address]).
  std::string_view client;
  std::string client_storage;
  clock::time_point started;
  request_identity identity;
  std::unique_ptr<response> reply_storage;  // from the worker's pool, back to it with the stream
  response& reply;
  response_body_reader body;
  body_pacer pacer;
  std::uint64_t body_sent = 0;
  std::uint32_t tenant = 0;  // the host's site::tenant_id, once answered
  // While the rate limits decide through a shared store: the site the request started on, and
  // the verdict once it came.
  std::shared_ptr<const site> limiting_site;
  limit_verdict limits;
  bool in_admission = false;  // counted in the worker's admission: holding a slot or queued there
  std::uint32_t tenant_request = 0;  // what the virtual host's in-flight cap counted (0: nothing)
  bool holds_slot = false;
  bool answered = false;
};

http2_connection::http2_connection(worker& owner, tcp_socket socket, socket_io io, std::string remote)
    : worker_(owner), socket_(std::move(socket)), io_(std::move(io)), remote_(std::move(remote)) {}

http2_connection::~http2_connection() {
  if (!closed_) worker_.detach(this);
  if (!worker_.tearing_down()) {
    drop_streams();
    worker_.tenants().leave_connection(tenant_connection_);
  }
  if (buffer_) worker_.buffers().release(std::move(buffer_), buffer_size_);
}

void http2_connection::start(std::string_view initial) {
  now_ = clock::now();
  site_ = worker_.current_site();
  worker_.attach(this);
  const auto& limits = site_->cfg->limits;
  http2_limits h2_limits;
  h2_limits.max_head = limits.max_request_head;
  h2_limits.max_header_count = limits.max_header_count;
  h2_limits.max_uri_length = limits.max_uri_length;
  h2_limits.max_body_size = limits.max_body_size;
  h2_limits.head_timeout = site_->cfg->timeouts.request_head;
  h2_limits.body_timeout = site_->cfg->timeouts.body;
  protocol_ = site_->cfg->extensions.http2;
  session_ = protocol_->open(*this, h2_limits);
  deadline_ = now_ + site_->cfg->timeouts.request_head;
  if (!initial.empty() && !session_->receive({initial.data(), initial.size()})) shutting_down_ = true;
  flush();
  if (!closed_) wait_readable();
}

void http2_connection::stream_deleter::operator()(stream* s) const {
  s->~stream();
  blocks->deallocate(s, sizeof(stream));
}

http2_connection::stream_ptr http2_connection::make_stream(std::int32_t stream_id, const request& req) {
  block_pool& blocks = worker_.stream_blocks();
  void* block = blocks.allocate(sizeof(stream));
  try {
    return stream_ptr(new (block) stream(*this, stream_id, req), stream_deleter{&blocks});
  } catch (...) {
    blocks.deallocate(block, sizeof(stream));
    throw;
  }
}

http2_connection::stream* http2_connection::find_stream(std::int32_t stream_id) {
  if (!table_) return nullptr;
  const std::size_t at = table_->ids.find(stream_id);
  return at == stream_positions::none ? nullptr : table_->streams[at].get();
}

void http2_connection::erase_stream(std::int32_t stream_id) {
  if (!table_) return;
  stream_table& t = *table_;
  const std::size_t at = t.ids.find(stream_id);
  if (at == stream_positions::none) return;
  t.streams[at] = std::move(t.streams.back());
  t.streams.pop_back();
  t.ids.remove_at(at);
}

void http2_connection::drop_streams() {
  if (!table_) return;
  for (auto& s : table_->streams) release_slot(*s);
  table_->streams.clear();
  table_->ids.clear();
}

void http2_connection::on_request(std::int32_t stream_id, const request& req) {
  if (find_stream(stream_id) != nullptr) return;
  if (!table_) table_ = std::make_unique<stream_table>();
  stream_table& t = *table_;
  t.streams.push_back(make_stream(stream_id, req));
  t.ids.push_back(stream_id);
  stream& s = *t.streams.back();
  s.client = worker_.client_addresses().resolve(remote_, req, s.client_storage);
  identify_request(worker_, *worker_.current_site(), req, s.identity);
  if (t.waiting_head > 0 && 2 * t.waiting_head >= t.waiting.size()) {
    // Those taken leave room at the front; the rest move there (at most as many as remain).
    t.waiting.erase(t.waiting.begin(), t.waiting.begin() + static_cast<std::ptrdiff_t>(t.waiting_head));
    t.waiting_head = 0;
  }
  t.waiting.push_back(stream_id);
  admit_waiting_streams();
}

// Streams enter the worker's admission in order, at most max_shares_per_connection at a time
// (holding a slot or queued there); the rest wait here, bounded by max_concurrent_streams. So
// one connection's streams, e.g. all stalled on a zero flow-control window, cannot take every
// slot of the worker. Runs inside the session's callbacks, so it never flushes.
void http2_connection::admit_waiting_streams() {
  while (!closed_ && shares_ < max_shares_per_connection && any_waiting()) {
    stream_table& t = *table_;
    stream* found = find_stream(t.waiting[t.waiting_head++]);
    if (t.waiting_head == t.waiting.size()) {
      t.waiting.clear();
      t.waiting_head = 0;
    }
    if (found == nullptr) continue;
    stream& s = *found;
    if (bypasses_admission(*worker_.current_site(), s.req)) {
      serve(s);
      continue;
    }
    // A virtual host's caps and fair share: over its connection cap every stream is refused and
    // the connection goes away (GOAWAY) after a rest; over its in-flight cap or share only the
    // stream is refused, and reading rests a while.
    const site& host = route_request(*worker_.current_site(), s.req);
    auto& tenants = worker_.tenants();
    if (!attributed_) {
      attributed_ = true;
      if (!tenants.enter_connection(host, tenant_connection_)) {
        over_connection_cap_ = true;
        rest_due_ = true;
        next_rest_ = tenant_admission::rest_after(tenants.connection_refusals(host));
      }
    }
    if (over_connection_cap_) {
      refuse(s);
      continue;
    }
    if (!tenants.enter_request(host, worker_.admission(), s.tenant_request)) {
      if (tenant_refusals_ < 255) ++tenant_refusals_;
      rest_due_ = true;
      next_rest_ = tenant_admission::rest_after(tenant_refusals_);
      refuse(s);
      continue;
    }
    tenant_refusals_ = 0;
    s.in_admission = true;
    ++shares_;
    switch (worker_.admission().enter(s, now_)) {
      case admission_verdict::admitted:
        s.holds_slot = true;
        serve(s);
        break;
      case admission_verdict::queued:
        break;  // admitted() or timed_out() follows
      case admission_verdict::rejected:
        s.in_admission = false;
        --shares_;
        refuse(s);
        break;
    }
  }
}

void http2_connection::serve(stream& s) {
  site_ = worker_.current_site();
  const log::request_scope scope(s.identity);
  const site& host = route_request(*site_, s.req);
  if (misdirected(*site_, io_.session(), s.req)) {
    worker_.handler().error(421, &s.req, *site_, s.reply);
  } else if (!worker_.handler().handle(s.req, context_for(s), host, s.reply)) {
    s.limiting_site = site_;
    if (limiting_++ == 0) self_while_limiting_ = shared_from_this();
    return;  // limits_decided answers it
  }
  answer(s, host);
}

request_context http2_connection::context_for(const stream& s) {
  request_context ctx;
  ctx.can_stream = true;
  ctx.tls = io_.secure() ? &io_.session()->peer() : nullptr;
  ctx.remote_address = s.client;
  ctx.draining = worker_.draining() || shutting_down_;
  ctx.access = worker_.access();
  ctx.identity = &s.identity;
  ctx.peer_address = remote_;
  ctx.limits = worker_.limits();
  ctx.waiter = this;
  ctx.limit_tag = static_cast<std::uint32_t>(s.id);
  ctx.pressure = &worker_.pressure();
  ctx.now = now_;
  return ctx;
}

// The verdict is only lent for this call, and the contract wants a fresh stack: keep a copy in
// the stream and answer from a posted handler. A stream reset meanwhile is simply gone.
void http2_connection::limits_decided(std::uint32_t stream_id, const limit_verdict& verdict) {
  auto self = shared_from_this();
  if (--limiting_ == 0) self_while_limiting_.reset();
  stream* found = find_stream(static_cast<std::int32_t>(stream_id));
  if (found == nullptr || closed_) return;
  found->limits = verdict;
  asio::post(socket_.get_executor(), [self = std::move(self), id = found->id] {
    stream* again = self->find_stream(id);
    if (again == nullptr || self->closed_) return;
    stream& s = *again;
    if (!s.limiting_site) return;
    self->now_ = clock::now();
    self->site_ = std::move(s.limiting_site);
    const log::request_scope scope(s.identity);
    const site& host = route_request(*self->site_, s.req);
    self->worker_.handler().resume_after_limits(s.req, self->context_for(s), host, s.limits, s.reply);
    self->answer(s, host);
    self->flush();
  });
}

// Admission said no: 503 with Retry-After, as on HTTP/1.x.
void http2_connection::refuse(stream& s) {
  site_ = worker_.current_site();
  const site& host = route_request(*site_, s.req);
  worker_.handler().error(503, &s.req, host, s.reply);
  s.reply.set("Retry-After", worker_.admission().retry_after());
  answer(s, host);
}

void http2_connection::answer(stream& s, const site& host) {
  s.answered = true;
  response& r = s.reply;
  add_common_response_fields(*site_, io_.secure(), s.identity, r);
  // The thread's scratch, not the connection's: respond() encodes the head at once and keeps
  // nothing of it, so an idle connection holds no list.
  thread_local std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.clear();
  for (const auto& f : r.fields()) fields.emplace_back(f.name, f.value);
  fields.emplace_back("date", worker_.date());
  if (!site_->cfg->server_header.empty()) fields.emplace_back("server", site_->cfg->server_header);
  const auto& ids = site_->cfg->request_id;
  const std::array<std::string_view, 2> unique_per_response{ids.header, ids.trace_context ? "traceparent" : ""};
  http2_response_head head;
  head.status = r.status;
  head.fields = fields;
  head.never_indexed = unique_per_response;
  const bool no_content = status_has_no_content(r.status);
  if (!no_content && !r.encoder) head.content_length = r.content_length();
  http2_body_source* body = nullptr;
  if (!no_content && !r.head_only && (r.has_body() || r.encoder)) {
    s.body.reset(r, worker_.file_chunk());
    s.pacer.start(host.bandwidth);
    s.tenant = host.tenant_id;
    body = &s;
  }
  session_->respond(s.id, head, body);
}

void http2_connection::pause_stream(stream& s, clock::time_point until) {
  worker_.stats().count_vhost_bandwidth_wait(s.tenant);
  if (!pauses_) pauses_ = std::make_unique<pauses>(socket_.get_executor());
  pauses_->streams.emplace_back(until, s.id);
  pauses_->until = std::max(pauses_->until, until);
  deadline_ = std::max(deadline_, until + site_->cfg->timeouts.send);
  if (pauses_->streams.size() == 1 || until < pauses_->timer.expiry()) arm_pause_timer(until);
}

// Re-arming cancels the wait before: its handler sees operation_aborted and leaves it be.
void http2_connection::arm_pause_timer(clock::time_point at) {
  pauses_->timer.expires_at(at);
  pauses_->timer.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec && !self->closed_) self->resume_paused_streams();
  });
}

void http2_connection::resume_paused_streams() {
  now_ = clock::now();
  auto next = clock::time_point::max();
  std::erase_if(pauses_->streams, [&](const auto& pause) {
    if (pause.first <= now_) {
      session_->resume(pause.second);  // ignored for a stream that went away meanwhile
      return true;
    }
    next = std::min(next, pause.first);
    return false;
  });
  if (!pauses_->streams.empty()) arm_pause_timer(next);
  flush();
}

void http2_connection::release_slot(stream& s) {
  worker_.tenants().leave_request(s.tenant_request);
  if (!s.in_admission) return;  // still waiting on the connection, or already refused
  s.in_admission = false;
  --shares_;
  if (s.holds_slot) {
    s.holds_slot = false;
    worker_.admission().leave();
  } else {
    worker_.admission().cancel(s);
  }
}

void http2_connection::on_stream_closed(std::int32_t stream_id, bool /*response_complete*/, std::uint64_t body_bytes) {
  stream* found = find_stream(stream_id);
  if (found == nullptr) return;
  stream& s = *found;
  release_slot(s);
  admit_waiting_streams();
  const auto ended = producing_since_ ? *producing_since_ : clock::now();
  s.pacer.settle(s.body_sent, ended);
  worker_.stats().copy_bytes.add(s.body.file_bytes());
  if (!closed_) {
    finished_request done;
    done.req = &s.req;
    done.identity = &s.identity;
    done.remote = s.client;
    done.protocol = metric_protocol::http2;
    // A stream reset before its answer is logged like nginx's 499: the client went away.
    done.status = s.answered ? s.reply.status : 499;
    done.body_bytes = body_bytes;
    done.duration = std::chrono::duration_cast<std::chrono::microseconds>(ended - s.started);
    done.tls = io_.secure() ? &io_.session()->peer() : nullptr;
    done.log = !s.reply.skip_access_log;
    done.user = s.reply.principal;
    const site& host = route_request(*site_, s.req);
    done.vhost = host.name;
    done.tenant = host.tenant_id;
    record_finished_request(worker_, done);
  }
  erase_stream(stream_id);  // by id: the streams admitted above may have moved it
}

void http2_connection::wait_readable() {
  if (read_waiting_ || closed_ || !session_->wants_read()) return;
  if (rest_due_ && !lingering_) {
    rest_before_reading();
    return;
  }
  if (io_.has_buffered_input()) {
    read_waiting_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->read_waiting_ = false;
      self->on_readable();
    });
    return;
  }
  // Between requests OpenSSL's record buffers go back (a burst's streams all done).
  if (io_.secure() && no_streams()) io_.session()->release_buffers();
  read_waiting_ = true;
  socket_.async_wait(tcp_socket::wait_read,
                     with_memory(read_wait_memory_, [self = shared_from_this()](const asio::error_code& ec) {
                       self->read_waiting_ = false;
                       if (ec) self->close();
                       self->on_readable();
                     }));
}

// Writes go on meanwhile: the streams already admitted finish.
void http2_connection::rest_before_reading() {
  rest_due_ = false;
  read_waiting_ = true;
  if (!rest_timer_) rest_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  rest_timer_->expires_after(next_rest_);
  rest_timer_->async_wait([self = shared_from_this()](const asio::error_code& ec) {
    self->read_waiting_ = false;
    if (ec || self->closed_) return;
    self->now_ = clock::now();
    if (self->over_connection_cap_) {
      self->drain();  // GOAWAY; what the client sent meanwhile stays unread
    } else {
      self->wait_readable();
    }
  });
}

void http2_connection::on_readable() {
  if (closed_) return;
  now_ = clock::now();
  if (lingering_) {
    linger_read();
    return;
  }
  if (!buffer_) {
    buffer_size_ = site_->limits.max_head + 1;
    buffer_ = worker_.buffers().acquire(buffer_size_);
  }
  bool more = false;
  for (std::size_t i = 0; i < reads_per_turn; ++i) {
    const auto result = io_.read({buffer_.get(), buffer_size_});
    if (result.status == transport_status::done && result.bytes > 0) {
      last_input_ = now_;
      idle_released_ = false;
      if (no_streams()) deadline_ = now_ + site_->cfg->timeouts.idle;
      if (!session_->receive({buffer_.get(), result.bytes})) {
        shutting_down_ = true;  // GOAWAY is queued: send it, then close
        break;
      }
      // A read short of the room it had found the socket drained: another would fail with
      // EAGAIN (a system call per wake-up for nothing). Bytes that arrive meanwhile are not
      // missed: async_wait re-arms the socket in epoll, which then reports them.
      if (socket_drained(result.bytes)) break;
      more = i + 1 == reads_per_turn;
      continue;
    }
    if (result.status == transport_status::want_read || result.status == transport_status::want_write) break;
    worker_.buffers().release(std::move(buffer_), buffer_size_);
    close();  // EOF or an error
    return;
  }
  // The session copies what it keeps: no buffer is held between reads.
  worker_.buffers().release(std::move(buffer_), buffer_size_);
  flush();
  if (closed_) return;
  if (more && !shutting_down_ && !rest_due_) {
    // More may be waiting: let other connections run first, then read on.
    read_waiting_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->read_waiting_ = false;
      self->on_readable();
    });
    return;
  }
  if (!shutting_down_) wait_readable();
}

bool http2_connection::socket_drained(std::size_t bytes_read) const {
  // Over TLS the bytes are decrypted ones; the session knows what its own read of the socket
  // found. What it decrypted and still holds, wait_readable() reads at once.
  return io_.secure() ? io_.session()->socket_drained() : bytes_read < buffer_size_;
}

void http2_connection::flush() {
  if (closed_ || write_waiting_) return;
  std::size_t produced = 0;
  while (true) {
    if (out_sent_ == out_.size()) {
      frames_spare.take_back(out_);
      out_sent_ = 0;
      if (!session_->wants_write()) break;
      if (produced >= produce_slice) {
        // Fairness: other connections first, then produce on.
        if (!flush_posted_) {
          flush_posted_ = true;
          asio::post(socket_.get_executor(), [self = shared_from_this()] {
            self->flush_posted_ = false;
            self->now_ = clock::now();
            self->flush();
          });
        }
        return;
      }
      producing_since_ = clock::now();
      frames_spare.lend(out_);
      session_->produce(out_, produce_slice);
      producing_since_.reset();
      produced += out_.size();
      if (out_.empty()) break;
    }
    const auto result = io_.write({out_.data() + out_sent_, out_.size() - out_sent_}, false);
    // TLS may have taken some records before it had to wait: those bytes are gone.
    out_sent_ += result.bytes;
    if (result.bytes > 0) refresh_deadline();
    if (result.status == transport_status::done) continue;
    if (result.status == transport_status::want_write || result.status == transport_status::want_read) {
      wait_writable(result.status);
      return;
    }
    close();
    return;
  }
  finish_if_done();
}

void http2_connection::wait_writable(transport_status status) {
  write_waiting_ = true;
  socket_.async_wait(status == transport_status::want_read ? tcp_socket::wait_read
                                                           : tcp_socket::wait_write,
                     [self = shared_from_this()](const asio::error_code& ec) {
                       self->write_waiting_ = false;
                       if (ec) self->close();
                       if (self->closed_) return;
                       self->now_ = clock::now();
                       self->flush();
                     });
}

// With streams open, progress is what counts (a client that stops reading, or keeps its window
// at zero, is cut off after timeouts.send); without, the connection is idle.
void http2_connection::refresh_deadline() {
  deadline_ = now_ + (no_streams() ? site_->cfg->timeouts.idle : site_->cfg->timeouts.send);
  if (any_paused()) deadline_ = std::max(deadline_, pauses_->until + site_->cfg->timeouts.send);
}

void http2_connection::finish_if_done() {
  if (closed_ || lingering_ || out_sent_ < out_.size() || session_->wants_write()) return;
  if (!session_->wants_read() || (shutting_down_ && no_streams())) {
    // As for HTTP/1.x: closing with unread input would reset the connection and could destroy
    // the GOAWAY before the client reads it. Shut down our side and read for a short while.
    io_.shutdown_write();
    lingering_ = true;
    deadline_ = now_ + linger_time;
    if (!read_waiting_) linger_read();
  }
}

void http2_connection::linger_read() {
  char discard[4096];
  while (lingered_ <= linger_limit) {  // counted across wake-ups
    const auto n = platform::receive(socket_.native_handle(), discard, sizeof discard);
    if (n > 0) {
      lingered_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && platform::last_socket_error() != platform::socket_error::other) {
      read_waiting_ = true;
      socket_.async_wait(tcp_socket::wait_read,
                         with_memory(read_wait_memory_, [self = shared_from_this()](const asio::error_code& ec) {
                           self->read_waiting_ = false;
                           if (ec) self->close();
                           if (!self->closed_) self->linger_read();
                         }));
      return;
    }
    break;
  }
  close();
}

void http2_connection::check_deadline(clock::time_point now) {
  if (closed_) return;
  if (!lingering_) {
    // Per stream: a head or body trickled in too slowly is cut off (slowloris over HTTP/2).
    now_ = now;
    session_->check_deadlines(now);
    if (session_->wants_write()) flush();
    if (closed_) return;
  }
  if (now < deadline_) {
    if (!idle_released_ && now - last_input_ >= release_idle_after) release_idle_memory();
    return;
  }
  now_ = now;
  if (lingering_ || !no_streams() || out_sent_ < out_.size() || shutting_down_) {
    close();
    return;
  }
  // Idle: say goodbye properly, and give the GOAWAY a moment to leave.
  shutting_down_ = true;
  session_->shutdown();
  deadline_ = now + std::chrono::seconds(1);
  flush();
}

void http2_connection::release_idle_memory() {
  if (lingering_ || shutting_down_ || !no_streams() || out_sent_ < out_.size() || session_->wants_write() ||
      limiting_ > 0 || any_paused() || any_waiting()) {
    return;
  }
  idle_released_ = true;
  session_->release_idle_memory();
  table_.reset();
}

void http2_connection::drain() {
  if (closed_ || shutting_down_) return;
  shutting_down_ = true;
  now_ = clock::now();
  session_->shutdown();
  flush();
}

void http2_connection::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  socket_.close(ignored);
  if (pauses_) pauses_->timer.cancel();
  if (rest_timer_) rest_timer_->cancel();
  worker_.detach(this);
  drop_streams();
  worker_.tenants().leave_connection(tenant_connection_);
}

}  // namespace ferry
