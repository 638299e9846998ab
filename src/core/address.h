// Account addresses: 20 bytes derived from an Ed25519 public key, printed as
// Bech32m text ("wat1..."), whose checksum detects any single-character typo
// (indeed any error touching up to 4 characters), so a mistyped address is
// rejected rather than paid.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/codec.h"
#include "core/keys.h"
#include "core/status.h"

namespace wattle {

inline constexpr std::string_view kAddressPrefix = "wat";

struct Address {
  std::array<uint8_t, 20> bytes{};
  auto operator<=>(const Address&) const = default;

  // First 20 bytes of BLAKE2b-256(public key).
  static Address of(const PublicKey& key);
  // Parses "wat1...": kMalformed on a bad checksum, wrong prefix, mixed case or length.
  static Result<Address> parse(std::string_view text);
  std::string to_string() const;
};

inline void encode(Writer& w, const Address& a) {
  w.fixed(a.bytes);
}
inline Status decode(Reader& r, Address& a) {
  return r.fixed(a.bytes);
}

}  // namespace wattle
