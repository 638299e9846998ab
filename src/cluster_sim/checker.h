// Checker: the invariants a simulated schedule must keep (docs/consensus.md), the
// part TigerBeetle calls the state checker. simulator.h lists them: safety,
// certificate, evidence, equivocation, justification, lock, liveness and, in
// full mode, state divergence and conservation.
//
// Promises: it watches and never steers. It sees every message sent
// (record_signed, before the network may lose it), every honest validator's
// own messages before they leave (check_own_message), every commit, every
// piece of evidence and every step; each broken invariant is reported once
// per occurrence through World::violation, which counts it in the
// ScheduleResult and stops the run. It draws no randomness, so checking
// changes no schedule. What it remembers is bounded by the schedule (heights
// times rounds times validators).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "chain/application.h"
#include "chain/block.h"
#include "cluster_sim/cert_check.h"
#include "cluster_sim/stake_check.h"
#include "cluster_sim/world.h"
#include "consensus/bft/messages.h"

namespace wattle::cluster_sim {

class Cluster;

class Checker {
 public:
  Checker(World& world, const Cluster& cluster) : world_(world), cluster_(cluster) {}

  // Every correctly signed proposal and value vote that is sent, for the
  // justification check: what an honest vote may rest on.
  void record_signed(const consensus::bft::Message& m);
  // Honest validator i is about to send `message`: equivocation,
  // justification and lock checks (before the message counts itself).
  void check_own_message(NodeIndex i, const Bytes& message);
  // An honest validator that had committed `committed` heights commits `c`:
  // height order, certificate, validity, hash, agreement with the others.
  // Returns the decoded certificate (none if it does not decode).
  std::optional<consensus::bft::CommitCertificate> check_commit(NodeIndex i,
                                                                const consensus::Commit& c,
                                                                uint64_t committed);
  // Validator i found `evidence`: it verifies and accuses a Byzantine validator.
  void check_evidence(NodeIndex i, const Bytes& evidence);
  // After GST, an honest validator's rounds at its height stay within
  // liveness_round_bound() of the highest honest round at GST.
  void check_liveness(NodeIndex i, uint64_t post_gst_delay_ms);
  // At GST: remembers the highest honest round of each height in progress.
  void record_gst_rounds();

  // Full mode. The genesis header starts the committed chain.
  void record_genesis(const chain::BlockHeader& header) { headers_.emplace(0, header); }
  // The header first committed at `height` by any replica, or null.
  const chain::BlockHeader* committed_header(uint64_t height) const;
  // Replica i executed and committed a block (after check_commit): same
  // block as the others, evidence against Byzantine validators only, money
  // conserved (balances + escrow - debts - minted rewards), the
  // certificate identity (cert_check.h) on its committed state.
  void check_full_commit(NodeIndex i, const chain::CommitInfo& info, const chain::Application& app);
  // After the run: every tx an honest replica committed at a height every
  // honest replica has reached is in every honest replica's store; the
  // certificate Wh issued (the most any replica has issued).
  void check_full_end();

 private:
  bool is_node(NodeIndex i, uint64_t height, NodeIndex index) const;
  // The node an evidence item accuses (by its key in the set of the
  // misbehaviour's height), if any.
  std::optional<NodeIndex> accused_node(const consensus::bft::AnyEvidence& ev) const;
  // Whether a candidate's precommit is among the certificate's signatures.
  bool signed_by_candidate(const consensus::bft::CommitCertificate& cert) const;
  void record_vote(const consensus::bft::Vote& v);
  void check_justified(NodeIndex i, const consensus::bft::Vote& v);
  void check_lock(NodeIndex i, const consensus::bft::Vote& v);
  bool prevotes_quorum(uint64_t h, uint32_t r, const Hash256& id) const;
  void check_conservation(NodeIndex i, uint64_t height, const chain::Application& app);
  void check_certificates(NodeIndex i, uint64_t height, const chain::Application& app);
  void count_certificate_txs(const chain::Block& block);

  World& world_;
  const Cluster& cluster_;
  std::map<uint64_t, std::pair<Hash256, uint32_t>> decided_;  // height -> (value, round)
  // Honest signatures: (validator, height, round, kind 0 proposal/1 prevote/2 precommit).
  std::map<std::tuple<NodeIndex, uint64_t, uint32_t, uint8_t>, std::optional<Hash256>> signed_;
  std::map<uint64_t, uint32_t> gst_rounds_;  // height -> highest honest round at GST
  // (height, round, type, value) -> bit per validator that signed such a vote.
  std::map<std::tuple<uint64_t, uint32_t, consensus::bft::VoteType, Hash256>, uint64_t>
      signed_votes_;
  // (height, round, value) -> valid rounds of the proposer's proposals of it.
  std::map<std::tuple<uint64_t, uint32_t, Hash256>, std::set<int64_t>> signed_proposals_;
  // Honest locks as signed: (validator, height) -> (round, value) of its
  // latest precommit for a value, for the lock check.
  std::map<std::pair<NodeIndex, uint64_t>, std::pair<uint32_t, Hash256>> locks_;
  // Full mode.
  std::map<uint64_t, chain::BlockHeader> headers_;  // committed headers by height
  std::map<Hash256, uint64_t> committed_txs_;       // tx hash -> height
  std::map<NodeIndex, CertShadow> cert_shadows_;    // per honest replica
  std::optional<StakeCheck> stake_;                 // staked chains
};

}  // namespace wattle::cluster_sim
