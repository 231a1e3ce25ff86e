// A worker's open-file caches, one per host of the configuration (the default host and each
// [[vhosts]] entry), each bounded by its own host's `files.open_file_cache`: one tenant's
// lookups can neither evict another's entries nor be answered from another's root. Each file
// opened is described by its host (Content-Type by name, compressible on the fly by type and
// size) once, not per response.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "files/mime_types.hpp"
#include "files/open_file_cache.hpp"
#include "modules/content_encoder.hpp"
#include "server/site.hpp"

namespace ferry {

class file_caches {
 public:
  explicit file_caches(std::size_t in_memory_limit) : in_memory_limit_(in_memory_limit) {}

  // The cache for `s`'s host, made on first use with its bounds. A cache made for another site
  // at the same index (a request that began before a reload and ends after it, on the old
  // configuration) is made again: its entries hold the other site's descriptions.
  open_file_cache& for_site(const site& s) {
    if (s.index >= caches_.size()) caches_.resize(s.index + 1);
    auto& entry = caches_[s.index];
    if (!entry.cache || entry.owner != &s) {
      if (entry.cache) retire(*entry.cache);
      entry.owner = &s;
      entry.cache = std::make_unique<open_file_cache>(s.cfg->open_file_cache, s.cfg->open_file_cache_valid,
                                                     in_memory_limit_, describer_for(s));
    }
    return *entry.cache;
  }

  // After a reload: roots, policies and bounds may all have changed.
  void clear() {
    retired_ = stats();
    caches_.clear();
  }

  open_file_cache_stats stats() const {
    open_file_cache_stats total = retired_;
    for (const auto& entry : caches_) {
      if (entry.cache) add(total, entry.cache->stats());
    }
    return total;
  }

 private:
  struct site_cache {
    // Only compared once the site is gone (its describer runs from for_site(owner) alone); a
    // reload clears every slot before any request can bring a new site at the same address.
    const site* owner = nullptr;
    std::unique_ptr<open_file_cache> cache;
  };

  static open_file_cache::describer describer_for(const site& s) {
    return [&s](std::string_view path, const open_file& file) {
      file_facts facts;
      facts.content_type = s.mime.content_type(path);
      const auto& encoders = s.cfg->extensions.encoders;
      facts.compressible = encoders && encoders->should_compress(media_type_of(facts.content_type), file.size);
      return facts;
    };
  }
  void retire(const open_file_cache& cache) { add(retired_, cache.stats()); }

  static void add(open_file_cache_stats& to, const open_file_cache_stats& from) {
    to.hits += from.hits;
    to.misses += from.misses;
    to.evictions += from.evictions;
  }

  std::size_t in_memory_limit_;
  std::vector<site_cache> caches_;
  open_file_cache_stats retired_;  // counts of caches dropped by clear(), so counters only grow
};

}  // namespace ferry
