// Non-blocking reads and writes on one connection's socket: in the clear with recv/send/
// sendfile (platform/socket_calls.hpp), or through the TLS module's session. The connection's
// logic is the same either way; only these calls differ (and the plaintext path keeps its
// zero-copy sendfile where the system has one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "modules/secure_transport.hpp"
#include "platform/socket_calls.hpp"

namespace ferry {

class socket_io {
 public:
  explicit socket_io(platform::native_socket fd) : fd_(fd) {}

  void set_session(std::unique_ptr<secure_session> session) { session_ = std::move(session); }
  bool secure() const { return session_ != nullptr; }
  secure_session* session() const { return session_.get(); }

  transport_result read(std::span<char> into);
  // `more`: more bytes follow at once (MSG_MORE in the clear; TLS records carry no such hint).
  transport_result write(std::span<const char> bytes, bool more);
  // `copy`: read + send even where sendfile exists (no effect on TLS, which copies unless kTLS).
  transport_result write_file(int file_fd, std::uint64_t offset, std::size_t length, bool copy = false);
  // write_file moves file bytes without copying them through user space (sendfile, kTLS).
  bool zero_copy_files(bool copy = false) const {
    return session_ == nullptr ? !copy && platform::zero_copy_send_file() : session_->send_path() == "kTLS";
  }
  // TLS stopped inside a file record: only write_file from where it stopped may follow.
  bool file_write_pending() const { return session_ != nullptr && session_->file_write_pending(); }
  // Decrypted bytes wait inside the TLS session: read before waiting for the socket.
  bool has_buffered_input() const { return session_ != nullptr && session_->has_buffered_input(); }
  // End of our side: close_notify first on TLS, then shutdown(SHUT_WR).
  void shutdown_write();

 private:
  platform::native_socket fd_;
  std::unique_ptr<secure_session> session_;
};

}  // namespace ferry
