// PersistedState: what a validator must remember across a crash so that it
// never signs two different messages for one (height, round, step).
//
// The engine emits it in a PersistBeforeSend action ahead of any message it
// newly signed; the host makes it durable before sending. Because round and
// step only move forward within a height and every signature is made at the
// current (round, step), reloading (height, round, step) is what prevents
// equivocation; lockedValue/lockedRound must survive too (the lock is what
// makes a commit in an earlier round safe, rules 23/29), validValue/validRound
// so a restarted proposer re-proposes the value it must (rule 15) with its
// proof of lock, and the own
// signed messages of the current round so they are re-sent, never re-made.
// Canonical encoding with a leading format version.
#pragma once

#include <optional>

#include "consensus/bft/messages.h"

namespace wattle::consensus::bft {

// step_p of the paper.
enum class Step : uint8_t { kPropose = 0, kPrevote = 1, kPrecommit = 2 };

struct PersistedState {
  uint64_t height = 0;
  uint32_t round = 0;
  Step step = Step::kPropose;
  int64_t locked_round = -1;
  std::optional<Value> locked_value;
  int64_t valid_round = -1;
  std::optional<Value> valid_value;
  // The 2f+1 prevotes for valid_value at valid_round: a restarted proposer
  // must still be able to justify re-proposing it (rule 28 at the receivers),
  // or correct validators locked on it could wait for each other forever.
  std::vector<Vote> valid_pol;
  std::optional<Proposal> own_proposal;  // signed by us at (height, round)
  std::optional<Vote> own_prevote;       // signed by us at (height, round)
  std::optional<Vote> own_precommit;     // signed by us at (height, round)
  // Our prevotes and precommits of EARLIER rounds of this height (at most
  // kMaxPastVotes, the most recent rounds): a peer still in such a round may
  // need exactly one of them to reach a quorum, and we must re-send the vote
  // we signed then, never sign another (the restart deadlock docs/consensus.md describes: a crash
  // after moving on must not erase what others wait for).
  static constexpr size_t kMaxPastVotes = 128;
  std::vector<Vote> past_votes;
};

void encode(Writer& w, const PersistedState& s);
Status decode(Reader& r, PersistedState& s);

}  // namespace wattle::consensus::bft
