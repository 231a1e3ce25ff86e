// Who gives OpenSSL's record buffers back (about 17 KB each way per connection). With
// SSL_MODE_RELEASE_BUFFERS OpenSSL frees them whenever they drain, and allocates them again for
// the next record: a malloc and a free of 17 KB each way per request on a busy keep-alive
// connection. Instead the sessions keep them while the connection is busy and the core gives
// them back when it waits for a client with nothing in flight (secure_session::release_buffers):
// idle connections hold none, as before. SSL_free_buffers could free a buffer still in use
// before OpenSSL 3.0.14, 3.1.6, 3.2.2 and 3.3.1 (CVE-2024-4741); with an older library the
// sessions leave it to RELEASE_BUFFERS again.
#pragma once

namespace ferry {

// `version` in OPENSSL_VERSION_NUMBER's form (0xMNN00PP0L for OpenSSL 3).
bool free_buffers_is_safe(unsigned long version);
// For the library this process runs with.
bool release_buffers_by_hand();

}  // namespace ferry
