// The file-system calls the server makes, behind one interface per operating system
// (posix/file_io.cpp: Linux with openat2, other POSIX systems with a component-wise openat
// walk; windows/file_io.cpp: CreateFileW with a final-path check). Files are C runtime
// descriptors everywhere (on Windows, a CRT descriptor that owns the HANDLE), so the rest of
// ferry passes an `int` around and never sees an OS-specific handle type.
#pragma once

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::platform {

inline void close_file(int fd) {
#ifdef _WIN32
  ::_close(fd);
#else
  ::close(fd);
#endif
}

// Opens (creating it, mode 0640 on POSIX) a log file for appending. -1 with errno on failure.
int open_for_append(const std::string& path);

// Windows opens the standard streams in text mode ("\n" written as "\r\n"); log lines are
// written as they are on every platform. No effect on POSIX.
void use_binary_mode(int fd);

// write: returns the count written, or -1 with errno set.
std::int64_t write_some(int fd, const void* bytes, std::size_t length);

// pread: reads up to `length` bytes at `offset` without moving any shared file position.
// Returns the count (0 at end of file), or -1 with errno set.
std::int64_t read_at(int fd, void* buffer, std::size_t length, std::uint64_t offset);

enum class file_type { regular, directory, other };

struct file_status {
  file_type type = file_type::other;
  std::uint64_t size = 0;
  std::time_t mtime = 0;
  std::int64_t mtime_ns = 0;   // full precision, to notice a rewrite within the same second
  std::uint64_t identity = 0;  // inode, or the NTFS file index: same file ⇔ same identity
};

// fstat. False with errno set when it fails.
bool status_of(int fd, file_status& out);

// Which symbolic links (and, on Windows, junctions) a lookup beneath the root may pass.
enum class link_rule {
  refuse,       // none
  within_root,  // those that resolve inside the root (on Windows: none, see file_io.cpp)
  follow,       // any, wherever they lead
};

// The document root, held open so that lookups are relative to it.
class root_directory {
 public:
  // Throws std::system_error when `path` cannot be opened as a directory (start-up only).
  explicit root_directory(const std::string& path);
  ~root_directory();
  root_directory(const root_directory&) = delete;
  root_directory& operator=(const root_directory&) = delete;

  // Opens `relative` ('/'-separated, no leading '/', no dot-segments; "." is the root itself)
  // for reading, never reaching outside the root unless `links` is follow. With `directory`,
  // only a directory opens. Returns a descriptor, or -1 with errno (ENOENT, ENOTDIR, ELOOP,
  // EXDEV, EACCES, EMFILE, ...). Never blocks on a FIFO.
  int open(const std::string& relative, link_rule links, bool directory) const;

  // POSIX: makes every lookup use the component-wise walk, as on a kernel without openat2
  // (tests only; the walk must keep the same promises). No effect elsewhere.
  static void use_fallback_for_testing(bool on);

 private:
#ifdef _WIN32
  std::wstring final_path_;  // the root as GetFinalPathNameByHandleW spells it
  void* handle_ = nullptr;   // held open so the root cannot be renamed away meanwhile
#else
  int fd_ = -1;
#endif
};

struct directory_entry {
  std::string name;  // as on disk (raw bytes; UTF-8 on Windows)
  bool is_directory = false;
  std::uint64_t size = 0;
  std::time_t modified = 0;
};

// Reads up to `limit` entries of the directory open as `dir_fd` into `out`, skipping "." and
// "..", names starting with '.' when `hide_dotfiles`, symbolic links and anything that is
// neither a regular file nor a directory. Takes ownership of `dir_fd` (closed on return).
// False when the directory cannot be read.
bool read_directory(int dir_fd, std::size_t limit, bool hide_dotfiles, std::vector<directory_entry>& out);

}  // namespace ferry::platform
