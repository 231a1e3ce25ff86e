#include "files/file_resolver.hpp"

#include <cerrno>

#include "http/http_date.hpp"

namespace ferry {

namespace {

// Relative path for the root's lookups: "" (the root) becomes ".".
void to_relative(std::string_view path, std::string& out) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.assign(path.empty() ? std::string_view(".") : path);
}

platform::link_rule link_rule_for(symlink_policy symlinks) {
  switch (symlinks) {
    case symlink_policy::deny: return platform::link_rule::refuse;
    case symlink_policy::follow: return platform::link_rule::follow;
    case symlink_policy::within_root: break;
  }
  return platform::link_rule::within_root;
}

}  // namespace

file_resolver::file_resolver(const std::string& root, symlink_policy symlinks, dotfile_policy dotfiles)
    : root_(root), links_(link_rule_for(symlinks)), dotfiles_(dotfiles) {}

void file_resolver::use_fallback_for_testing(bool on) { platform::root_directory::use_fallback_for_testing(on); }

bool file_resolver::has_dot_segment(std::string_view path) {
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (path[i] == '/' && path[i + 1] == '.') return true;
  }
  return !path.empty() && path.front() == '.';
}

int file_resolver::open_beneath(std::string_view path, bool directory) const {
  thread_local std::string relative;
  to_relative(path, relative);
  return root_.open(relative, links_, directory);
}

lookup_result file_resolver::open(std::string_view path) const {
  lookup_result result;
  if (dotfiles_ == dotfile_policy::deny && has_dot_segment(path)) return result;
  const int fd = open_beneath(path, false);
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
  platform::file_status st;
  if (!platform::status_of(fd, st)) {
    result.kind = lookup_kind::error;
    result.error = errno;
    return result;
  }
  if (st.type == platform::file_type::directory) {
    result.kind = lookup_kind::directory;
    return result;
  }
  if (st.type != platform::file_type::regular) return result;  // devices, sockets, FIFOs: not found
  file.size = st.size;
  file.mtime = st.mtime;
  file.describe_validators();
  file.mtime_ns = st.mtime_ns;
  file.inode = st.identity;
  result.file = std::move(file);
  result.kind = lookup_kind::file;
  return result;
}

int file_resolver::open_directory(std::string_view path) const {
  if (dotfiles_ == dotfile_policy::deny && has_dot_segment(path)) return -1;
  return open_beneath(path, true);
}

}  // namespace ferry
