#include "modules/tls/ticket_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <utility>

namespace ferry {
namespace {

template <std::size_t N>
bool fill_random(std::array<unsigned char, N>& bytes) {
  return RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1;
}

bool make_key(ticket_key& out) {
  return fill_random(out.name) && fill_random(out.aes_key) && fill_random(out.hmac_key);
}

void wipe(std::optional<ticket_key>& key) {
  if (!key) return;
  OPENSSL_cleanse(&*key, sizeof(ticket_key));
  key.reset();
}

}  // namespace

ticket_key_ring::ticket_key_ring(std::chrono::milliseconds lifetime, clock_function clock)
    : lifetime_(lifetime),
      clock_(clock ? std::move(clock) : clock_function([] { return std::chrono::steady_clock::now(); })) {}

bool ticket_key_ring::rotate_if_due(time_point now) {
  const bool first = !current_;
  const auto age = now - current_since_;
  if (!first && age < lifetime_) return true;
  ticket_key fresh;
  if (!make_key(fresh)) return current_.has_value();  // keep serving the old key rather than none
  if (!first && age < 2 * lifetime_) {
    wipe(previous_);
    previous_ = std::move(current_);
  } else {
    // Idle for two lifetimes or more: the current key is too old even to decrypt.
    wipe(previous_);
    wipe(current_);
  }
  current_ = fresh;
  OPENSSL_cleanse(&fresh, sizeof fresh);
  current_since_ = now;
  return true;
}

bool ticket_key_ring::encryption_key(ticket_key& out) {
  const time_point now = clock_();
  const std::lock_guard lock(mutex_);
  if (!rotate_if_due(now)) return false;
  out = *current_;
  return true;
}

ticket_key_ring::match ticket_key_ring::decryption_key(const unsigned char* name, ticket_key& out) {
  const time_point now = clock_();
  const std::lock_guard lock(mutex_);
  if (!rotate_if_due(now)) return match::none;
  if (CRYPTO_memcmp(current_->name.data(), name, current_->name.size()) == 0) {
    out = *current_;
    return match::current;
  }
  if (previous_ && CRYPTO_memcmp(previous_->name.data(), name, previous_->name.size()) == 0) {
    out = *previous_;
    return match::previous;
  }
  return match::none;
}

}  // namespace ferry
