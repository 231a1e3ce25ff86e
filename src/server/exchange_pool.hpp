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
    ex->reply.clear();
    ex->out.clear();
    ex->host = nullptr;
    ex->pacer.start(nullptr);
    // Buffers grown by a rare large response are not kept around.
    if (ex->out.capacity() > max_kept_capacity) std::string().swap(ex->out);
    if (ex->reply.text.capacity() > max_kept_capacity) std::string().swap(ex->reply.text);
    if (free_.size() < max_free_) free_.push_back(std::move(ex));
  }

 private:
  static constexpr std::size_t max_free_ = 256;
  static constexpr std::size_t max_kept_capacity = 128 * 1024;
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
    r->clear();
    if (r->text.capacity() > max_kept_capacity) std::string().swap(r->text);
    if (free_.size() < max_free_) free_.push_back(std::move(r));
  }

 private:
  static constexpr std::size_t max_free_ = 64;
  static constexpr std::size_t max_kept_capacity = 128 * 1024;
  std::vector<std::unique_ptr<response>> free_;
};

}  // namespace ferry
