#include "modules/auth/audit_writer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace ferry {
namespace {

// The longest last line we read back to continue a chain; our own lines are far shorter.
constexpr off_t max_tail_line = 16 << 20;

std::string errno_text(int error) { return std::strerror(error); }

// The last line of the file at `path` (without its '\n'), and whether the file ends with '\n'.
// An empty or missing file has no last line.
bool read_last_line(const std::string& path, std::string& line, bool& ends_with_newline, bool& has_line,
                    std::string& error) {
  has_line = false;
  ends_with_newline = true;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;
    error = "cannot read " + path + " to continue its hash chain: " + errno_text(errno);
    return false;
  }
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0;
  if (ok && st.st_size > 0) {
    // Read backwards until the newline before the last line (or the start of the file).
    off_t end = st.st_size;
    std::string tail;
    char byte = 0;
    ok = ::pread(fd, &byte, 1, end - 1) == 1;
    if (ok && byte == '\n') {
      --end;
    } else {
      ends_with_newline = false;
    }
    off_t pos = end;
    bool found = false;
    char chunk[8192];
    while (ok && !found && pos > 0 && end - pos < max_tail_line) {
      const off_t want = std::min<off_t>(static_cast<off_t>(sizeof chunk), pos);
      const ssize_t got = ::pread(fd, chunk, static_cast<std::size_t>(want), pos - want);
      if (got != want) {
        ok = false;
        break;
      }
      pos -= want;
      const std::string_view view(chunk, static_cast<std::size_t>(want));
      const std::size_t nl = view.rfind('\n');
      if (nl != std::string_view::npos) {
        tail.insert(0, view.substr(nl + 1));
        found = true;
      } else {
        tail.insert(0, view);
      }
    }
    if (ok && !found && pos > 0) {
      error = "the last line of " + path + " is too long to continue its hash chain";
      ::close(fd);
      return false;
    }
    if (ok) {
      line = std::move(tail);
      has_line = true;
    }
  }
  if (!ok) error = "cannot read " + path + " to continue its hash chain: " + errno_text(errno);
  ::close(fd);
  return ok;
}

}  // namespace

audit_writer::audit_writer(audit_writer_options options) : options_(std::move(options)) {}

