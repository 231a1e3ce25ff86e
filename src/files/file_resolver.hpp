// Opens request paths beneath the document root so that nothing outside it can be reached
// (how, per operating system: platform/file_io.hpp). Dotfiles are refused here, before any
// system call.
#pragma once

#include <string>
#include <string_view>

#include "files/file_policies.hpp"
#include "files/open_file.hpp"
#include "platform/file_io.hpp"

namespace ferry {

enum class lookup_kind {
  file,        // `file` is open
  directory,   // the path names a directory
  not_found,   // missing, a dotfile, a special file, or a symlink the policy refuses
  forbidden,   // exists but may not be read (EACCES)
  error,       // anything else (e.g. out of file descriptors); `error` holds errno
};

struct lookup_result {
  lookup_kind kind = lookup_kind::not_found;
  open_file file;
  int error = 0;
};

class file_resolver {
 public:
  // Opens the root directory; throws std::system_error when it cannot (start-up only).
  file_resolver(const std::string& root, symlink_policy symlinks, dotfile_policy dotfiles);

  // `path` is normalised (normalize_path): starts with '/', no dot-segments. A trailing '/' is
  // ignored for the lookup. Regular files are opened; directories are reported, not opened.
  lookup_result open(std::string_view path) const;

  // Opens a directory for listing (platform::read_directory); -1 when it cannot.
  int open_directory(std::string_view path) const;

  // Whether any segment of `path` starts with '.'.
  static bool has_dot_segment(std::string_view path);

  // Makes every resolver use the component-wise fallback, as on a kernel without openat2
  // (tests only: Linux has openat2, and the fallback must keep the same promises).
  static void use_fallback_for_testing(bool on);

 private:
  int open_beneath(std::string_view path, bool directory) const;

  platform::root_directory root_;
  platform::link_rule links_;
  dotfile_policy dotfiles_;
};

}  // namespace ferry
