#include "modules/rate_limit/redis_reply.hpp"

#include <hiredis/hiredis.h>

#include <array>
#include <limits>
#include <memory>
#include <new>
#include <utility>

namespace ferry {

namespace {

using build_state = redis_reply_reader::build_state;

// Each element is charged this much on top of its string bytes, so a reply of many empty
// elements is bounded too.
constexpr std::size_t element_cost = 16;
// A bulk item's header ("$1048576\r\n") and trailing CRLF around the largest string allowed.
constexpr std::size_t item_framing = 32;

build_state& state_of(const redisReadTask* task) { return *static_cast<build_state*>(task->privdata); }

// Where the object for `task` lives: a new root, or its slot in the parent array (sized when the
// parent was created, so the address stays valid while hiredis fills the siblings).
redis_reply* place(const redisReadTask* task, std::size_t payload) {
  build_state& state = state_of(task);
  if (task->parent == nullptr) state.reply_bytes = 0;
  state.reply_bytes += element_cost + payload;
  if (state.reply_bytes > state.limits.max_reply_bytes) {
    state.refusal = "reply too large";
    return nullptr;
  }
  if (task->parent == nullptr) {
    auto* root = new (std::nothrow) redis_reply;
    if (root == nullptr) state.refusal = "out of memory";
    return root;
  }
  auto* parent = static_cast<redis_reply*>(task->parent->obj);
  if (parent == nullptr || task->idx < 0 || static_cast<std::size_t>(task->idx) >= parent->elements.size()) {
    state.refusal = "inconsistent reply structure";
    return nullptr;
  }
  return &parent->elements[static_cast<std::size_t>(task->idx)];
}

void* create_string(const redisReadTask* task, char* str, std::size_t len) {
  build_state& state = state_of(task);
  if (len > state.limits.max_string) {
    state.refusal = "string too long";
    return nullptr;
  }
  redis_reply* reply = place(task, len);
  if (reply == nullptr) return nullptr;
  switch (task->type) {
    case REDIS_REPLY_STATUS:
      reply->type = redis_reply::kind::status;
      break;
    case REDIS_REPLY_ERROR:
      reply->type = redis_reply::kind::error;
      break;
    default:
      reply->type = redis_reply::kind::string;
      break;
  }
  try {
    reply->text.assign(str, len);
  } catch (const std::bad_alloc&) {
    state.refusal = "out of memory";
    if (task->parent == nullptr) delete reply;
    return nullptr;
  }
  return reply;
}

void* create_array(const redisReadTask* task, int elements) {
  build_state& state = state_of(task);
  std::size_t depth = 1;
  for (const redisReadTask* up = task->parent; up != nullptr; up = up->parent) ++depth;
  if (depth > state.limits.max_depth) {
    state.refusal = "arrays nested too deep";
    return nullptr;
  }
  if (elements < 0 || static_cast<std::size_t>(elements) > state.limits.max_elements) {
    state.refusal = "array too long";
    return nullptr;
  }
  const auto count = static_cast<std::size_t>(elements);
  redis_reply* reply = place(task, count * element_cost);
  if (reply == nullptr) return nullptr;
  reply->type = redis_reply::kind::array;
  try {
    reply->elements.resize(count);
  } catch (const std::bad_alloc&) {
    state.refusal = "out of memory";
    if (task->parent == nullptr) delete reply;
    return nullptr;
  }
  return reply;
}

void* create_integer(const redisReadTask* task, long long value) {
  redis_reply* reply = place(task, 0);
  if (reply == nullptr) return nullptr;
  reply->type = redis_reply::kind::integer;
  reply->integer = value;
  return reply;
}

void* create_nil(const redisReadTask* task) {
  redis_reply* reply = place(task, 0);
  if (reply == nullptr) return nullptr;
  reply->type = redis_reply::kind::nil;
  return reply;
}

// hiredis frees only the root (the reply it is building or handing out); the elements are part
// of it.
void free_object(void* object) { delete static_cast<redis_reply*>(object); }

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer, create_nil, free_object};

// hiredis 0.14 keeps buffering a bulk string until all of its declared length has arrived. When
// it is waiting for one, the declared length is at the read cursor: refuse an oversized one as
// soon as its header is complete instead of after a megabyte has been received.
bool declares_oversized_string(const redisReader* reader, std::size_t max_string) {
#if HIREDIS_MAJOR == 0
  if (reader->ridx < 0 || reader->ridx >= static_cast<int>(std::size(reader->rstack))) return false;
  if (reader->rstack[reader->ridx].type != REDIS_REPLY_STRING || reader->buf == nullptr) return false;
  std::size_t declared = 0;
  for (std::size_t i = reader->pos; i < reader->len; ++i) {
    const char c = reader->buf[i];
    if (c < '0' || c > '9') break;  // '-', CR, or garbage: hiredis' own checks apply
    declared = declared * 10 + static_cast<std::size_t>(c - '0');
    if (declared > max_string) return true;
  }
  return false;
#else
  (void)reader;
  (void)max_string;
  return false;
#endif
}

}  // namespace

