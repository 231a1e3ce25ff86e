// Windows file access. There is no openat2 and no O_NOFOLLOW walk here, so a lookup opens the
// full path (the root's final path + the request path, in the "\\?\" form that Win32 does not
// reinterpret) and then asks the handle where it really landed (GetFinalPathNameByHandleW):
// unless links may be followed anywhere, that must be exactly the path asked for. This refuses
// symbolic links and junctions (also within the root: `within_root` is `refuse` here), 8.3
// short names and case variants of a name, so a request path names one file in one spelling
// and policies matching paths cannot be bypassed by "ADMIN/" for "admin/". Names that Windows
// would reinterpret (a trailing dot or space, ':' for alternate data streams, '\', wildcards,
// device names such as NUL or COM1) never reach CreateFileW.
#include "platform/file_io.hpp"

#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace ferry::platform {

namespace {

int errno_from(DWORD error) {
  switch (error) {
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME: case ERROR_FILENAME_EXCED_RANGE: case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH: case ERROR_BAD_NET_NAME:
      return ENOENT;
    case ERROR_DIRECTORY: return ENOTDIR;
    case ERROR_ACCESS_DENIED: case ERROR_SHARING_VIOLATION: case ERROR_LOCK_VIOLATION:
      return EACCES;
    case ERROR_TOO_MANY_OPEN_FILES: return EMFILE;
    case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY: return ENOMEM;
    case ERROR_INVALID_HANDLE: return EBADF;
    default: return EIO;
  }
}

int fail_with(DWORD error) {
  errno = errno_from(error);
  return -1;
}

bool widen(std::string_view utf8, std::wstring& out) {
  out.clear();
  if (utf8.empty()) return true;
  const int n = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), static_cast<int>(utf8.size()),
                                      nullptr, 0);
  if (n <= 0) return false;
  out.resize(static_cast<std::size_t>(n));
  return ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), static_cast<int>(utf8.size()),
                               out.data(), n) == n;
}

