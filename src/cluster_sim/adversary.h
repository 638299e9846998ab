// Adversaries: what the Byzantine validators of a schedule do
// (docs/consensus.md). Each runs the honest engine; its strategy rewrites,
// withholds, splits, replays or adds to what that engine sends:
//  silent      sends nothing;
//  equivocate  per (height, round) splits its peers in two groups: one gets
//              the engine's proposal and votes, the other an alternative
//              proposal and votes for it;
//  fork        the amnesia attack on locks: as proposer it proposes a fresh
//              value with no proof of lock (ignoring what it must re-propose)
//              and prevotes it; it sends each precommit to one random peer
//              only (nil to the others), so one correct validator may commit
//              while the others stay locked. It also forges on its own: on
//              hearing of any (height, round) whose next round it proposes, it
//              sends a fresh proposal, prevote and precommit for that round,
//              even for heights its own engine already decided. Locked
//              validators must refuse; if their lock is broken, they fork;
//  invalid     proposes values the application rejects and votes for them;
//  replay      sends its messages and, to each peer, now and then a random
//              old message it received (any author, any height);
//  mixed       one of the above at random per message, and forges like fork;
//  coalition   all Byzantine validators together: per (height, round) they
//              back one second value w (the same for all of them) towards
//              one chosen group of honest validators: proposals of w (from
//              the member that proposes), prevotes and precommits for w to
//              the group, their engines' messages to everyone else;
//  forger      sends its engine's messages and, on hearing of a round, what
//              a forger can make: votes in other validators' names (bad
//              signatures), proposals for coming rounds it does not propose
//              (two values, split between two groups), false valid rounds
//              (a fresh value with vr = round - 1 and no proof of lock) where
//              it does propose, the proposal it heard with altered block
//              bytes, messages with out-of-range validator indexes, and
//              decisions whose certificate holds too little power.
//
// Promises: only Byzantine validators are touched (at most SimConfig::byzantine
// of them, chosen at plan time); their own keys sign everything they make,
// so what they forge in others' names does not verify. Every choice is drawn
// from the World's PRNG (the coalition's plan is a pure function of the seed,
// so its members agree without talking). Memory per validator is bounded
// (kArchiveSize old messages; the rest grows with heights and rounds).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "cluster_sim/world.h"
#include "consensus/bft/messages.h"

namespace wattle::cluster_sim {

class Cluster;
class Network;

class Adversaries {
 public:
  Adversaries(World& world, Cluster& cluster, Network& network);

  // Plan time (on a staked chain the last ones instead, stake_load.h): a
  // uniform random subset of SimConfig::byzantine validators
  // and their strategies (a coalition of all of them now and then).
  void choose();
  // Byzantine validator i's engine sends `message` to `targets`.
  void on_send(NodeIndex i, const Bytes& message, const std::vector<NodeIndex>& targets);
  // Byzantine validator i receives `message` from `from` (before its engine does).
  void on_receive(NodeIndex i, NodeIndex from, const Bytes& message);

 private:
  // What a Byzantine validator remembers.
  struct Memory {
    std::vector<Bytes> archive;  // old messages to replay
    size_t archive_next = 0;
    std::map<std::pair<uint64_t, uint32_t>, uint64_t> split;  // peers fed the alternative
    std::set<std::pair<uint64_t, uint32_t>> forged;           // fork/forger: rounds forged
    std::set<Hash256> forged_from;                            // forger: proposals abused
  };
  // How one outgoing message is rewritten: `replacement` for every target
  // (if any), else the message itself; `alternative` instead for the targets
  // whose bit is set in `split`.
  struct Rewrite {
    std::optional<Bytes> replacement;
    std::optional<Bytes> alternative;
    uint64_t split = 0;
  };
  Rewrite coalition_rewrite(NodeIndex i, const consensus::bft::Message& m) const;
  Rewrite rewrite(NodeIndex i, Adversary s, const consensus::bft::Message& m);
  // The coalition's second value and target group (a bit per node) at (h, r):
  // a pure function of the seed, so every member backs the same ones.
  std::pair<consensus::Value, uint64_t> coalition_plan(uint64_t h, uint32_t r) const;
  // fork and mixed: forge a round it proposes, on hearing of (h, r).
  void forge(NodeIndex i, const Bytes& received);
  // forger: everything a forger can make from what it heard.
  void forger_forge(NodeIndex i, NodeIndex from, const Bytes& received);
  void forge_from_proposal(NodeIndex i, const consensus::bft::ProposalMessage& p);
  void forge_coming_rounds(NodeIndex i, uint64_t h, uint32_t r);
  void to_all(NodeIndex i, const consensus::bft::Message& m);

  World& world_;
  Cluster& cluster_;
  Network& network_;
  std::vector<Memory> memory_;
};

}  // namespace wattle::cluster_sim
