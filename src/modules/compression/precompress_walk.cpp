#include "modules/compression/precompress_walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "modules/compression/compression_config.hpp"

namespace ferry {
namespace {

std::string join(std::string_view directory, std::string_view name) {
  std::string path(directory);
  if (!path.empty()) path.push_back('/');
  path.append(name);
  return path;
}

// The names in a directory, without "." and "..", sorted so runs are reproducible. Returns an
// errno value (0 on success).
int read_names(int fd, std::vector<std::string>& names) {
  const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);  // closedir closes the descriptor it gets
  if (copy < 0) return errno;
  DIR* stream = fdopendir(copy);
  if (stream == nullptr) {
    const int error = errno;
    close(copy);
    return error;
  }
  int error = 0;
  for (;;) {
    errno = 0;
    const dirent* entry = readdir(stream);
    if (entry == nullptr) {
      error = errno;
      break;
    }
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  closedir(stream);
  std::ranges::sort(names);
  return error;
}

class tree_walk {
 public:
  tree_walk(const precompress_selection& selection, const std::function<void(precompress_file)>& visit,
            const std::function<void(std::string_view, std::string_view)>& problem, walk_counts& counts)
      : selection_(selection), visit_(visit), problem_(problem), counts_(counts) {}

  void directory(const std::shared_ptr<const directory_handle>& dir, const std::string& path, int depth) {
    std::vector<std::string> names;
    if (const int error = read_names(dir->fd(), names); error != 0) {
      problem_(path, std::strerror(error));
      if (names.empty()) return;  // a failure part-way still leaves the names read so far
    }
    for (std::string& name : names) {
      // Dotfiles are private to the server (files.dotfiles = "deny"), and the walk's own
      // temporary files start with '.' too.
      if (name.front() == '.') continue;
      struct stat st {};
      if (fstatat(dir->fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        const int error = errno;
        if (error != ENOENT) problem_(join(path, name), std::strerror(error));
        continue;  // ENOENT: removed since the directory was read
      }
      if (S_ISLNK(st.st_mode)) {
        ++counts_.links;
      } else if (S_ISDIR(st.st_mode)) {
        subdirectory(*dir, join(path, name), name, depth + 1);
      } else if (S_ISREG(st.st_mode)) {
        if (is_sidecar_name(name)) continue;
        ++counts_.files;
        const std::string_view media = selection_.media_type(name);
        if (media.empty()) continue;
        ++counts_.compressible;
        std::string file_path = join(path, name);
        visit_(precompress_file{dir, std::move(name), std::move(file_path), std::string(media)});
      }
    }
  }

 private:
  void subdirectory(const directory_handle& parent, const std::string& path, const std::string& name, int depth) {
    if (depth > precompress_max_depth) {
      problem_(path, "nested too deeply, not entered");
      return;
    }
    // O_NOFOLLOW: if the entry became a link since fstatat, the open fails instead of leaving ROOT.
    const int fd = openat(parent.fd(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      if (error == ELOOP || error == ENOTDIR) {
        ++counts_.links;
      } else if (error != ENOENT) {
        problem_(path, std::strerror(error));
      }
      return;
    }
    directory(std::make_shared<const directory_handle>(fd), path, depth);
  }

  const precompress_selection& selection_;
  const std::function<void(precompress_file)>& visit_;
  const std::function<void(std::string_view, std::string_view)>& problem_;
  walk_counts& counts_;
};

}  // namespace

directory_handle::~directory_handle() {
  if (fd_ >= 0) close(fd_);
}

bool is_sidecar_name(std::string_view name) {
  return name.ends_with(".br") || name.ends_with(".zst") || name.ends_with(".gz");
}

precompress_selection::precompress_selection() {
  for (const std::string& type : default_compressible_types()) types_.add(type);
}

std::string_view precompress_selection::media_type(std::string_view name) const {
  if (name.empty() || name.front() == '.' || is_sidecar_name(name)) return {};
  const std::string_view media = media_type_of(mime_.content_type(name));
  return types_.contains(media) ? media : std::string_view{};
}

void walk_precompress_tree(int root_fd, const precompress_selection& selection,
                           const std::function<void(precompress_file)>& visit,
                           const std::function<void(std::string_view, std::string_view)>& problem,
                           walk_counts& counts) {
  const int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    problem("", std::strerror(errno));
    return;
  }
  tree_walk walk(selection, visit, problem, counts);
  walk.directory(std::make_shared<const directory_handle>(fd), "", 0);
}

}  // namespace ferry
