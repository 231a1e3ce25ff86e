#include "modules/compression/precompress_sidecar.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <random>
#include <system_error>
#include <utility>

#include "modules/compression/precompress_codec.hpp"

namespace ferry {
namespace {

// Encoded output is written to disk in pieces of about this size.
constexpr std::size_t flush_size = 256 * 1024;
constexpr int temp_name_attempts = 16;

std::string errno_text(int error) { return std::generic_category().message(error); }

bool same_time(const std::timespec& a, const std::timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

bool unchanged(const struct stat& before, const struct stat& after) {
  return before.st_size == after.st_size && same_time(before.st_mtim, after.st_mtim);
}

std::uint64_t size_of(const struct stat& st) { return st.st_size > 0 ? static_cast<std::uint64_t>(st.st_size) : 0; }

struct descriptor_closer {
  int fd;
  explicit descriptor_closer(int descriptor) : fd(descriptor) {}
  descriptor_closer(const descriptor_closer&) = delete;
  descriptor_closer& operator=(const descriptor_closer&) = delete;
  ~descriptor_closer() { close(fd); }
};

// Where encoded bytes go: a temporary file, or nowhere (--check only counts them).
class sidecar_sink {
 public:
  explicit sidecar_sink(int fd) : fd_(fd) {}

  // An errno value, 0 on success.
  int write(std::string_view data) {
    total_ += data.size();
    while (fd_ >= 0 && !data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
  }

  std::uint64_t total() const { return total_; }

 private:
  int fd_;
  std::uint64_t total_ = 0;
};

// A new file with a random dotfile name next to the sidecar: the server does not serve
// dotfiles and the walk skips them, so a half-written file is never seen. Removed again unless
// committed.
class temp_file {
 public:
  explicit temp_file(int dir) : dir_(dir) {}
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    if (fd_ >= 0) close(fd_);
    if (!name_.empty()) unlinkat(dir_, name_.c_str(), 0);
  }

  // An errno value, 0 on success.
  int create() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    for (int attempt = 0; attempt < temp_name_attempts; ++attempt) {
      char name[48];
      std::snprintf(name, sizeof name, ".precompress-%016llx.tmp", static_cast<unsigned long long>(random()));
      fd_ = openat(dir_, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd_ >= 0) {
        name_ = name;
        return 0;
      }
      if (errno != EEXIST) return errno;
    }
    return EEXIST;
  }

  int fd() const { return fd_; }

  // Gives the file its source's permission bits, owner (as far as allowed) and modification
  // time, makes it durable, and renames it over `target`. An errno value, 0 on success.
  int commit(const struct stat& source, const std::string& target) {
    if (fchmod(fd_, source.st_mode & 0777) != 0) return errno;
    // Root keeps the file's owner and group, so the server can read the sidecar exactly when it
    // can read the file; others keep at least the group if they belong to it. Failing is fine.
    const uid_t owner = geteuid() == 0 ? source.st_uid : static_cast<uid_t>(-1);
    [[maybe_unused]] const int ignored = fchown(fd_, owner, source.st_gid);
    const std::timespec times[2] = {{0, UTIME_OMIT}, source.st_mtim};
    if (futimens(fd_, times) != 0) return errno;
    // Without fsync a crash after the rename can leave an empty sidecar the server would send.
    if (fsync(fd_) != 0) return errno;
    const int fd = std::exchange(fd_, -1);
    if (close(fd) != 0) return errno;
    if (renameat(dir_, name_.c_str(), dir_, target.c_str()) != 0) return errno;
    name_.clear();
    return 0;
  }

 private:
  int dir_;
  int fd_ = -1;
  std::string name_;
};

struct encode_result {
  std::string error;        // empty on success
  bool over_limit = false;  // stopped early: the sidecar would be too large to keep
  std::uint64_t size = 0;
};

// Streams the first `size` bytes of `in` through the coding's encoder into `sink`, stopping as
// soon as the output exceeds `limit`.
encode_result encode_file(int in, std::uint64_t size, std::string_view coding, std::string_view media_type,
                          std::uint64_t limit, sidecar_sink& sink, std::span<char> buffer) {
  encode_result result;
  std::error_code ec;
  const auto encoder = make_sidecar_encoder(coding, size, media_type, ec);
  if (!encoder) {
    result.error = "cannot start the encoder: " + ec.message();
    return result;
  }
  std::string output;
  std::uint64_t offset = 0;
  bool finished = false;
  while (!finished) {
    std::size_t got = 0;
    if (offset < size) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - offset));
      const ssize_t n = pread(in, buffer.data(), want, static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        result.error = "reading: " + errno_text(errno);
        return result;
      }
      if (n == 0) {
        result.error = "changed while being compressed (shorter than before); run again";
        return result;
      }
      got = static_cast<std::size_t>(n);
      offset += got;
    }
    finished = offset == size;
    if ((ec = encoder->encode({buffer.data(), got}, finished, output))) {
      result.error = "compressing: " + ec.message();
      return result;
    }
    if (sink.total() + output.size() > limit) {
      result.over_limit = true;
      return result;
    }
    if (output.size() >= flush_size || finished) {
      if (const int error = sink.write(output); error != 0) {
        result.error = "writing: " + errno_text(error);
        return result;
      }
      output.clear();
    }
  }
  result.size = sink.total();
  return result;
}

