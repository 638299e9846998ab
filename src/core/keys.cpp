#include "core/keys.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "core/hash.h"

namespace wattle {

void crypto_init() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no entropy source: nothing safe can run
}

Result<PublicKey> PublicKey::from_hex(std::string_view hex) {
  auto b = wattle::from_hex(hex);
  if (!b) return b.status();
  if (b->size() != 32) return Status(Code::kMalformed, "public key must be 32 bytes");
  PublicKey k;
  std::memcpy(k.bytes.data(), b->data(), 32);
  return k;
}

bool verify(const PublicKey& key, ByteView message, const Signature& sig) {
  return crypto_sign_ed25519_verify_detached(sig.bytes.data(), message.data(), message.size(),
                                             key.bytes.data()) == 0;
}

KeyPair KeyPair::generate() {
  crypto_init();
  KeyPair kp;
  crypto_sign_ed25519_keypair(kp.pk_.bytes.data(), kp.sk_.data());
  return kp;
}

KeyPair KeyPair::from_seed(const std::array<uint8_t, 32>& seed) {
  crypto_init();
  KeyPair kp;
  crypto_sign_ed25519_seed_keypair(kp.pk_.bytes.data(), kp.sk_.data(), seed.data());
  return kp;
}

KeyPair KeyPair::from_label(std::string_view label) {
  return from_seed(blake2b256(as_bytes(label)).bytes);
}

KeyPair::KeyPair(const KeyPair& o) : pk_(o.pk_), sk_(o.sk_) {}
KeyPair& KeyPair::operator=(const KeyPair& o) {
  pk_ = o.pk_;
  sk_ = o.sk_;
  return *this;
}
KeyPair::~KeyPair() {
  sodium_memzero(sk_.data(), sk_.size());
}

Signature KeyPair::sign(ByteView message) const {
  Signature s;
  crypto_sign_ed25519_detached(s.bytes.data(), nullptr, message.data(), message.size(), sk_.data());
  return s;
}

std::array<uint8_t, 32> KeyPair::seed() const {
  std::array<uint8_t, 32> seed{};
  crypto_sign_ed25519_sk_to_seed(seed.data(), sk_.data());
  return seed;
}

}  // namespace wattle
