#include "modules/rate_limit/redis_rate_store.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace ferry {

namespace {

// Lua numbers are doubles: an absolute time in nanoseconds (~1.7e18) does not fit their 53
// bits, so absolute times stay split as (seconds, nanoseconds) and only differences, which are
// bounded by burst * T (exact up to 2^53 ns, 104 days), become single numbers. The key holds
// the TAT as decimal nanoseconds since the Unix epoch, as the local store's clock counts.
constexpr std::string_view gcra_script = R"lua(-- ferry GCRA (gcra.hpp)
local function split(ns)
  if type(ns) ~= 'string' or #ns == 0 or #ns > 19 or not string.find(ns, '^%d+$') then return nil end
  if #ns <= 9 then return 0, tonumber(ns) end
  return tonumber(string.sub(ns, 1, -10)), tonumber(string.sub(ns, -9))
end
local T = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
if not T or not burst or T < 1 or burst < 1 then return redis.error_reply('ERR ferry GCRA: bad policy') end
local now_s, now_ns
if ARGV[3] and ARGV[3] ~= '' then
  now_s, now_ns = split(ARGV[3])
else
  local time = redis.call('TIME')
  now_s, now_ns = tonumber(time[1]), tonumber(time[2]) * 1000
end
if not now_s then return redis.error_reply('ERR ferry GCRA: bad time') end
-- Past the caller's deadline the caller has given up (and decided without Redis): charging
-- the request now would count it twice.
if ARGV[4] then
  local until_s, until_ns = split(ARGV[4])
  if not until_s then return redis.error_reply('ERR ferry GCRA: bad deadline') end
  if now_s > until_s or (now_s == until_s and now_ns > until_ns) then return {2, 0, 0, 0, now_s, now_ns} end
end
-- d = max(tat, now) - now
local d = 0
local tat_s, tat_ns = split(redis.call('GET', KEYS[1]))
if tat_s then
  d = (tat_s - now_s) * 1e9 + (tat_ns - now_ns)
  if d < 0 then d = 0 end
end
local new_d = d + T
local allow = new_d - burst * T
if allow > 0 then return {0, allow, 0, d, now_s, now_ns} end
local total = now_ns + new_d
local carry = math.floor(total / 1e9)
redis.call('SET', KEYS[1], string.format('%d%09d', now_s + carry, total - carry * 1e9),
           'PX', string.format('%d', math.ceil(new_d / 1e6)))
local owed = -allow
local remaining = math.floor(owed / T)
if remaining * T > owed then
  remaining = remaining - 1
elseif (remaining + 1) * T <= owed then
  remaining = remaining + 1
end
return {1, 0, remaining, new_d, now_s, now_ns}
)lua";

enum class script_outcome { decided, expired, malformed };

// The decision in a script reply and Redis' clock when it ran (ns since the Unix epoch).
script_outcome parse_reply(const redis_reply& reply, gcra_decision& decision, std::int64_t& redis_now_ns) {
  if (reply.type != redis_reply::kind::array || reply.elements.size() != 6) return script_outcome::malformed;
  for (const auto& element : reply.elements) {
    if (element.type != redis_reply::kind::integer || element.integer < 0) return script_outcome::malformed;
  }
  if (reply.elements[0].integer > 2 || reply.elements[5].integer >= 1'000'000'000) return script_outcome::malformed;
  redis_now_ns = reply.elements[4].integer * 1'000'000'000 + reply.elements[5].integer;
  if (reply.elements[0].integer == 2) return script_outcome::expired;
  decision.allowed = reply.elements[0].integer == 1;
  decision.retry_after_ns = reply.elements[1].integer;
  decision.remaining = reply.elements[2].integer;
  decision.reset_ns = reply.elements[3].integer;
  return script_outcome::decided;
}

std::int64_t clock_ns(redis_client::clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::string_view print(std::int64_t value, std::array<char, 24>& buffer) {
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return {buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data())};
}

}  // namespace

redis_rate_store::redis_rate_store(redis_client& client, std::string key_prefix)
    : client_(client), key_prefix_(std::move(key_prefix)), script_(client.add_script(gcra_script)) {
  key_.reserve(key_prefix_.size() + 64);
}

std::string_view redis_rate_store::script() { return gcra_script; }

std::error_code redis_rate_store::decide(std::string_view key, const gcra_policy& policy, callback done) {
  if (key.empty() || key.size() > max_key_size || policy.emission_interval_ns < 1 || policy.burst < 1) {
    return redis_errc::invalid_command;
  }
  key_.assign(key_prefix_);
  key_.append(key);
  std::array<char, 24> interval_buffer;
  std::array<char, 24> burst_buffer;
  std::array<char, 24> deadline_buffer;
  const std::string_view keys[] = {key_};
  std::string_view args[] = {print(policy.emission_interval_ns, interval_buffer), print(policy.burst, burst_buffer), "",
                             {}};
  // Until the first reply tells Redis' clock, calls go without a deadline.
  const auto now = clock_ns(redis_client::clock::now());
  const std::size_t arg_count = redis_clock_known_ ? 4 : 2;
  if (redis_clock_known_) {
    const auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(client_.config().timeout).count();
    args[3] = print(now + timeout + redis_offset_ns_, deadline_buffer);
  }
  return client_.call_script(script_, keys, std::span<const std::string_view>(args, arg_count),
                             [this, done = std::move(done)](std::error_code ec, const redis_reply* reply) mutable {
                               gcra_decision decision;
                               if (!ec) ec = take_reply(reply, decision);
                               if (ec) decision = gcra_decision{};
                               done(ec, decision);
                             });
}

// A reply that says the deadline had passed when Redis ran the script is a timeout, like one
// that came too late: nothing was charged.
std::error_code redis_rate_store::take_reply(const redis_reply* reply, gcra_decision& decision) {
  std::int64_t redis_now = 0;
  const auto outcome = reply == nullptr ? script_outcome::malformed : parse_reply(*reply, decision, redis_now);
  if (outcome == script_outcome::malformed) return redis_errc::unexpected_reply;
  learn_redis_clock(redis_now);
  return outcome == script_outcome::expired ? std::error_code(redis_errc::timeout) : std::error_code();
}

// The offset is Redis' clock minus ours when the reply arrived, which underestimates the true
// offset by the time the reply took to come back. Keeping the largest sample (the fastest
// reply) of the last 10 seconds follows the true offset, and a clock step within 10 s.
void redis_rate_store::learn_redis_clock(std::int64_t redis_now_ns) {
  const std::int64_t now = clock_ns(redis_client::clock::now());
  const std::int64_t sample = redis_now_ns - now;
  if (!redis_clock_known_ || sample > redis_offset_ns_ || now - offset_learned_at_ns_ > 10'000'000'000) {
    redis_offset_ns_ = sample;
    offset_learned_at_ns_ = now;
    redis_clock_known_ = true;
  }
}

}  // namespace ferry
