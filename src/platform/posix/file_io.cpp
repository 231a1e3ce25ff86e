// POSIX file access. Linux resolves lookups with openat2(RESOLVE_BENEATH); where openat2 is
// missing (older kernels, other systems) the path is walked one component at a time with
// openat(O_NOFOLLOW), so symlinks are then refused even within the root.
#include "platform/file_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

#include <atomic>
#include <cerrno>
#include <system_error>

namespace ferry::platform {

namespace {

std::atomic<bool> openat2_missing{false};

const timespec& modified_of(const struct stat& st) {
#ifdef __APPLE__
  return st.st_mtimespec;
#else
  return st.st_mtim;
#endif
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

#ifdef __linux__
// -1 with errno ENOSYS when the kernel has no openat2.
int open_with_openat2(int root_fd, const std::string& relative, int flags, link_rule links) {
  open_how how{};
  how.flags = static_cast<unsigned>(flags);
  switch (links) {
    case link_rule::within_root: how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS; break;
    case link_rule::refuse: how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; break;
    case link_rule::follow: how.resolve = RESOLVE_NO_MAGICLINKS; break;
  }
  return static_cast<int>(::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
}
#endif

}  // namespace

int open_for_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

void use_binary_mode(int) {}

std::int64_t write_some(int fd, const void* bytes, std::size_t length) { return ::write(fd, bytes, length); }

std::int64_t read_at(int fd, void* buffer, std::size_t length, std::uint64_t offset) {
  return ::pread(fd, buffer, length, static_cast<off_t>(offset));
}

bool status_of(int fd, file_status& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  out.type = S_ISREG(st.st_mode)   ? file_type::regular
             : S_ISDIR(st.st_mode) ? file_type::directory
                                   : file_type::other;
  out.size = static_cast<std::uint64_t>(st.st_size);
  const timespec& modified = modified_of(st);
  out.mtime = modified.tv_sec;
  out.mtime_ns = static_cast<std::int64_t>(modified.tv_sec) * 1'000'000'000 + modified.tv_nsec;
  out.identity = static_cast<std::uint64_t>(st.st_ino);
  return true;
}

root_directory::root_directory(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open root " + path);
}

root_directory::~root_directory() {
  if (fd_ >= 0) ::close(fd_);
}

void root_directory::use_fallback_for_testing(bool on) { openat2_missing.store(on); }

int root_directory::open(const std::string& relative, link_rule links, bool directory) const {
  // O_NONBLOCK: opening a FIFO someone left in the root must not block the worker.
  const int flags = directory ? O_RDONLY | O_DIRECTORY | O_CLOEXEC
                              : O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
#ifdef __linux__
  if (!openat2_missing.load(std::memory_order_relaxed)) {
    const int fd = open_with_openat2(fd_, relative, flags, links);
    if (fd >= 0 || errno != ENOSYS) return fd;
    openat2_missing.store(true, std::memory_order_relaxed);
  }
#endif
  if (links == link_rule::follow) return ::openat(fd_, relative.c_str(), flags);
  return open_component_wise(fd_, relative, flags);
}

bool read_directory(int dir_fd, std::size_t limit, bool hide_dotfiles, std::vector<directory_entry>& out) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    ::close(dir_fd);
    return false;
  }
  while (out.size() < limit) {
    const dirent* e = ::readdir(dir);
    if (e == nullptr) break;
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (hide_dotfiles && name.front() == '.') continue;
    struct stat st {};
    if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) continue;
    out.push_back({std::string(name), S_ISDIR(st.st_mode), static_cast<std::uint64_t>(st.st_size),
                   modified_of(st).tv_sec});
  }
  ::closedir(dir);
  return true;
}

}  // namespace ferry::platform
