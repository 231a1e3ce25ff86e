// What a connection needs only while a request is in flight: the parser, the response and the
// output buffer. Connections take one from the worker's pool when a request starts and give
// it back when they go idle, so an idle keep-alive connection holds none of this memory and a
// busy worker allocates nothing per request.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http/http1_parser.hpp"
#include "http/request_identity.hpp"
#include "http/response.hpp"
#include "modules/request_limits.hpp"
#include "server/bandwidth_budget.hpp"

namespace ferry {

struct site;

struct http1_exchange {
  explicit http1_exchange(const http1_limits& limits) : parser(limits) {}
  http1_parser parser;
  response reply;
  request_identity identity;
  std::string out;  // head and copied body pieces waiting for send()
  limit_verdict late_verdict;  // a rate-limit decision that arrived later, until the request resumes
  // The (virtual) host serving the request, routed once when its answer is built; it belongs to
  // the site the connection holds.
  const site* host = nullptr;
  body_pacer pacer;  // the host's max_bandwidth, while the body is being sent
};

// Buffers grown by a rare large response are not kept around by the pools.
inline constexpr std::size_t pooled_capacity_limit = 128 * 1024;

// Empties a response for its next use, keeping its fields' capacity.
inline void recycle_response(response& r) {
  r.clear();
  if (r.text.capacity() > pooled_capacity_limit) std::string().swap(r.text);
}

class exchange_pool {
 public:
  exchange_pool() { free_.reserve(max_free_); }

  std::unique_ptr<http1_exchange> acquire(const http1_limits& limits) {
    if (free_.empty()) return std::make_unique<http1_exchange>(limits);
    auto ex = std::move(free_.back());
    free_.pop_back();
    ex->parser.set_limits(limits);
    return ex;
  }

  void release(std::unique_ptr<http1_exchange> ex) {
    if (!ex) return;
    ex->parser.next_message();
    recycle_response(ex->reply);
    ex->out.clear();
    ex->host = nullptr;
    ex->pacer.start(nullptr);
    if (ex->out.capacity() > pooled_capacity_limit) std::string().swap(ex->out);
    if (free_.size() < max_free_) free_.push_back(std::move(ex));
  }

 private:
  static constexpr std::size_t max_free_ = 256;
  std::vector<std::unique_ptr<http1_exchange>> free_;
};

// Responses for HTTP/2 streams, recycled the same way: a stream takes one when it starts and
// gives it back when it closes, so a busy connection's streams allocate no header fields.
class response_pool {
 public:
  response_pool() { free_.reserve(max_free_); }

  std::unique_ptr<response> acquire() {
    if (free_.empty()) return std::make_unique<response>();
    auto r = std::move(free_.back());
    free_.pop_back();
    return r;
  }

  void release(std::unique_ptr<response> r) {
    if (!r) return;
    recycle_response(*r);
    if (free_.size() < max_free_) free_.push_back(std::move(r));
  }

 private:
  static constexpr std::size_t max_free_ = 64;
  std::vector<std::unique_ptr<response>> free_;
};

}  // namespace ferry