std::string narrow(const wchar_t* text, std::size_t length) {
  const int n = ::WideCharToMultiByte(CP_UTF8, 0, text, static_cast<int>(length), nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(std::max(n, 0)), '\0');
  if (n > 0) ::WideCharToMultiByte(CP_UTF8, 0, text, static_cast<int>(length), out.data(), n, nullptr, nullptr);
  return out;
}

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// CON, PRN, AUX, NUL, COM0-9, LPT0-9 (also with superscript digits), CONIN$, CONOUT$: Win32
// opens the device for these names, whatever the directory and extension ("nul.txt").
bool is_device_name(std::string_view component) {
  std::string_view base = component.substr(0, component.find('.'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  for (const std::string_view device : {"con", "prn", "aux", "nul", "conin$", "conout$"}) {
    if (equals_ignoring_ascii_case(base, device)) return true;
  }
  for (const std::string_view port : {"com", "lpt"}) {
    if (base.size() < 4 || !equals_ignoring_ascii_case(base.substr(0, 3), port)) continue;
    const std::string_view digit = base.substr(3);
    if (digit.size() == 1 && digit[0] >= '0' && digit[0] <= '9') return true;
    if (digit == "\xC2\xB9" || digit == "\xC2\xB2" || digit == "\xC2\xB3") return true;  // ¹ ² ³
  }
  return false;
}

bool acceptable_component(std::string_view component) {
  if (component.empty() || component.back() == '.' || component.back() == ' ') return false;
  for (const char c : component) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
    if (std::strchr("<>:\"\\|?*", c) != nullptr) return false;
  }
  return !is_device_name(component);
}

bool final_path_of(HANDLE handle, std::wstring& out) {
  out.resize(MAX_PATH);
  while (true) {
    const DWORD n = ::GetFinalPathNameByHandleW(handle, out.data(), static_cast<DWORD>(out.size()),
                                                FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (n == 0) return false;
    if (n < out.size()) {
      out.resize(n);
      return true;
    }
    out.resize(n + 1);
  }
}

HANDLE handle_of(int fd) { return reinterpret_cast<HANDLE>(::_get_osfhandle(fd)); }

// 100 ns ticks since 1601 (FILETIME) → ns since 1970.
std::int64_t unix_nanoseconds(const FILETIME& t) {
  const auto ticks = (static_cast<std::int64_t>(t.dwHighDateTime) << 32) | t.dwLowDateTime;
  return (ticks - 116'444'736'000'000'000) * 100;
}

}  // namespace

int open_for_append(const std::string& path) {
  std::wstring wide;
  if (!widen(path, wide)) {
    errno = EINVAL;
    return -1;
  }
  return ::_wopen(wide.c_str(), _O_WRONLY | _O_CREAT | _O_APPEND | _O_BINARY | _O_NOINHERIT, _S_IREAD | _S_IWRITE);
}

void use_binary_mode(int fd) { ::_setmode(fd, _O_BINARY); }

std::int64_t write_some(int fd, const void* bytes, std::size_t length) {
  return ::_write(fd, bytes, static_cast<unsigned>(std::min<std::size_t>(length, 1U << 30)));
}

std::int64_t read_at(int fd, void* buffer, std::size_t length, std::uint64_t offset) {
  const HANDLE handle = handle_of(fd);
  if (handle == INVALID_HANDLE_VALUE) {
    errno = EBADF;
    return -1;
  }
  OVERLAPPED at{};
  at.Offset = static_cast<DWORD>(offset);
  at.OffsetHigh = static_cast<DWORD>(offset >> 32);
  DWORD got = 0;
  const auto want = static_cast<DWORD>(std::min<std::size_t>(length, 1U << 30));
  if (!::ReadFile(handle, buffer, want, &got, &at)) {
    const DWORD error = ::GetLastError();
    return error == ERROR_HANDLE_EOF ? 0 : fail_with(error);
  }
  return got;
}

bool status_of(int fd, file_status& out) {
  const HANDLE handle = handle_of(fd);
  BY_HANDLE_FILE_INFORMATION info{};
  if (handle == INVALID_HANDLE_VALUE || !::GetFileInformationByHandle(handle, &info)) {
    errno = handle == INVALID_HANDLE_VALUE ? EBADF : errno_from(::GetLastError());
    return false;
  }
  out.type = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0 ? file_type::directory
             : ::GetFileType(handle) == FILE_TYPE_DISK             ? file_type::regular
                                                                   : file_type::other;
  out.size = (static_cast<std::uint64_t>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
  out.mtime_ns = unix_nanoseconds(info.ftLastWriteTime);
  out.mtime = static_cast<std::time_t>(out.mtime_ns / 1'000'000'000);
  out.identity = (static_cast<std::uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  return true;
}

root_directory::root_directory(const std::string& path) {
  std::wstring wide;
  if (!widen(path, wide)) throw std::system_error(EINVAL, std::generic_category(), "cannot open root " + path);
  const HANDLE handle = ::CreateFileW(wide.c_str(), FILE_READ_ATTRIBUTES,
                                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                     OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  BY_HANDLE_FILE_INFORMATION info{};
  int error = 0;
  if (handle == INVALID_HANDLE_VALUE) {
    error = errno_from(::GetLastError());
  } else if (!::GetFileInformationByHandle(handle, &info) || !final_path_of(handle, final_path_)) {
    error = errno_from(::GetLastError());
  } else if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
    error = ENOTDIR;
  }
  if (error != 0) {
    if (handle != INVALID_HANDLE_VALUE) ::CloseHandle(handle);
    throw std::system_error(error, std::generic_category(), "cannot open root " + path);
  }
  handle_ = handle;
}

root_directory::~root_directory() {
  if (handle_ != nullptr) ::CloseHandle(static_cast<HANDLE>(handle_));
}

void root_directory::use_fallback_for_testing(bool) {}

int root_directory::open(const std::string& relative, link_rule links, bool directory) const {
  std::wstring path = final_path_;
  if (relative != ".") {
    std::size_t start = 0;
    while (true) {
      const std::size_t slash = relative.find('/', start);
      const std::string_view part = std::string_view(relative).substr(start, slash - start);
      std::wstring wide;
      if (!acceptable_component(part) || !widen(part, wide)) {
        errno = ENOENT;
        return -1;
      }
      path += L'\\';
      path += wide;
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
  }
  const HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_READ,
                                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                     OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (handle == INVALID_HANDLE_VALUE) return fail_with(::GetLastError());
  int error = 0;
  std::wstring landed;
  BY_HANDLE_FILE_INFORMATION info{};
  if (links != link_rule::follow && (!final_path_of(handle, landed) || landed != path)) {
    error = ELOOP;  // a link, a junction, a short name or another spelling: not this path
  } else if (directory && (!::GetFileInformationByHandle(handle, &info) ||
                           (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0)) {
    error = ENOTDIR;
  }
  if (error != 0) {
    ::CloseHandle(handle);
    errno = error;
    return -1;
  }
  const int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(handle), _O_RDONLY | _O_BINARY);
  if (fd < 0) {
    ::CloseHandle(handle);
    errno = EMFILE;
  }
  return fd;
}

bool read_directory(int dir_fd, std::size_t limit, bool hide_dotfiles, std::vector<directory_entry>& out) {
  const HANDLE handle = handle_of(dir_fd);
  alignas(LONGLONG) std::array<unsigned char, 64 * 1024> buffer{};
  bool ok = handle != INVALID_HANDLE_VALUE;
  auto kind = FileIdBothDirectoryRestartInfo;
  while (ok && out.size() < limit) {
    if (!::GetFileInformationByHandleEx(handle, kind, buffer.data(), static_cast<DWORD>(buffer.size()))) {
      ok = ::GetLastError() == ERROR_NO_MORE_FILES;
      break;
    }
    kind = FileIdBothDirectoryInfo;
    for (std::size_t at = 0;;) {
      const auto* e = reinterpret_cast<const FILE_ID_BOTH_DIR_INFO*>(buffer.data() + at);
      const std::string name = narrow(e->FileName, e->FileNameLength / sizeof(wchar_t));
      const bool link = (e->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
      const bool device = (e->FileAttributes & FILE_ATTRIBUTE_DEVICE) != 0;
      if (name != "." && name != ".." && !(hide_dotfiles && name.front() == '.') && !link && !device &&
          out.size() < limit) {
        out.push_back({name, (e->FileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0,
                       static_cast<std::uint64_t>(e->EndOfFile.QuadPart),
                       static_cast<std::time_t>(unix_nanoseconds({e->LastWriteTime.LowPart,
                                                                  static_cast<DWORD>(e->LastWriteTime.HighPart)}) /
                                                1'000'000'000)});
      }
      if (e->NextEntryOffset == 0) break;
      at += e->NextEntryOffset;
    }
  }
  ::_close(dir_fd);
  return ok;
}

}  // namespace ferry::platform
