// Process-wide counts of the chain's two costly codec steps: full block
// decodes (decode of a Block: every tx, evidence, certificate) and tx hashes
// (tx_hash, Tx::hash). Tests read them to show that a follower decodes each
// block once and hashes each tx once (tests/node/replica_test.cpp,
// "FollowerDecodesEachBlockOnceAndHashesEachTxOnce"); nothing in the chain
// reads them. Relaxed atomics: any thread, a few nanoseconds per count.
#pragma once

#include <atomic>
#include <cstdint>

namespace wattle::chain {

struct DecodeCounters {
  std::atomic<uint64_t> block_decodes{0};
  std::atomic<uint64_t> tx_hashes{0};
};

DecodeCounters& decode_counters();

}  // namespace wattle::chain
