// BLAKE2b-256 hashing (libsodium crypto_generichash) and the Merkle root.
//
// Thread-safe; pure functions. A Hash256 prints as 64 lower-case hex chars.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/codec.h"

namespace wattle {

struct Hash256 {
  std::array<uint8_t, 32> bytes{};
  auto operator<=>(const Hash256&) const = default;
  bool is_zero() const;
  std::string hex() const { return to_hex(bytes); }
  static Result<Hash256> from_hex(std::string_view hex);
};

// For unordered containers keyed by a hash (lookups only, never iterated in
// consensus code): the first 8 bytes are already uniform.
struct Hash256Hasher {
  size_t operator()(const Hash256& h) const {
    size_t v;
    std::memcpy(&v, h.bytes.data(), sizeof v);
    return v;
  }
};

Hash256 blake2b256(ByteView data);

// Incremental hasher for data in several pieces.
class Hasher {
 public:
  Hasher();
  Hasher& update(ByteView data);
  Hash256 finish();

 private:
  alignas(64) unsigned char state_[384];
};

// Binary Merkle root over leaf hashes: an empty list hashes to zero; an odd
// node is paired with itself. Inner nodes are domain-separated from leaves
// (prefix byte 1) so a leaf can never pass as an inner node, and the root
// commits to the leaf count.
Hash256 merkle_root(const std::vector<Hash256>& leaves);

inline void encode(Writer& w, const Hash256& h) {
  w.fixed(h.bytes);
}
inline Status decode(Reader& r, Hash256& h) {
  return r.fixed(h.bytes);
}

}  // namespace wattle
