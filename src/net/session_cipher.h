// SessionCipher: the two libsodium secretstream (XChaCha20-Poly1305) states
// of one authenticated connection, one per direction.
//
// secretstream gives each message an implicit, strictly increasing counter,
// so a dropped, reordered, replayed or modified ciphertext fails to open
// (kCorruption), and after a failure the stream is unusable: the connection
// must be closed. Keys come from crypto_kx (see handshake.h); nothing here is
// a hand-written primitive.
//
// Ownership: move-only; key material is wiped on destruction.
// Thread safety: none; one connection uses it from one thread.
#pragma once

#include <sodium.h>
#include <array>

#include "core/bytes.h"
#include "core/status.h"

namespace wattle::net {

inline constexpr size_t kSessionKeyBytes = crypto_kx_SESSIONKEYBYTES;
inline constexpr size_t kStreamHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
inline constexpr size_t kSealOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;
using SessionKey = std::array<uint8_t, kSessionKeyBytes>;

class SessionCipher {
 public:
  // Starts the sending direction with tx_key and keeps rx_key for the
  // receiving one; `header` receives the sending stream's header, which the
  // peer needs (accept_header) before it can open anything we seal.
  SessionCipher(const SessionKey& tx_key, const SessionKey& rx_key,
                std::array<uint8_t, kStreamHeaderBytes>& header);
  SessionCipher(SessionCipher&& other) noexcept;
  SessionCipher& operator=(SessionCipher&& other) noexcept;
  SessionCipher(const SessionCipher&) = delete;
  SessionCipher& operator=(const SessionCipher&) = delete;
  ~SessionCipher();

  // Starts the receiving direction from the peer's header. kMalformed for a
  // wrong size; kInternal if called twice.
  Status accept_header(ByteView header);
  bool can_open() const { return pull_ready_; }

  // Encrypts one message; the result is plain.size() + kSealOverhead bytes.
  Bytes seal(ByteView plain);
  // Decrypts the next message of the peer's stream. kCorruption if it was
  // tampered with, replayed, reordered or the stream ended; kInternal before
  // accept_header.
  Result<Bytes> open(ByteView sealed);

 private:
  void wipe();
  crypto_secretstream_xchacha20poly1305_state push_{};
  crypto_secretstream_xchacha20poly1305_state pull_{};
  SessionKey rx_key_{};
  bool pull_ready_ = false;
  bool broken_ = false;
};

}  // namespace wattle::net