std::unique_ptr<audit_writer> audit_writer::start(audit_writer_options options, std::string& error) {
  options.queue_capacity = std::max<std::size_t>(options.queue_capacity, 1);
  options.batch_lines = std::max<std::size_t>(options.batch_lines, 1);
  std::unique_ptr<audit_writer> w(new audit_writer(std::move(options)));
  const audit_writer_options& o = w->options_;

  std::string previous_hash(audit_chain_seed);
  bool torn = false;
  switch (o.sink) {
    case audit_sink::file: {
      if (o.path.empty()) {
        error = "an audit file needs a path";
        return nullptr;
      }
      if (o.chain) {
        std::string last;
        bool ends_with_newline = true;
        bool has_line = false;
        if (!read_last_line(o.path, last, ends_with_newline, has_line, error)) return nullptr;
        if (has_line) previous_hash = sha256_hex(last);
        torn = !ends_with_newline;
      }
      w->fd_ = ::open(o.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
      if (w->fd_ < 0) {
        error = "cannot open audit file " + o.path + ": " + errno_text(errno);
        return nullptr;
      }
      w->owns_fd_ = true;
      break;
    }
    case audit_sink::standard_output:
      w->fd_ = STDOUT_FILENO;
      break;
    case audit_sink::descriptor:
      if (o.fd < 0) {
        error = "an audit descriptor sink needs a descriptor";
        return nullptr;
      }
      w->fd_ = o.fd;
      break;
    case audit_sink::syslog:
      // openlog keeps the ident pointer: options_ lives as long as the writer, and close()
      // calls closelog before it goes.
      ::openlog(o.syslog_ident.c_str(), LOG_PID | LOG_NDELAY, o.syslog_facility < 0 ? LOG_AUTHPRIV : o.syslog_facility);
      break;
  }
  if (torn) {
    // A crash tore the last line: start ours on a line of its own. The torn line stays in the
    // chain (we link from its bytes), so verify still points at it.
    std::size_t ignored = 0;
    w->write_all("\n", ignored);
  }
  if (o.chain) {
    w->chain_ = std::make_unique<audit_chain>(previous_hash);
    w->chain_head_ = previous_hash;
  }
  w->ring_.resize(o.queue_capacity);
  w->batch_.resize(std::min(o.batch_lines, o.queue_capacity));
  w->thread_ = std::thread([raw = w.get()] { raw->run(); });
  return w;
}

audit_writer::~audit_writer() { close(); }

bool audit_writer::submit(std::string_view event) {
  std::unique_lock lock(mutex_);
  const std::size_t capacity = ring_.size();
  if (!stopping_ && count_ == capacity) {
    if (options_.overflow == audit_overflow::drop ||
        !has_room_.wait_for(lock, options_.block_timeout, [&] { return count_ < capacity || stopping_; })) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  if (stopping_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  ring_[(head_ + count_) % capacity].assign(event);  // reuses the slot's capacity
  ++count_;
  ++accepted_seq_;
  lock.unlock();
  has_work_.notify_one();
  return true;
}

void audit_writer::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = accepted_seq_;
  done_.wait(lock, [&] { return finished_seq_ >= target || stopped_; });
}

void audit_writer::close() {
  const std::lock_guard close_lock(close_mutex_);
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_work_.notify_all();
  has_room_.notify_all();
  if (!thread_.joinable()) return;  // already closed
  thread_.join();
  if (options_.sink == audit_sink::syslog) {
    ::closelog();
  } else if (owns_fd_) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
  fd_ = -1;
}

void audit_writer::run() {
  std::unique_lock lock(mutex_);
  const std::size_t capacity = ring_.size();
  while (true) {
    has_work_.wait(lock, [&] { return count_ > 0 || stopping_; });
    if (count_ == 0) break;  // stopping, and everything accepted has been written
    const std::size_t n = std::min(count_, batch_.size());
    for (std::size_t k = 0; k < n; ++k) {
      // Swap, not copy: the ring slot gets the batch's old string and keeps its capacity.
      std::swap(ring_[head_], batch_[k]);
      head_ = (head_ + 1) % capacity;
    }
    count_ -= n;
    lock.unlock();
    has_room_.notify_all();
    const std::size_t ok = write_batch(n);
    written_.fetch_add(ok, std::memory_order_relaxed);
    failed_.fetch_add(n - ok, std::memory_order_relaxed);
    lock.lock();
    finished_seq_ += n;
    if (chain_) chain_head_ = chain_->last_hash();
    done_.notify_all();
  }
  stopped_ = true;
  done_.notify_all();
}

std::size_t audit_writer::write_batch(std::size_t lines) {
  if (options_.sink == audit_sink::syslog) {
    for (std::size_t k = 0; k < lines; ++k) {
      buffer_.clear();
      if (chain_) {
        chain_->link(batch_[k], buffer_);
      } else {
        buffer_ += batch_[k];
      }
      ::syslog(LOG_INFO, "%s", buffer_.c_str());
    }
    return lines;
  }
  // One write(2) for the whole batch. Line ends are remembered so that a short or failed write
  // counts exactly the lines that got out.
  buffer_.clear();
  std::vector<std::size_t>& line_ends = line_ends_;  // reused: no allocation once warm
  line_ends.clear();
  for (std::size_t k = 0; k < lines; ++k) {
    if (chain_) {
      chain_->link(batch_[k], buffer_);
    } else {
      buffer_ += batch_[k];
    }
    buffer_ += '\n';
    line_ends.push_back(buffer_.size());
  }
  std::size_t written = 0;
  write_all(buffer_, written);
  return static_cast<std::size_t>(std::upper_bound(line_ends.begin(), line_ends.end(), written) - line_ends.begin());
}

bool audit_writer::write_all(std::string_view bytes, std::size_t& written) {
  written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A non-blocking descriptor (an inherited pipe): wait for room rather than spin.
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, -1) >= 0 || errno == EINTR) continue;
    }
    return false;
  }
  return true;
}

audit_writer_counters audit_writer::counters() const {
  audit_writer_counters c;
  {
    const std::lock_guard lock(mutex_);
    c.accepted = accepted_seq_;
  }
  c.written = written_.load(std::memory_order_relaxed);
  c.dropped = dropped_.load(std::memory_order_relaxed);
  c.failed = failed_.load(std::memory_order_relaxed);
  return c;
}

std::size_t audit_writer::queued() const {
  const std::lock_guard lock(mutex_);
  return count_;
}

std::string audit_writer::last_hash() const {
  const std::lock_guard lock(mutex_);
  return chain_head_;
}

}  // namespace ferry
