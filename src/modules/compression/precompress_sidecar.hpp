// One file's sidecars: whether each is up to date, and building, replacing or removing it.
//
// A sidecar is up to date when its modification time is not older than its file's; a written
// sidecar gets exactly its file's time, so the next run (and the Last-Modified the server
// sends for it) agree. The server serves any sidecar that exists, whatever its age, so a stale
// one is never left behind: it is rebuilt, or removed when no sidecar is worth keeping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "modules/compression/precompress_walk.hpp"

namespace ferry {

// A sidecar is kept only when it saves at least 1/20 (5 %) of its file's size: a smaller
// gain is not worth the client's decoding and a second file to keep in step.
inline constexpr std::uint64_t precompress_min_saving_divisor = 20;

// Read and write in pieces of this size: memory does not grow with the file.
inline constexpr std::size_t precompress_buffer_size = 256 * 1024;

// The file-name suffix of a sidecar: "br" → ".br", "zstd" → ".zst", "gzip" → ".gz" (the
// names the server looks for, server/site.cpp).
std::string_view precompress_suffix(std::string_view coding);

// Whether a sidecar with modification time `sidecar` is up to date for a file with `file`.
bool sidecar_is_fresh(const std::timespec& file, const std::timespec& sidecar);

// The largest sidecar worth keeping for a file of `original` bytes (0 and 1 byte files get
// none: the result is 0 and no encoding is that small).
std::uint64_t sidecar_size_limit(std::uint64_t original);

enum class sidecar_outcome {
  up_to_date,      // fresh: left alone
  written,         // built and renamed into place
  not_smaller,     // compression does not save enough: no sidecar
  removed,         // a stale sidecar deleted: the file is below the minimum, or not_smaller
  below_min_size,  // the file is smaller than --min-size: no sidecar
  not_regular,     // the sidecar's name is taken by a link, directory, …: left alone
  missing,         // --check: a run would write it
  stale,           // --check: a run would rebuild or remove it
  failed,          // `message` says why; nothing was changed
};

struct sidecar_result {
  std::string_view coding;
  sidecar_outcome outcome = sidecar_outcome::failed;
  std::uint64_t original = 0;    // the file's size
  std::uint64_t compressed = 0;  // the written sidecar's size (written, missing)
  std::string message;
};

struct sidecar_settings {
  std::span<const std::string_view> codings;
  bool check = false;
  bool force = false;
  std::uint64_t min_size = 0;
};

struct file_sidecars {
  bool below_min_size = false;
  std::string error;                    // the file itself could not be read; no sidecars
  std::vector<sidecar_result> results;  // one per coding, unless `error`
};

// Brings the sidecars of one file up to date (or, with settings.check, only finds out what a
// run would do). `buffer` is scratch space for reading, at least a few KiB. Never throws for
// I/O problems: they come back as `error` or failed results.
file_sidecars update_sidecars(const precompress_file& file, const sidecar_settings& settings,
                              std::span<char> buffer);

}  // namespace ferry
