#include "server/idle_park.hpp"

#ifdef __linux__
#include <sys/epoll.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "platform/inet.hpp"

namespace ferry {

bool parked_connection::set_remote(std::string_view text) {
  char buffer[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  remote_v6 = text.find(':') != std::string_view::npos;
  return inet_pton(remote_v6 ? AF_INET6 : AF_INET, buffer, remote.data()) == 1;
}

std::string parked_connection::remote_text() const {
  char buffer[INET6_ADDRSTRLEN];
  if (!platform::address_text(remote_v6 ? AF_INET6 : AF_INET, remote.data(), buffer, sizeof buffer)) return "-";
  return buffer;
}

#ifdef __linux__

namespace {

constexpr std::chrono::seconds sweep_interval{1};
// Sockets handed back per wake-up; more stay ready in the set and wake the loop again.
constexpr int wake_batch = 64;

}  // namespace

idle_park::idle_park(asio::io_context& io, handler on_wake, handler on_closed)
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      watcher_(io),
      on_wake_(std::move(on_wake)),
      on_closed_(std::move(on_closed)) {
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  asio::error_code ec;
  watcher_.assign(epoll_fd_, ec);
  if (ec) {
    ::close(epoll_fd_);
    throw std::system_error(ec, "idle park");
  }
}

idle_park::~idle_park() {
  for (const auto& record : records_) ::close(record.fd);
  asio::error_code ignored;
  watcher_.close(ignored);  // closes epoll_fd_
}

bool idle_park::park(const parked_connection& c) {
  if (c.fd < 0) return false;
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = c.fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &event) != 0) return false;
  const auto fd = static_cast<std::size_t>(c.fd);
  if (fd >= index_by_fd_.size()) index_by_fd_.resize(fd + 1, 0);
  records_.push_back(c);
  index_by_fd_[fd] = static_cast<std::uint32_t>(records_.size());
  if (!waiting_) wait();
  return true;
}

parked_connection idle_park::take(std::size_t index) {
  parked_connection record = records_[index];
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, record.fd, nullptr);
  index_by_fd_[static_cast<std::size_t>(record.fd)] = 0;
  if (index + 1 != records_.size()) {
    records_[index] = records_.back();
    index_by_fd_[static_cast<std::size_t>(records_[index].fd)] = static_cast<std::uint32_t>(index + 1);
  }
  records_.pop_back();
  return record;
}

void idle_park::wait() {
  waiting_ = true;
  const auto on_ready = [this](const asio::error_code& ec) {
    waiting_ = false;
    if (ec) return;  // closed with the park
    wake_ready();
    if (!records_.empty() && !waiting_) wait();  // a woken connection may have parked another
  };
  watcher_.async_wait(asio::posix::stream_descriptor::wait_read, with_memory(wait_memory_, on_ready));
}

// Asio re-arms the epoll descriptor on every wait, so sockets left ready wake the next one.
void idle_park::wake_ready() {
  epoll_event events[wake_batch];
  int n = 0;
  do {
    n = ::epoll_wait(epoll_fd_, events, wake_batch, 0);
  } while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; ++i) {
    const auto fd = static_cast<std::size_t>(events[i].data.fd);
    if (fd >= index_by_fd_.size() || index_by_fd_[fd] == 0) continue;
    on_wake_(take(index_by_fd_[fd] - 1));
  }
}

void idle_park::expire(clock::time_point now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + sweep_interval;
  for (std::size_t i = records_.size(); i-- > 0;) {
    if (i >= records_.size() || records_[i].deadline > now) continue;
    const auto record = take(i);
    ::close(record.fd);
    on_closed_(record);
  }
}

// Also ends the pending wait, which would otherwise keep a draining worker's loop running.
void idle_park::close_all() {
  while (!records_.empty()) {
    const auto record = take(records_.size() - 1);
    ::close(record.fd);
    on_closed_(record);
  }
  asio::error_code ignored;
  watcher_.cancel(ignored);
}

#else

// Without epoll there is no descriptor set of the worker's own to watch: idle connections stay
// held in Asio (park() refuses them), as TLS and HTTP/2 connections do everywhere.
idle_park::idle_park(asio::io_context&, handler on_wake, handler on_closed)
    : on_wake_(std::move(on_wake)), on_closed_(std::move(on_closed)) {}

idle_park::~idle_park() = default;

bool idle_park::park(const parked_connection&) { return false; }

void idle_park::expire(clock::time_point) {}

void idle_park::close_all() {}

#endif

}  // namespace ferry