bool redis_reply::is_error_code(std::string_view code) const {
  if (type != kind::error || text.size() < code.size()) return false;
  if (std::string_view(text).substr(0, code.size()) != code) return false;
  return text.size() == code.size() || text[code.size()] == ' ';
}

redis_reply_reader::redis_reply_reader(redis_reader_limits limits) {
  state_.limits = limits;
  reader_ = redisReaderCreateWithFunctions(&reply_functions);
  if (reader_ == nullptr) {
    fail("out of memory");
    return;
  }
  reader_->privdata = &state_;
}

redis_reply_reader::~redis_reply_reader() {
  if (reader_ != nullptr) redisReaderFree(reader_);
}

void redis_reply_reader::fail(std::string message) {
  if (failed_) return;
  failed_ = true;
  error_ = std::move(message);
}

bool redis_reply_reader::feed(std::string_view bytes) {
  if (failed_) return false;
  if (bytes.empty()) return true;
  if (redisReaderFeed(reader_, bytes.data(), bytes.size()) != REDIS_OK) {
    fail(reader_->errstr);
    return false;
  }
  return true;
}

redis_reply_reader::result redis_reply_reader::next(redis_reply& out) {
  if (failed_) return result::protocol_error;
  state_.refusal = nullptr;
  void* object = nullptr;
  if (redisReaderGetReply(reader_, &object) != REDIS_OK) {
    fail(state_.refusal != nullptr ? state_.refusal : reader_->errstr);
    return result::protocol_error;
  }
  if (object != nullptr) {
    std::unique_ptr<redis_reply> reply(static_cast<redis_reply*>(object));
    out = std::move(*reply);
    return result::reply;
  }
  // Incomplete: what is buffered is (part of) one item, which can never exceed the largest
  // string allowed plus its framing.
  const std::size_t buffered = reader_->buf == nullptr ? 0 : reader_->len - reader_->pos;
  if (buffered > state_.limits.max_string + item_framing) {
    fail("reply item too long");
    return result::protocol_error;
  }
  if (declares_oversized_string(reader_, state_.limits.max_string)) {
    fail("string too long");
    return result::protocol_error;
  }
  return result::need_more;
}

redis_command redis_command::format(std::span<const std::string_view> args) {
  redis_command command;
  if (args.empty() || args.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return command;
  constexpr std::size_t inline_args = 16;
  std::array<const char*, inline_args> inline_argv{};
  std::array<std::size_t, inline_args> inline_lengths{};
  std::unique_ptr<const char*[]> heap_argv;
  std::unique_ptr<std::size_t[]> heap_lengths;
  const char** argv = inline_argv.data();
  std::size_t* lengths = inline_lengths.data();
  if (args.size() > inline_args) {
    heap_argv.reset(new (std::nothrow) const char*[args.size()]);
    heap_lengths.reset(new (std::nothrow) std::size_t[args.size()]);
    if (!heap_argv || !heap_lengths) return command;
    argv = heap_argv.get();
    lengths = heap_lengths.get();
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    lengths[i] = args[i].size();
  }
  char* target = nullptr;
  const int length = redisFormatCommandArgv(&target, static_cast<int>(args.size()), argv, lengths);
  if (length <= 0 || target == nullptr) {
    if (target != nullptr) redisFreeCommand(target);
    return command;
  }
  command.data_ = target;
  command.size_ = static_cast<std::size_t>(length);
  return command;
}

redis_command::~redis_command() {
  if (data_ != nullptr) redisFreeCommand(data_);
}

redis_command::redis_command(redis_command&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

redis_command& redis_command::operator=(redis_command&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) redisFreeCommand(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

}  // namespace ferry
