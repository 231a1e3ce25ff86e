#include "server/socket_io.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <cerrno>

namespace ferry {

namespace {

transport_result from_errno(transport_status would_block) {
  if (errno == EAGAIN || errno == EWOULDBLOCK) return {would_block, 0};
  return {transport_status::failed, 0};
}

}  // namespace

transport_result socket_io::read(std::span<char> into) {
  if (session_) return session_->read(into);
  while (true) {
    const auto n = ::recv(fd_, into.data(), into.size(), 0);
    if (n > 0) return {transport_status::done, static_cast<std::size_t>(n)};
    if (n == 0) return {transport_status::closed, 0};
    if (errno != EINTR) return from_errno(transport_status::want_read);
  }
}

transport_result socket_io::write(std::span<const char> bytes, bool more) {
  if (session_) return session_->write(bytes, more);
  while (true) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (n >= 0) return {transport_status::done, static_cast<std::size_t>(n)};
    if (errno != EINTR) return from_errno(transport_status::want_write);
  }
}

transport_result socket_io::write_file(int file_fd, std::uint64_t offset, std::size_t length) {
  if (session_) return session_->write_file(file_fd, offset, length);
  while (true) {
    auto file_offset = static_cast<off_t>(offset);
    const auto n = ::sendfile(fd_, file_fd, &file_offset, length);
    if (n > 0) return {transport_status::done, static_cast<std::size_t>(n)};
    if (n == 0) return {transport_status::closed, 0};  // the file ended early
    if (errno != EINTR) return from_errno(transport_status::want_write);
  }
}

void socket_io::shutdown_write() {
  if (session_) session_->shutdown();
  ::shutdown(fd_, SHUT_WR);
}

}  // namespace ferry
