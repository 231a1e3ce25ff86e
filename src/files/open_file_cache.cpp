#include "files/open_file_cache.hpp"

#include <algorithm>
#include <utility>

namespace ferry {

namespace {

// Reads a small file whole; leaves `content` empty when the read comes up short (the file is
// being rewritten: it is then sent from its descriptor, and revalidation picks up the change).
void load_content(open_file& file) {
  file.content.resize(static_cast<std::size_t>(file.size));
  std::size_t done = 0;
  while (done < file.content.size()) {
    const auto n = platform::read_at(file.fd(), file.content.data() + done, file.content.size() - done, done);
    if (n <= 0) {
      file.content.clear();
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

open_file_cache::open_file_cache(std::size_t max_entries, std::chrono::milliseconds revalidate_after,
                                 std::size_t in_memory_limit, describer describe)
    : max_entries_(max_entries),
      revalidate_after_(revalidate_after),
      in_memory_limit_(in_memory_limit),
      describe_(std::move(describe)) {
  entries_.reserve(std::min<std::size_t>(max_entries_, 4096));
}

open_file_cache::cached* open_file_cache::find(std::string_view path) {
  if (last_ != nullptr && last_->first == path) return &last_->second;
  const auto found = entries_.find(path);
  return found == entries_.end() ? nullptr : &found->second;
}

file_entry open_file_cache::open(const file_resolver& resolver, std::string_view path, clock::time_point now) {
  const auto found = entries_.find(path);
  if (found != entries_.end() && now - found->second.checked < revalidate_after_) {
    ++stats_.hits;
    last_ = &*found;
    return found->second.entry;
  }
  ++stats_.misses;
  auto result = resolver.open(path);
  file_entry entry;
  entry.kind = result.kind;
  entry.error = result.error;
  if (result.kind == lookup_kind::file) {
    // Still the same file (same inode, size and mtime)? Keep the descriptor already shared
    // with in-flight responses instead of holding two.
    const auto& old = found != entries_.end() ? found->second.entry.file : nullptr;
    if (old && old->inode == result.file.inode && old->size == result.file.size &&
        old->mtime_ns == result.file.mtime_ns) {
      entry.file = old;
    } else {
      if (result.file.size > 0 && result.file.size <= in_memory_limit_) load_content(result.file);
      entry.file = std::make_shared<const open_file>(std::move(result.file));
    }
    if (describe_) entry.facts = describe_(path, *entry.file);
  }
  if (entry.kind == lookup_kind::error || max_entries_ == 0) return entry;  // transient, or no cache
  if (found != entries_.end()) {
    found->second = cached(entry, now);
    last_ = &*found;
    return entry;
  }
  if (entries_.size() >= max_entries_) {
    // Bounded: drop an arbitrary entry. Hot paths come back on their next request.
    if (last_ == &*entries_.begin()) last_ = nullptr;
    entries_.erase(entries_.begin());
    ++stats_.evictions;
  }
  last_ = &*entries_.emplace(std::string(path), cached(entry, now)).first;
  return entry;
}

std::uint32_t open_file_cache::variants(const file_resolver& resolver, std::string_view path,
                                        std::span<const std::string_view> suffixes, clock::time_point now) {
  if (const cached* known = find(path);
      known != nullptr && known->variants_known && now - known->variants_checked < revalidate_after_) {
    ++stats_.hits;
    return known->variants;
  }
  std::uint32_t present = 0;
  for (std::size_t i = 0; i < suffixes.size() && i < 32; ++i) {
    variant_path_.assign(path);
    variant_path_.append(suffixes[i]);
    if (open(resolver, variant_path_, now).kind == lookup_kind::file) present |= std::uint32_t{1} << i;
  }
  // Looked up again: the lookups above may have evicted it. Without an entry there is nothing
  // to keep the answer with (the cache is off, or `path` was never opened through it).
  if (cached* entry = find(path); entry != nullptr) {
    entry->variants_known = true;
    entry->variants = present;
    entry->variants_checked = now;
  }
  return present;
}

}  // namespace ferry
