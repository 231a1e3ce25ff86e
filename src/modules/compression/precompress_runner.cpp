#include "modules/compression/precompress_runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

namespace ferry {
namespace {

// Files waiting per worker: enough to keep every thread busy, few enough that the queue's
// open directories stay far below the descriptor limit.
constexpr std::size_t queued_per_worker = 4;

// The walk's output, handed to the workers. push() blocks while the queue is full.
class file_queue {
 public:
  explicit file_queue(std::size_t capacity) : capacity_(capacity) {}

  void push(precompress_file file) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [this] { return queue_.size() < capacity_; });
    queue_.push_back(std::move(file));
    not_empty_.notify_one();
  }

  // The next file, or nothing once the queue is closed and empty.
  std::optional<precompress_file> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [this] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return std::nullopt;
    std::optional<precompress_file> file(std::move(queue_.front()));
    queue_.pop_front();
    not_full_.notify_one();
    return file;
  }

  void close() {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<precompress_file> queue_;
  std::size_t capacity_;
  bool closed_ = false;
};

class precompress_run {
 public:
  precompress_run(const precompress_options& options, const std::function<void(std::string_view)>& problem)
      : options_(options), problem_(problem) {
    settings_.codings = options.codings;
    settings_.check = options.check;
    settings_.force = options.force;
    settings_.min_size = options.min_size;
    for (const std::string_view coding : options.codings) totals_.codings.push_back({.coding = coding});
  }

  precompress_totals run(int root_fd) {
    file_queue queue(static_cast<std::size_t>(options_.jobs) * queued_per_worker);
    std::vector<std::thread> workers;
    try {
      for (unsigned i = 0; i < options_.jobs; ++i) {
        workers.emplace_back([this, &queue] { work(queue); });
      }
    } catch (const std::system_error& e) {
      // Fewer threads than asked for (or none: then the walk does the work itself).
      problem("", std::string("warning: starting threads: ") + e.what(), false);
    }
    totals_.threads = static_cast<unsigned>(workers.size());

    std::vector<char> inline_buffer;
    if (workers.empty()) inline_buffer.resize(precompress_buffer_size);
    walk_counts counts;
    try {
      walk_precompress_tree(
          root_fd, selection_,
          [&](precompress_file file) {
            if (workers.empty()) {
              process(file, inline_buffer);
            } else {
              queue.push(std::move(file));
            }
          },
          [this](std::string_view path, std::string_view what) { problem(path, what, true); }, counts);
    } catch (const std::exception& e) {
      problem("", std::string("walking the tree: ") + e.what(), true);
    }
    queue.close();
    for (std::thread& worker : workers) worker.join();

    totals_.walk = counts;
    std::ranges::sort(listing_, {}, &std::pair<std::string, std::string>::first);
    for (auto& [path, line] : listing_) totals_.listing.push_back(std::move(line));
    return std::move(totals_);
  }

 private:
  void work(file_queue& queue) {
    std::vector<char> buffer;
    try {
      buffer.resize(precompress_buffer_size);
    } catch (const std::exception& e) {
      problem("", std::string("worker: ") + e.what(), true);
    }
    // Without a buffer the worker still drains the queue, reporting each file as failed, so
    // the walk never waits on it forever.
    while (auto file = queue.pop()) process(*file, buffer);
  }

  void process(const precompress_file& file, std::span<char> buffer) {
    file_sidecars result;
    try {
      if (buffer.empty()) throw std::bad_alloc();
      result = update_sidecars(file, settings_, buffer);
    } catch (const std::exception& e) {
      result.error = e.what();  // out of memory, most likely; the other files go on
    }
    const std::lock_guard lock(mutex_);
    if (!result.error.empty()) {
      ++totals_.errors;
      report(file.path, result.error);
      return;
    }
    if (result.below_min_size) ++totals_.below_min_size;
    for (std::size_t i = 0; i < result.results.size() && i < totals_.codings.size(); ++i) {
      count(file, result.results[i], totals_.codings[i]);
    }
  }

  // Called with mutex_ held.
  void count(const precompress_file& file, const sidecar_result& r, precompress_coding_totals& t) {
    const auto sidecar_path = [&] { return file.path + std::string(precompress_suffix(r.coding)); };
    switch (r.outcome) {
      case sidecar_outcome::up_to_date: ++t.up_to_date; break;
      case sidecar_outcome::below_min_size: break;
      case sidecar_outcome::not_smaller: ++t.not_smaller; break;
      case sidecar_outcome::removed: ++t.removed; break;
      case sidecar_outcome::written:
        ++t.written;
        t.bytes_before += r.original;
        t.bytes_after += r.compressed;
        break;
      case sidecar_outcome::missing:
        ++t.missing;
        t.bytes_before += r.original;
        t.bytes_after += r.compressed;
        list("missing ", sidecar_path());
        break;
      case sidecar_outcome::stale:
        ++t.stale;
        list("stale ", sidecar_path());
        break;
      case sidecar_outcome::not_regular:
        ++t.not_regular;
        report(sidecar_path(), r.message);
        break;
      case sidecar_outcome::failed:
        ++t.failed;
        ++totals_.errors;
        report(sidecar_path(), r.message);
        break;
    }
  }

  void list(std::string_view word, const std::string& path) {
    std::string shown = precompress_display_path(options_.root, path);
    std::string line(word);
    line += shown;
    listing_.emplace_back(std::move(shown), std::move(line));
  }

  void problem(std::string_view path, std::string_view what, bool is_error) {
    const std::lock_guard lock(mutex_);
    if (is_error) ++totals_.errors;
    report(path, what);
  }

  // Called with mutex_ held.
  void report(std::string_view path, std::string_view what) {
    std::string line = precompress_display_path(options_.root, path);
    line += ": ";
    line += what;
    problem_(line);
  }

  const precompress_options& options_;
  const std::function<void(std::string_view)>& problem_;
  sidecar_settings settings_;
  precompress_selection selection_;
  std::mutex mutex_;  // guards totals_, listing_ and calls to problem_
  precompress_totals totals_;
  std::vector<std::pair<std::string, std::string>> listing_;  // (path, line)
};

}  // namespace

bool precompress_totals::changes_pending() const {
  return std::ranges::any_of(codings, [](const precompress_coding_totals& t) { return t.missing + t.stale > 0; });
}

std::string precompress_display_path(std::string_view root, std::string_view relative) {
  while (root.size() > 1 && root.ends_with('/')) root.remove_suffix(1);
  std::string joined(root);
  if (!relative.empty()) {
    if (!joined.ends_with('/')) joined.push_back('/');
    joined.append(relative);
  }
  std::string shown;
  shown.reserve(joined.size());
  for (const char c : joined) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '\\') {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      shown.append(escaped);
    } else {
      shown.push_back(c);
    }
  }
  return shown;
}

precompress_totals run_precompress(int root_fd, const precompress_options& options,
                                   const std::function<void(std::string_view)>& problem) {
  return precompress_run(options, problem).run(root_fd);
}

}  // namespace ferry
