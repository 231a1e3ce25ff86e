#include "files/file_resolver.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

#include "http/http_date.hpp"

namespace ferry {

namespace {

std::atomic<bool> openat2_missing{false};

// Relative path for the *at calls: "" (the root) becomes ".".
void to_relative(std::string_view path, std::string& out) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.assign(path.empty() ? std::string_view(".") : path);
}

// Walks the path one component at a time without following any symlink.
int open_component_wise(int root_fd, const std::string& relative, int flags) {
  int dir = ::dup(root_fd);
  if (dir < 0) return -1;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = relative.find('/', start);
    const bool last = slash == std::string::npos;
    const std::string part = relative.substr(start, last ? std::string::npos : slash - start);
    const int next = ::openat(dir, part.c_str(),
                              (last ? flags : O_RDONLY | O_DIRECTORY | O_CLOEXEC) | O_NOFOLLOW);
    const int saved = errno;
    ::close(dir);
    if (next < 0) {
      errno = saved;
      return -1;
    }
    if (last) return next;
    dir = next;
    start = slash + 1;
  }
}

}  // namespace

file_resolver::file_resolver(const std::string& root, symlink_policy symlinks, dotfile_policy dotfiles)
    : symlinks_(symlinks), dotfiles_(dotfiles) {
  root_fd_ = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open root " + root);
}

file_resolver::~file_resolver() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

void file_resolver::use_fallback_for_testing(bool on) { openat2_missing.store(on); }

bool file_resolver::has_dot_segment(std::string_view path) {
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (path[i] == '/' && path[i + 1] == '.') return true;
  }
  return !path.empty() && path.front() == '.';
}

int file_resolver::open_beneath(std::string_view path, int flags) const {
  thread_local std::string relative;
  to_relative(path, relative);
  if (!openat2_missing.load(std::memory_order_relaxed)) {
    open_how how{};
    how.flags = static_cast<unsigned>(flags);
    unsigned resolve = 0;
    switch (symlinks_) {
      case symlink_policy::within_root: resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS; break;
      case symlink_policy::deny: resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; break;
      case symlink_policy::follow: resolve = RESOLVE_NO_MAGICLINKS; break;
    }
    how.resolve = resolve;
    const long fd = ::syscall(SYS_openat2, root_fd_, relative.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
    openat2_missing.store(true, std::memory_order_relaxed);
  }
  if (symlinks_ == symlink_policy::follow) return ::openat(root_fd_, relative.c_str(), flags);
  return open_component_wise(root_fd_, relative, flags);
}

lookup_result file_resolver::open(std::string_view path) const {
  lookup_result result;
  if (dotfiles_ == dotfile_policy::deny && has_dot_segment(path)) return result;
  // O_NONBLOCK: opening a FIFO someone left in the root must not block the worker.
  const int fd = open_beneath(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    switch (errno) {
      case ENOENT: case ENOTDIR: case EXDEV: case ELOOP: case ENAMETOOLONG: case ENXIO:
        result.kind = lookup_kind::not_found;
        break;
      case EACCES: case EPERM:
        result.kind = lookup_kind::forbidden;
        break;
      default:
        result.kind = lookup_kind::error;
        result.error = errno;
        break;
    }
    return result;
  }
  open_file file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    result.kind = lookup_kind::error;
    result.error = errno;
    return result;
  }
  if (S_ISDIR(st.st_mode)) {
    result.kind = lookup_kind::directory;
    return result;
  }
  if (!S_ISREG(st.st_mode)) return result;  // devices, sockets, FIFOs: not found
  file.size = static_cast<std::uint64_t>(st.st_size);
  file.mtime = st.st_mtim.tv_sec;
  format_http_date(file.mtime, file.last_modified.data());
  file.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  file.inode = static_cast<std::uint64_t>(st.st_ino);
  result.file = std::move(file);
  result.kind = lookup_kind::file;
  return result;
}

int file_resolver::open_directory(std::string_view path) const {
  if (dotfiles_ == dotfile_policy::deny && has_dot_segment(path)) return -1;
  return open_beneath(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

}  // namespace ferry
