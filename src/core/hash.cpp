#include "core/hash.h"

#include <sodium.h>

#include <cstring>

namespace wattle {

static_assert(sizeof(crypto_generichash_state) <= 384);

bool Hash256::is_zero() const {
  for (uint8_t b : bytes)
    if (b != 0) return false;
  return true;
}

Result<Hash256> Hash256::from_hex(std::string_view hex) {
  auto b = wattle::from_hex(hex);
  if (!b) return b.status();
  if (b->size() != 32) return Status(Code::kMalformed, "hash must be 32 bytes (64 hex chars)");
  Hash256 h;
  std::memcpy(h.bytes.data(), b->data(), 32);
  return h;
}

Hash256 blake2b256(ByteView data) {
  Hash256 h;
  crypto_generichash(h.bytes.data(), h.bytes.size(), data.data(), data.size(), nullptr, 0);
  return h;
}

Hasher::Hasher() {
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0, 32);
}

Hasher& Hasher::update(ByteView data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), data.data(),
                            data.size());
  return *this;
}

Hash256 Hasher::finish() {
  Hash256 h;
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), h.bytes.data(), 32);
  return h;
}

Hash256 merkle_root(const std::vector<Hash256>& leaves) {
  if (leaves.empty()) return Hash256{};  // the empty root is all zeros
  std::vector<Hash256> level = leaves;
  while (level.size() > 1) {
    std::vector<Hash256> next((level.size() + 1) / 2);
    for (size_t i = 0; i < next.size(); ++i) {
      const Hash256& a = level[2 * i];
      const Hash256& b = 2 * i + 1 < level.size() ? level[2 * i + 1] : a;
      uint8_t buf[65];
      buf[0] = 1;
      std::memcpy(buf + 1, a.bytes.data(), 32);
      std::memcpy(buf + 33, b.bytes.data(), 32);
      next[i] = blake2b256(ByteView(buf, sizeof buf));
    }
    level.swap(next);
  }
  // Bind the leaf count so [a,b,c] and [a,b,c,c] (same tree after padding) differ.
  Writer w;
  w.u8(2);
  w.u64(leaves.size());
  encode(w, level[0]);
  return blake2b256(w.data());
}

}  // namespace wattle
