// Targets in compact form, block work and the retarget rule, after Bitcoin
// Core's src/pow.cpp and arith_uint256 SetCompact/GetCompact
// (docs/consensus.md, "Proof of work").
//
// Promises: pure integer functions; a block hash is valid PoW iff, read as a
// big-endian number, it is <= the target its compact bits decode to.
#pragma once

#include <cstdint>
#include <optional>

#include "consensus/pow/params.h"
#include "consensus/pow/u256.h"

namespace wattle::consensus::pow {

// The target that compact `bits` encode (mantissa * 256^(exponent-3));
// std::nullopt for a negative, zero or overflowing encoding.
std::optional<U256> decode_compact(uint32_t bits);
// The compact form of `target`, rounded down to 3 significant bytes.
uint32_t encode_compact(const U256& target);

// Expected number of hashes to find a block at `target`: 2^256 / (target+1),
// computed as Bitcoin's GetBlockProof does without a 257-bit number.
U256 block_work(const U256& target);

// Whether `hash` meets `target`.
bool meets_target(const Hash256& hash, const U256& target);

// The retarget of a window: `old_bits` scaled by actual_ms / expected_ms,
// with actual_ms clamped to [expected_ms/4, expected_ms*4] (a window can move
// the target by at most a factor of 4 either way) and the result capped at
// the limit. expected_ms > 0.
uint32_t retarget(uint32_t old_bits, uint64_t actual_ms, uint64_t expected_ms,
                  const PowParams& params);

}  // namespace wattle::consensus::pow
