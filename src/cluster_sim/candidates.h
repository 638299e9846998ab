// Candidates: the validators that join a staked whole-replica schedule
// (docs/consensus.md, "Staking"; docs/staking.md, "In the simulator").
//
// A candidate is an honest whole replica outside the genesis set: it runs
// the node's host over its own application and in-memory store, hears
// every broadcast, and is checked like every honest replica (state roots,
// conservation, the set at every height). Its operator account is its own
// consensus key's address, funded at genesis. At a seeded time it sends
// create-validator with bond() (kPower units: below every genesis
// validator's power, so it sorts after them in the set; and small enough
// that at 4 validators the Byzantine one and kMaxCandidates lagging
// candidates together hold less than a third); half the time it later
// unbonds all of it and leaves. Once the set in force includes it (H+2), its engine votes
// and proposes like any validator's.
//
// As a follower its engine sends nothing, so no peer sees it lag and sends
// it decisions; it catches up by block sync as a node does (node/p2p.h):
// decision_at() is a committed block with its certificate, which the engine
// commits like any decision.
//
// Promises: the txs are pure functions of the replica's committed state and
// mempool (no randomness), so retrying them keeps a schedule replayable;
// the same tx (same nonce, same bytes) sent to two replicas is one tx.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "chain/application.h"
#include "core/keys.h"
#include "modules/staking/staking_params.h"

namespace wattle::cluster_sim::candidate {

inline constexpr uint64_t kPower = 10'000;
// A join or leave not yet committed is sent again (to the next replica)
// this often, at most kMaxTries times; block sync looks every kSyncMs.
inline constexpr uint64_t kRetryMs = 300;
inline constexpr uint64_t kMaxTries = 200;
inline constexpr uint64_t kSyncMs = 100;

KeyPair key(uint32_t c);
Money bond();

enum class Move : uint8_t { kJoin, kLeave };

struct Step {
  bool done = false;            // committed on this replica: nothing more to send
  std::optional<chain::Tx> tx;  // else what to send now (none: one is pending or it must wait)
  std::string what;             // for the trace
};
// What candidate `key` sends next for `move`, judged on `app`: the
// create-validator until it is a validator; the unbond of its whole
// self-bond (pos: unbond, dpos: undelegate from itself) once it is one,
// until nothing is bonded.
Step next(const chain::Application& app, const KeyPair& key, Move move,
          modules::ConsensusKind kind);

// The DecisionMessage for `height` from `app`'s store: the block and the
// certificate it was committed with.
Result<Bytes> decision_at(const chain::Application& app, uint64_t height);

}  // namespace wattle::cluster_sim::candidate
