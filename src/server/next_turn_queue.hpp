// Connections that continue once the ones ready now have had their turn of the event loop.
// One posted handler runs the whole batch: a busy worker posts once per turn of its loop
// instead of once per connection, and nothing is allocated once the two lists have grown
// (Asio's per-thread cache holds only a couple of posted handlers; dozens at once would each
// allocate).
#pragma once

#include <asio/post.hpp>
#include <memory>
#include <utility>
#include <vector>

#include "server/handler_memory.hpp"

namespace ferry {

// Calls Connection::next_turn() on each connection added, in the order added, from a handler
// posted to the executor given with the first one of a batch. Connections added while a batch
// runs wait for the next one.
template <typename Connection>
class next_turn_queue {
 public:
  next_turn_queue() = default;
  next_turn_queue(const next_turn_queue&) = delete;
  next_turn_queue& operator=(const next_turn_queue&) = delete;

  template <typename Executor>
  void add(std::shared_ptr<Connection> c, const Executor& executor) {
    waiting_.push_back(std::move(c));
    if (posted_) return;
    posted_ = true;
    asio::post(executor, with_memory(memory_, [this] { run(); }));
  }

  // Lets go of the connections still waiting (their loop will not run again); their sockets
  // must go before the io_context does.
  void clear() {
    waiting_.clear();
    running_.clear();
  }

 private:
  void run() {
    posted_ = false;
    running_.swap(waiting_);
    for (auto& c : running_) c->next_turn();
    running_.clear();
  }

  handler_memory memory_;
  std::vector<std::shared_ptr<Connection>> waiting_;
  std::vector<std::shared_ptr<Connection>> running_;
  bool posted_ = false;
};

}  // namespace ferry
