// Which files under ROOT get sidecars, and the directory walk that finds them. The walk works
// on directory descriptors (openat with O_NOFOLLOW), so it never follows a symbolic link, even
// one swapped in while it runs: nothing outside ROOT is read or written.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "files/mime_types.hpp"
#include "modules/compression/media_type_set.hpp"

namespace ferry {

// An open directory. Shared by the jobs for its files, closed when the last one is done.
class directory_handle {
 public:
  explicit directory_handle(int fd) : fd_(fd) {}
  ~directory_handle();
  directory_handle(const directory_handle&) = delete;
  directory_handle& operator=(const directory_handle&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Whether `name` is itself a sidecar ("app.js.br", ".zst", ".gz"): never compressed again.
bool is_sidecar_name(std::string_view name);

// The files worth precompressing: by extension, through the built-in Content-Type table,
// those whose media type is in the default [compression] types.
class precompress_selection {
 public:
  precompress_selection();
  // The media type ("text/css") when `name` gets sidecars; empty when it does not (dotfiles,
  // sidecars, types that do not compress).
  std::string_view media_type(std::string_view name) const;

 private:
  mime_table mime_;
  media_type_set types_;
};

struct precompress_file {
  std::shared_ptr<const directory_handle> directory;
  std::string name;        // entry in `directory`
  std::string path;        // relative to ROOT, for messages: "css/site.css"
  std::string media_type;  // "text/css"
};

struct walk_counts {
  std::uint64_t files = 0;         // regular files, without dotfiles and sidecars
  std::uint64_t compressible = 0;  // of those, the ones handed to `visit`
  std::uint64_t links = 0;         // symbolic links, not followed
};

// Directories nested deeper than this are reported and not entered (bounds open descriptors).
inline constexpr int precompress_max_depth = 128;

// Walks the tree under the open directory `root_fd` (not closed) in name order, skipping
// entries whose name starts with '.', symbolic links and special files. Calls `visit` for each
// selected regular file and `problem` (path relative to ROOT, "" for ROOT, and what failed)
// for each directory that cannot be read; the walk goes on.
void walk_precompress_tree(int root_fd, const precompress_selection& selection,
                           const std::function<void(precompress_file)>& visit,
                           const std::function<void(std::string_view path, std::string_view what)>& problem,
                           walk_counts& counts);

}  // namespace ferry
