// PowHeader and PowBlock: what a proof-of-work block commits to and carries
// (docs/consensus.md, "Proof of work").
//
// A header's hash is BLAKE2b-256 of its canonical encoding; the nonce is the
// field miners vary. The body is opaque to the engine: the header's tx_root
// must equal the host's hash of the body (a ValueHasher), and state_root is
// checked by the host when it executes the block.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/hash.h"

namespace wattle::consensus::pow {

struct PowHeader {
  uint64_t height = 0;
  Hash256 prev;
  Hash256 tx_root;
  Hash256 state_root;
  uint64_t time_ms = 0;
  uint32_t bits = 0;  // compact target
  uint64_t nonce = 0;
  bool operator==(const PowHeader&) const = default;

  Hash256 hash() const;
};

struct PowBlock {
  PowHeader header;
  Bytes body;
};

// Largest body the engine accepts in a message.
inline constexpr size_t kMaxBodyBytes = 4 << 20;

void encode(Writer& w, const PowHeader& h);
Status decode(Reader& r, PowHeader& h);
void encode(Writer& w, const PowBlock& b);
Status decode(Reader& r, PowBlock& b);

}  // namespace wattle::consensus::pow
