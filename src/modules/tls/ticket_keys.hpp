// Session-ticket keys made in-process. The current key encrypts new tickets; after `lifetime`
// it becomes the previous key, which still decrypts (the client then gets a fresh ticket),
// and the key before that is forgotten, so a ticket resumes for at most two lifetimes and a
// stolen key exposes at most that window (forward secrecy for resumed sessions).
// Thread-safe: every worker's handshakes share one ring.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

namespace ferry {

struct ticket_key {
  std::array<unsigned char, 16> name{};      // sent in the ticket, selects the key
  std::array<unsigned char, 32> aes_key{};   // AES-256-CBC
  std::array<unsigned char, 32> hmac_key{};  // HMAC-SHA256
};

class ticket_key_ring {
 public:
  using clock_function = std::function<std::chrono::steady_clock::time_point()>;

  // `clock` defaults to steady_clock::now; tests pass their own to rotate without sleeping.
  explicit ticket_key_ring(std::chrono::milliseconds lifetime, clock_function clock = {});

  // The key for a new ticket (rotating first when due). False only when the random generator fails.
  bool encryption_key(ticket_key& out);

  enum class match { none, current, previous };
  // The key named `name` (16 bytes), if it is still accepted.
  match decryption_key(const unsigned char* name, ticket_key& out);

  std::chrono::milliseconds lifetime() const { return lifetime_; }

 private:
  using time_point = std::chrono::steady_clock::time_point;
  bool rotate_if_due(time_point now);  // holds mutex_

  const std::chrono::milliseconds lifetime_;
  const clock_function clock_;
  std::mutex mutex_;
  std::optional<ticket_key> current_;
  std::optional<ticket_key> previous_;
  time_point current_since_{};
};

}  // namespace ferry
