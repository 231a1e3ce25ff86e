// Reading the credential files (API keys, htpasswd, URL signing keys) and noticing when one was
// replaced, so the caller can reload it: it builds a new immutable set from the new text and
// keeps the old set when the new text has errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::credential {

// Identifies one version of a file: device, inode, size, modification time in nanoseconds.
// Editors and `mv` replace the inode; an in-place write changes size or mtime.
struct file_stamp {
  bool exists = false;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;

  bool operator==(const file_stamp&) const = default;
};

// stat(2) of `path`; exists == false when it cannot be stat'ed.
file_stamp stamp_file(const std::string& path);

// Credential files are small; a larger file is refused rather than read into memory.
inline constexpr std::size_t max_credential_file_size = 4 * 1024 * 1024;

struct file_text {
  std::string text;
  file_stamp stamp;   // of the file that was read (fstat of the open descriptor)
  std::string error;  // empty on success, else "path: what went wrong"
};

// Reads the whole file, refusing anything that is not a regular file or exceeds `max_size`.
file_text read_credential_file(const std::string& path, std::size_t max_size = max_credential_file_size);

// Splits text into lines for the line-oriented formats: '\n' ends a line, a '\r' before it is
// dropped. The last line may lack '\n'. Calls fn(line_number, line) for each line; stops early
// and returns false when fn returns false.
template <typename Fn>
bool for_each_line(std::string_view text, Fn&& fn) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!fn(line_number, line)) return false;
  }
  return true;
}

// "origin:line: what" for error messages.
std::string at_line(std::string_view origin, std::size_t line_number, std::string_view what);

}  // namespace ferry::credential
