// Process-wide counts of the chain's costly per-block and per-tx steps: full
// block decodes (decode of a Block: every tx, evidence, certificate), tx
// hashes (tx_hash, Tx::hash) and tx signature checks (Tx::signature_valid).
// Tests read them to show that a follower decodes each block once, hashes
// each tx once and verifies each signature once (tests/node/replica_test.cpp,
// "FollowerDecodesEachBlockOnceAndHashesEachTxOnce"); nothing in the chain
// reads them. Relaxed atomics: any thread, a few nanoseconds per count.
#pragma once

#include <atomic>
#include <cstdint>

namespace wattle::chain {

struct DecodeCounters {
  std::atomic<uint64_t> block_decodes{0};
  std::atomic<uint64_t> tx_hashes{0};
  std::atomic<uint64_t> signature_checks{0};
};

DecodeCounters& decode_counters();

}  // namespace wattle::chain
