// The simulated chain the engines agree on when replicas are not whole
// (docs/consensus.md): fake block values, the application that judges them, the
// signature cache and the timeouts every simulated engine runs with.
//
// Promises: fake_value is a pure function of its arguments and distinct for
// distinct arguments; SimApp accepts a value iff it says it is valid and for
// the height being decided (it never compares the id with the bytes: that is
// the engine's job); CachingVerifier answers exactly what wattle::verify
// answers. Nothing here draws randomness.
#pragma once

#include <cstdint>
#include <cstring>
#include <unordered_map>

#include "consensus/bft/bft_engine.h"
#include "consensus/bft/messages.h"
#include "consensus/engine.h"
#include "core/hash.h"

namespace wattle::cluster_sim {

inline constexpr const char* kChainId = "wattle-sim";

// Simulated block values: data = (tag, valid flag, height, round, proposer,
// salt) and id = BLAKE2b(data), so values are distinct, self-certifying and
// cheap. The forger's altered bytes test the engine's hash check
// (BftConfig::value_hasher, here the default BLAKE2b one); on_commit checks it.
consensus::Value fake_value(bool valid, uint64_t height, uint32_t round,
                            consensus::NodeIndex proposer, uint64_t salt);

// Whether a fake value says it is valid and is for `height`.
bool fake_value_valid(uint64_t height, const consensus::Value& v);

class SimApp final : public consensus::ValueValidator {
 public:
  explicit SimApp(bool full) : full_(full) {}
  // In full mode only Byzantine engines ask: any block of the height will do.
  bool validate(uint64_t height, const consensus::Value& v) override;

 private:
  bool full_;
};

// The same Ed25519 check as production, memoised per exact (key, signature,
// message): every broadcast reaches n - 1 engines, which would otherwise each
// verify the same bytes. A lookup-only hash map: its order never matters.
class CachingVerifier final : public consensus::bft::SignatureVerifier {
 public:
  bool verify(const PublicKey& key, ByteView message, const Signature& sig) const override;

 private:
  struct KeyHash {
    size_t operator()(const Hash256& h) const {
      size_t v = 0;
      std::memcpy(&v, h.bytes.data(), sizeof(v));
      return v;
    }
  };
  mutable std::unordered_map<Hash256, bool, KeyHash> memo_;
};

// Timeouts in virtual ms. Before GST they are often shorter than message
// delays (many rounds, many locks: the interesting part); after GST delays
// are <= 20 ms and the growing timeouts soon exceed them.
consensus::bft::TimeoutConfig sim_timeouts();

}  // namespace wattle::cluster_sim
