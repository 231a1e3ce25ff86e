// What identifies one version of a file on disk, to notice that a certificate, key, CA bundle
// or CRL was replaced: device, inode, size and modification time (nanoseconds).
#pragma once

#include <cstdint>
#include <string>

namespace ferry {

struct file_stamp {
  bool exists = false;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtime_sec = 0;
  std::int64_t mtime_nsec = 0;

  bool operator==(const file_stamp&) const = default;
};

// stat(2) of `path`; a missing or unreadable path gives exists == false. "" gives the default.
file_stamp stamp_file(const std::string& path);

}  // namespace ferry
