// Ed25519 keys and signatures (libsodium). Never hand-rolled.
//
// PublicKey and Signature are plain values; KeyPair owns a secret key and
// wipes it on destruction. All functions are thread-safe once
// crypto_init() has run (it is idempotent and called by every entry point).
#pragma once

#include <array>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/status.h"

namespace wattle {

// Initialises libsodium; safe to call many times and from many threads.
void crypto_init();

struct PublicKey {
  std::array<uint8_t, 32> bytes{};
  auto operator<=>(const PublicKey&) const = default;
  std::string hex() const { return to_hex(bytes); }
  static Result<PublicKey> from_hex(std::string_view hex);
};

struct Signature {
  std::array<uint8_t, 64> bytes{};
  auto operator<=>(const Signature&) const = default;
};

// Verifies an Ed25519 signature over `message`. Rejects non-canonical and
// small-order keys the way libsodium does.
bool verify(const PublicKey& key, ByteView message, const Signature& sig);

class KeyPair {
 public:
  static KeyPair generate();
  // Deterministic key from a 32-byte seed (tests, simulations, devnets).
  static KeyPair from_seed(const std::array<uint8_t, 32>& seed);
  // Convenience for tests and simulators: seed = BLAKE2b(label).
  static KeyPair from_label(std::string_view label);

  KeyPair(const KeyPair&);
  KeyPair& operator=(const KeyPair&);
  ~KeyPair();

  const PublicKey& public_key() const { return pk_; }
  Signature sign(ByteView message) const;
  // The 32-byte seed, which is all that needs to be stored to recreate the key.
  std::array<uint8_t, 32> seed() const;

 private:
  KeyPair() = default;
  PublicKey pk_;
  std::array<uint8_t, 64> sk_{};
};

inline void encode(Writer& w, const PublicKey& k) {
  w.fixed(k.bytes);
}
inline Status decode(Reader& r, PublicKey& k) {
  return r.fixed(k.bytes);
}
inline void encode(Writer& w, const Signature& s) {
  w.fixed(s.bytes);
}
inline Status decode(Reader& r, Signature& s) {
  return r.fixed(s.bytes);
}

}  // namespace wattle
