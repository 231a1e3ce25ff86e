// A worker's open-file caches, one per host of the configuration (the default host and each
// [[vhosts]] entry), each bounded by its own host's `files.open_file_cache`: one tenant's
// lookups can neither evict another's entries nor be answered from another's root.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "files/open_file_cache.hpp"
#include "server/site.hpp"

namespace ferry {

class file_caches {
 public:
  explicit file_caches(std::size_t in_memory_limit) : in_memory_limit_(in_memory_limit) {}

  // The cache for `s`'s host, made on first use with its bounds.
  open_file_cache& for_site(const site& s) {
    if (s.index >= caches_.size()) caches_.resize(s.index + 1);
    auto& cache = caches_[s.index];
    if (!cache) {
      cache = std::make_unique<open_file_cache>(s.cfg->open_file_cache, s.cfg->open_file_cache_valid,
                                                in_memory_limit_);
    }
    return *cache;
  }

  // After a reload: roots, policies and bounds may all have changed.
  void clear() {
    retired_ = stats();
    caches_.clear();
  }

  open_file_cache_stats stats() const {
    open_file_cache_stats total = retired_;
    for (const auto& cache : caches_) {
      if (cache) add(total, cache->stats());
    }
    return total;
  }

 private:
  static void add(open_file_cache_stats& to, const open_file_cache_stats& from) {
    to.hits += from.hits;
    to.misses += from.misses;
    to.evictions += from.evictions;
  }

  std::size_t in_memory_limit_;
  std::vector<std::unique_ptr<open_file_cache>> caches_;
  open_file_cache_stats retired_;  // counts of caches dropped by clear(), so counters only grow
};

}  // namespace ferry