class file_job {
 public:
  file_job(const precompress_file& file, const sidecar_settings& settings, std::span<char> buffer)
      : file_(file), settings_(settings), buffer_(buffer), dir_(file.directory->fd()) {}

  file_sidecars run() {
    file_sidecars out;
    // O_NONBLOCK: should the name have become a FIFO since the walk, opening it must not hang.
    const int fd = openat(dir_, file_.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
      out.error = errno == ELOOP ? "became a symbolic link; skipped" : "opening: " + errno_text(errno);
      return out;
    }
    const descriptor_closer closer(fd);
    in_ = fd;
    if (fstat(fd, &st_) != 0) {
      out.error = "fstat: " + errno_text(errno);
      return out;
    }
    if (!S_ISREG(st_.st_mode)) {
      out.error = "no longer a regular file; skipped";
      return out;
    }
    out.below_min_size = size_of(st_) < settings_.min_size;
    for (const std::string_view coding : settings_.codings) {
      sidecar_result result = one(coding, out.below_min_size);
      result.coding = coding;
      result.original = size_of(st_);
      out.results.push_back(std::move(result));
    }
    return out;
  }

 private:
  sidecar_result one(std::string_view coding, bool below_min_size) {
    sidecar_result r;
    const std::string target = file_.name + std::string(precompress_suffix(coding));
    struct stat existing {};
    bool exists = true;
    if (fstatat(dir_, target.c_str(), &existing, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) return failed(std::move(r), errno_text(errno));
      exists = false;
    }
    if (exists && !S_ISREG(existing.st_mode)) {
      r.outcome = sidecar_outcome::not_regular;
      r.message = "not a regular file; left alone";
      return r;
    }
    if (exists && !settings_.force && sidecar_is_fresh(st_.st_mtim, existing.st_mtim)) {
      r.outcome = sidecar_outcome::up_to_date;
      return r;
    }
    // A stale sidecar changes whatever the compression gives: rebuilt or removed.
    if (exists && settings_.check) {
      r.outcome = sidecar_outcome::stale;
      return r;
    }
    if (below_min_size) {
      if (!exists) {
        r.outcome = sidecar_outcome::below_min_size;
        return r;
      }
      return remove(std::move(r), target);
    }

    const std::uint64_t limit = sidecar_size_limit(size_of(st_));
    temp_file temp(dir_);
    if (!settings_.check) {
      if (const int error = temp.create(); error != 0) {
        return failed(std::move(r), "creating a temporary file: " + errno_text(error));
      }
    }
    sidecar_sink sink(settings_.check ? -1 : temp.fd());
    const encode_result encoded = encode_file(in_, size_of(st_), coding, file_.media_type, limit, sink, buffer_);
    if (!encoded.error.empty()) return failed(std::move(r), encoded.error);
    struct stat after {};
    if (fstat(in_, &after) != 0) return failed(std::move(r), "fstat: " + errno_text(errno));
    if (!unchanged(st_, after)) return failed(std::move(r), "changed while being compressed; run again");

    if (encoded.over_limit) {
      if (exists) return remove(std::move(r), target);
      r.outcome = sidecar_outcome::not_smaller;
      return r;
    }
    r.compressed = encoded.size;
    if (settings_.check) {
      r.outcome = sidecar_outcome::missing;
      return r;
    }
    if (const int error = temp.commit(st_, target); error != 0) {
      return failed(std::move(r), "writing: " + errno_text(error));
    }
    r.outcome = sidecar_outcome::written;
    return r;
  }

  sidecar_result remove(sidecar_result r, const std::string& target) {
    if (unlinkat(dir_, target.c_str(), 0) != 0 && errno != ENOENT) {
      return failed(std::move(r), "removing the stale sidecar: " + errno_text(errno));
    }
    r.outcome = sidecar_outcome::removed;
    return r;
  }

  static sidecar_result failed(sidecar_result r, std::string message) {
    r.outcome = sidecar_outcome::failed;
    r.message = std::move(message);
    return r;
  }

  const precompress_file& file_;
  const sidecar_settings& settings_;
  std::span<char> buffer_;
  int dir_;
  int in_ = -1;
  struct stat st_ {};
};

}  // namespace

std::string_view precompress_suffix(std::string_view coding) {
  if (coding == "br") return ".br";
  if (coding == "zstd") return ".zst";
  if (coding == "gzip") return ".gz";
  return {};
}

bool sidecar_is_fresh(const std::timespec& file, const std::timespec& sidecar) {
  if (sidecar.tv_sec != file.tv_sec) return sidecar.tv_sec > file.tv_sec;
  return sidecar.tv_nsec >= file.tv_nsec;
}

std::uint64_t sidecar_size_limit(std::uint64_t original) {
  const std::uint64_t saving = original / precompress_min_saving_divisor +
                               (original % precompress_min_saving_divisor != 0 ? 1 : 0);
  return original - saving;
}

file_sidecars update_sidecars(const precompress_file& file, const sidecar_settings& settings,
                              std::span<char> buffer) {
  return file_job(file, settings, buffer).run();
}

}  // namespace ferry
