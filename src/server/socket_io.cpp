#include "server/socket_io.hpp"

namespace ferry {

namespace {

transport_result failure(transport_status would_block) {
  if (platform::last_socket_error() == platform::socket_error::would_block) return {would_block, 0};
  return {transport_status::failed, 0};
}

bool interrupted() { return platform::last_socket_error() == platform::socket_error::interrupted; }

}  // namespace

transport_result socket_io::read(std::span<char> into) {
  if (session_) return session_->read(into);
  while (true) {
    const auto n = platform::receive(fd_, into.data(), into.size());
    if (n > 0) return {transport_status::done, static_cast<std::size_t>(n)};
    if (n == 0) return {transport_status::closed, 0};
    if (!interrupted()) return failure(transport_status::want_read);
  }
}

transport_result socket_io::write(std::span<const char> bytes, bool more) {
  if (session_) return session_->write(bytes, more);
  while (true) {
    const auto n = platform::send_bytes(fd_, bytes.data(), bytes.size(), more);
    if (n >= 0) return {transport_status::done, static_cast<std::size_t>(n)};
    if (!interrupted()) return failure(transport_status::want_write);
  }
}

transport_result socket_io::write_file(int file_fd, std::uint64_t offset, std::size_t length, bool copy) {
  if (session_) return session_->write_file(file_fd, offset, length);
  while (true) {
    const auto n = copy ? platform::send_file_copied(fd_, file_fd, offset, length)
                        : platform::send_file(fd_, file_fd, offset, length);
    if (n > 0) return {transport_status::done, static_cast<std::size_t>(n)};
    if (n == 0) return {transport_status::closed, 0};  // the file ended early
    if (!interrupted()) return failure(transport_status::want_write);
  }
}

void socket_io::shutdown_write() {
  if (session_) session_->shutdown();
  platform::shutdown_write(fd_);
}

}  // namespace ferry
