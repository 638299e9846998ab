// Helpers for the PoW engine tests: a genesis, parameters with cheap
// targets, and blocks mined for real on top of any known block.
#pragma once

#include <gtest/gtest.h>

#include "consensus/pow/miner.h"
#include "consensus/pow/pow_engine.h"
#include "consensus/pow/target.h"

namespace wattle::consensus::pow::testing {

inline constexpr uint64_t kGenesisMs = 1'000'000;
// 0x2000ffff: target 0xffff * 2^232, block work exactly 256 (hand-computed
// in PowTarget.BlockWorkOfTestBits): a block costs about 256 hashes.
inline constexpr uint32_t kTestBits = 0x2000ffff;

inline PowParams test_params(uint32_t retarget_blocks = 4) {
  PowParams p;
  p.target_block_ms = 1000;
  p.retarget_blocks = retarget_blocks;
  p.initial_bits = p.pow_limit_bits = kTestBits;  // retargets may only make blocks harder
  p.mtp_window = 3;
  p.max_future_ms = 5000;
  p.max_orphans = 4;
  p.max_headers = 8;
  return p;
}

inline PowBlock genesis_block() {
  PowBlock g;
  g.header.bits = kTestBits;
  g.header.time_ms = kGenesisMs;
  g.header.tx_root = blake2b256(g.body);
  return g;
}

inline Bytes body_of(std::string_view text) {
  auto v = as_bytes(text);
  return Bytes(v.begin(), v.end());
}

// A block on top of `parent` (which `tree` holds) at `time_ms`, with the
// bits the retarget rule demands and a nonce that meets them.
inline PowBlock child_of(const BlockTree& tree, const Hash256& parent, uint64_t time_ms,
                         std::string_view body = "") {
  const TreeEntry* p = tree.find(parent);
  EXPECT_NE(p, nullptr);
  PowBlock b;
  b.body = body_of(body);
  b.header.height = p->header.height + 1;
  b.header.prev = parent;
  b.header.tx_root = blake2b256(b.body);
  b.header.time_ms = time_ms;
  b.header.bits = tree.next_bits(*p);
  MineResult m = mine(b.header, 0, 1u << 24);
  EXPECT_TRUE(m.solved.has_value());
  b.header = *m.solved;
  return b;
}

// The same header with a nonce whose hash misses the target.
inline PowHeader with_high_hash(PowHeader h) {
  const U256 target = *decode_compact(h.bits);
  for (h.nonce = 0; meets_target(h.hash(), target); ++h.nonce) {
  }
  return h;
}

// What a batch of actions did, by kind.
struct Seen {
  std::vector<TipChanged> tips;
  std::vector<PeerMisbehaved> misbehaved;
  std::vector<Send> sends;
  std::vector<Broadcast> broadcasts;
};
inline Seen seen(const PowActions& actions) {
  Seen s;
  for (const auto& a : actions)
    std::visit(ActionHandlers{[&](const TipChanged& t) { s.tips.push_back(t); },
                              [&](const PeerMisbehaved& m) { s.misbehaved.push_back(m); },
                              [&](const Send& m) { s.sends.push_back(m); },
                              [&](const Broadcast& m) { s.broadcasts.push_back(m); }},
               a);
  return s;
}

inline Bytes block_msg(const PowBlock& b) {
  return encode_message(BlockMsg{b});
}

}  // namespace wattle::consensus::pow::testing
