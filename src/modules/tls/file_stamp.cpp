#include "modules/tls/file_stamp.hpp"

#include <sys/stat.h>

namespace ferry {

file_stamp stamp_file(const std::string& path) {
  file_stamp stamp;
  if (path.empty()) return stamp;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return stamp;
  stamp.exists = true;
  stamp.device = static_cast<std::uint64_t>(info.st_dev);
  stamp.inode = static_cast<std::uint64_t>(info.st_ino);
  stamp.size = static_cast<std::int64_t>(info.st_size);
  stamp.mtime_sec = static_cast<std::int64_t>(info.st_mtim.tv_sec);
  stamp.mtime_nsec = static_cast<std::int64_t>(info.st_mtim.tv_nsec);
  return stamp;
}

}  // namespace ferry
