// Per-worker cache of path lookups beneath the root: open descriptors with their stat data,
// directories, and misses. Entries are revalidated (looked up afresh) once they are older
// than the revalidation interval, so a replaced or deleted file is noticed within that time;
// the cache holds at most `max_entries` entries (and so at most that many descriptors).
// Single-threaded: each worker owns one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "files/file_resolver.hpp"

namespace ferry {

// What serving a file under its path takes that follows from the path and the file alone:
// worked out when the file is opened, not per response.
struct file_facts {
  std::string_view content_type;  // stays valid as long as whatever described the file
  bool compressible = false;      // worth compressing on the fly
};

struct file_entry {
  lookup_kind kind = lookup_kind::not_found;
  std::shared_ptr<const open_file> file;  // when kind == file
  int error = 0;                          // when kind == error
  file_facts facts;                       // when kind == file, from the cache's describer
};

struct open_file_cache_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
};

class open_file_cache {
 public:
  using clock = std::chrono::steady_clock;

  // Called for each file opened (a miss, not a hit) with its path; what it answers comes back
  // with the file until the entry is looked up afresh.
  using describer = std::function<file_facts(std::string_view path, const open_file& file)>;

  // Files up to `in_memory_limit` bytes are also read into memory once (0: never). Without a
  // describer, entries carry empty facts.
  open_file_cache(std::size_t max_entries, std::chrono::milliseconds revalidate_after,
                  std::size_t in_memory_limit = 0, describer describe = {});

  // The lookup result for a normalised path, from the cache when fresh. Errors other than
  // "not found"/"forbidden" are never cached. `now` is what freshness is judged against: the
  // request path passes the time its connection read this turn (a clock read per lookup was a
  // visible share of a small response); the overloads without it read the clock.
  file_entry open(const file_resolver& resolver, std::string_view path, clock::time_point now);
  file_entry open(const file_resolver& resolver, std::string_view path) { return open(resolver, path, clock::now()); }
  // Whether `path` is a regular file (cached like open()).
  bool is_file(const file_resolver& resolver, std::string_view path) {
    return open(resolver, path).kind == lookup_kind::file;
  }
  // Which of `path + suffixes[i]` (the precompressed variants of a file) are regular files:
  // bit i for suffixes[i], of the first 32. Looked up like open(), and the answer is kept with
  // `path`'s own entry until the revalidation interval has passed, so a hot file's variants
  // cost one lookup rather than one per suffix. A path is always asked with the same suffixes
  // (its host's sidecar codings).
  std::uint32_t variants(const file_resolver& resolver, std::string_view path,
                         std::span<const std::string_view> suffixes, clock::time_point now);
  std::uint32_t variants(const file_resolver& resolver, std::string_view path,
                         std::span<const std::string_view> suffixes) {
    return variants(resolver, path, suffixes, clock::now());
  }

  // Drops every entry (after a reload: another root or other policies).
  void clear() {
    last_ = nullptr;
    entries_.clear();
  }
  // New bounds (after a reload); drops every entry.
  void reconfigure(std::size_t max_entries, std::chrono::milliseconds revalidate_after) {
    last_ = nullptr;
    entries_.clear();
    max_entries_ = max_entries;
    revalidate_after_ = revalidate_after;
  }
  std::size_t size() const { return entries_.size(); }
  const open_file_cache_stats& stats() const { return stats_; }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct cached {
    cached(file_entry e, clock::time_point at) : entry(std::move(e)), checked(at) {}
    file_entry entry;
    clock::time_point checked;
    bool variants_known = false;  // variants() answered for this path since `variants_checked`
    std::uint32_t variants = 0;
    clock::time_point variants_checked;
  };

  std::size_t max_entries_;
  std::chrono::milliseconds revalidate_after_;
  std::size_t in_memory_limit_;
  describer describe_;
  using map = std::unordered_map<std::string, cached, string_hash, std::equal_to<>>;
  // The entry for `path`, or null: the one open() answered last when it is that path's (a
  // request asks variants() right after open() for the same path: one hash instead of two).
  cached* find(std::string_view path);

  map entries_;
  map::value_type* last_ = nullptr;  // the entry open() answered last (nodes stay put until erased)
  open_file_cache_stats stats_;
  std::string variant_path_;  // variants()'s scratch
};

}  // namespace ferry
