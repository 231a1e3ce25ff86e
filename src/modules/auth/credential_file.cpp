#include "modules/auth/credential_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ferry::credential {
namespace {

file_stamp from_stat(const struct stat& st) {
  file_stamp stamp;
  stamp.exists = true;
  stamp.device = static_cast<std::uint64_t>(st.st_dev);
  stamp.inode = static_cast<std::uint64_t>(st.st_ino);
  stamp.size = static_cast<std::int64_t>(st.st_size);
  stamp.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return stamp;
}

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string failure(const std::string& path, std::string_view what) {
  std::string message = path;
  message += ": ";
  message += what;
  return message;
}

}  // namespace

file_stamp stamp_file(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {};
  return from_stat(st);
}

file_text read_credential_file(const std::string& path, std::size_t max_size) {
  file_text result;
  const fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    result.error = failure(path, std::strerror(errno));
    return result;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    result.error = failure(path, std::strerror(errno));
    return result;
  }
  if (!S_ISREG(st.st_mode)) {
    result.error = failure(path, "not a regular file");
    return result;
  }
  if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > max_size) {
    result.error = failure(path, "file too large (limit " + std::to_string(max_size) + " bytes)");
    return result;
  }
  result.stamp = from_stat(st);
  // Read until EOF but never more than the limit, in case the file grows while being read.
  const std::size_t expected = static_cast<std::size_t>(st.st_size);
  std::string text(expected + 1, '\0');  // one more byte than expected, to see EOF or growth
  std::size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (text.size() > max_size) break;
      text.resize(std::min(text.size() * 2, max_size + 1));
    }
    const ssize_t got = ::read(fd.get(), text.data() + used, text.size() - used);
    if (got < 0) {
      if (errno == EINTR) continue;
      result.error = failure(path, std::strerror(errno));
      return result;
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  if (used > max_size) {
    result.error = failure(path, "file too large (limit " + std::to_string(max_size) + " bytes)");
    return result;
  }
  text.resize(used);
  result.text = std::move(text);
  return result;
}

std::string at_line(std::string_view origin, std::size_t line_number, std::string_view what) {
  std::string message(origin);
  message += ':';
  message += std::to_string(line_number);
  message += ": ";
  message += what;
  return message;
}

}  // namespace ferry::credential
