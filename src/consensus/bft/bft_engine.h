// BftEngine: Tendermint consensus ("The latest gossip on BFT consensus",
// Buchman, Kwon, Milosevic 2018, Algorithm 1) as a pure state machine.
// The spec in our words, with the rule numbers used in the code, is
// docs/consensus.md.
//
// Promises:
//  - Implements consensus::Engine: events in, actions out; no sockets,
//    threads, clocks or randomness. Not thread-safe: one call at a time.
//  - Safety with faulty voting power < 1/3 of the total; liveness once
//    messages are delivered within a bound and timeouts (which grow with the
//    round) exceed it.
//  - Never signs two different messages for one (height, round, step), also
//    across crashes, provided the host makes each PersistBeforeSend durable
//    before carrying out the actions after it and restarts the engine with the
//    last persisted bytes.
//  - Every Commit carries an encoded CommitCertificate that verifies from the
//    validator set of its height alone (it names that set's hash); every
//    EvidenceFound carries encode_evidence() of conflicting votes or of
//    conflicting proposals (messages.h).
//  - Bounded memory per height: at most kMaxVotesPerValidator votes per
//    (validator, round, type) plus proof-of-lock relays, kMaxProposalsPerRound proposals per round,
//    rounds at most kMaxRoundsAhead ahead of ours, kMaxBufferedPerPeer messages per peer for the
//    next height, kDecisionHistory past decisions for catch-up.
//  - Invalid, unsigned, mis-signed and out-of-window messages are dropped
//    silently; they never produce an error or an action other than evidence.
//    So are proposals and decisions whose bytes do not hash to their value id
//    (BftConfig::value_hasher): the engine never stores, prevotes, relays or
//    commits bytes other than those the signatures are about.
//  - Gossip duty: a peer whose own message shows it in an older round r of
//    our height gets the prevotes and precommits of round r we hold (our own
//    included, even across a crash: they are persisted) and those of our
//    round, so any honest validator left behind in a round can finish it.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "consensus/bft/messages.h"
#include "consensus/bft/persisted_state.h"
#include "consensus/bft/sign_guard.h"
#include "consensus/bft/test_hooks.h"
#include "consensus/bft/validator_set.h"
#include "consensus/engine.h"

namespace wattle::consensus::bft {

// timeoutX(r) = base + delta * r (milliseconds): growing with the round, so
// after the network stabilises a round is eventually long enough for every
// correct validator to hear from every other (the paper's liveness argument).
struct TimeoutConfig {
  uint64_t propose_ms = 3000;
  uint64_t propose_delta_ms = 500;
  uint64_t prevote_ms = 1000;
  uint64_t prevote_delta_ms = 500;
  uint64_t precommit_ms = 1000;
  uint64_t precommit_delta_ms = 500;
  uint64_t rebroadcast_ms = 2000;
  uint64_t rebroadcast_delta_ms = 500;

  uint64_t propose(uint32_t r) const { return propose_ms + propose_delta_ms * r; }
  uint64_t prevote(uint32_t r) const { return prevote_ms + prevote_delta_ms * r; }
  uint64_t precommit(uint32_t r) const { return precommit_ms + precommit_delta_ms * r; }
  uint64_t rebroadcast(uint32_t r) const { return rebroadcast_ms + rebroadcast_delta_ms * r; }
};

// The validator set of each height, as the host's state knows it (PoS/DPoS
// change it between heights). The engine asks once per height it enters,
// for the height after the host's last committed block; the answer's
// height() must be that height (its proposer priorities are that height's:
// ValidatorSet::at_height). Called from the engine's thread only.
class ValidatorSetProvider {
 public:
  virtual ~ValidatorSetProvider() = default;
  virtual ValidatorSet validator_set(uint64_t height) = 0;
};

struct BftConfig {
  std::string chain_id;
  // The set at every height when validator_sets is null (its priorities
  // advanced one step per height); else only the set the key is checked
  // against at create().
  ValidatorSet validators;
  TimeoutConfig timeouts;
  // id_of(bytes) for values: a proposal or decision whose bytes do not hash
  // to its id is dropped before it is stored. Must outlive the engine. The
  // node passes the ledger's block hasher; the default suits values whose id
  // is BLAKE2b-256 of all their bytes (simulator, tests).
  const ValueHasher* value_hasher = &blake2b_value_hasher();
  // Null: a fixed set. Else the host's per-height sets; must outlive the
  // engine. A height whose set lacks our key is followed without signing.
  ValidatorSetProvider* validator_sets = nullptr;
  // Null: no guard (the simulator, whose nodes keep their persisted state).
  // Else asked before every signature; a refusal means the message is not
  // made (sign_guard.h). Must outlive the engine.
  SignGuard* sign_guard = nullptr;
};

class BftEngine final : public Engine {
 public:
  static constexpr uint32_t kMaxRoundsAhead = 256;
  static constexpr size_t kMaxProposalsPerRound = 4;
  static constexpr size_t kMaxBufferedPerPeer = 16;
  static constexpr size_t kDecisionHistory = 64;
  // Distinct votes kept per (validator, round, type) beyond proof-of-lock
  // relays (which are bounded by kMaxProposalsPerRound per validator).
  static constexpr size_t kMaxVotesPerValidator = 3;

  // `key` must belong to the validator set. `persisted` is the last
  // PersistBeforeSend state (empty on first start); kCorruption if it does not
  // decode. `app` and `verifier` must outlive the engine. `hooks` is nullptr
  // except in the simulator (see test_hooks.h).
  static Result<std::unique_ptr<BftEngine>> create(
      BftConfig config, KeyPair key, ValueValidator& app, ByteView persisted = {},
      const SignatureVerifier& verifier = default_verifier(), const TestHooks* hooks = nullptr);

  // consensus::Engine
  Actions start(uint64_t height) override;
  Actions on_message(NodeIndex from, ByteView message) override;
  Actions on_timeout(const Timeout& timeout) override;
  Actions on_value_ready(uint64_t height, uint32_t round, std::optional<Value> value) override;
  Actions on_block_executed(uint64_t height) override;

  // Typed entry points (on_message decodes and dispatches to these). `from` is
  // the peer that relayed the message; authorship comes from signatures.
  Actions on_proposal(NodeIndex from, const ProposalMessage& m);
  Actions on_vote(NodeIndex from, const Vote& v);
  Actions on_decision(NodeIndex from, const DecisionMessage& d);

  // A restarted engine has no memory of decided heights; the host hands it
  // the most recent ones from its block store (value and certificate) so it
  // can still answer peers that lag behind (older gaps are for block sync).
  void remember_decision(const Value& value, const CommitCertificate& certificate);

  // Introspection for hosts, metrics and the simulator.
  NodeIndex index() const { return self_; }
  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  Step step() const { return step_; }
  bool decided() const { return decided_; }
  int64_t locked_round() const { return locked_round_; }
  const std::optional<Value>& locked_value() const { return locked_value_; }
  int64_t valid_round() const { return valid_round_; }
  const std::optional<Value>& valid_value() const { return valid_value_; }
  // The validator set of the current height.
  const ValidatorSet& validators() const { return set_; }
  // False at a height whose validator set does not hold our key.
  bool is_validator() const { return member_; }
  const std::string& chain_id() const { return config_.chain_id; }

 private:
  struct StoredProposal {
    Proposal proposal;
    std::optional<bool> valid;  // memo of valid(v) for exactly these bytes
  };
  // The votes of one type in one round, with running tallies so every
  // "upon 2f+1 / f+1" guard is a lookup. As in the paper, a message counts
  // for the value it carries: an equivocating validator's two votes each count
  // for their own value (quorum intersection keeps that safe), but only once
  // towards "any value" (rules 34, 47).
  struct VoteSet {
    std::map<NodeIndex, std::vector<Vote>> by_validator;  // distinct values, arrival order
    std::map<std::optional<Hash256>, uint64_t> power;     // per value
    uint64_t total = 0;                                   // distinct validators
    uint64_t power_for(const std::optional<Hash256>& id) const {
      auto it = power.find(id);
      return it == power.end() ? 0 : it->second;
    }
    std::vector<Vote> votes_for(const std::optional<Hash256>& id) const;
    std::vector<Vote> all() const;
  };
  // The message log of one round at the current height.
  struct RoundLog {
    std::vector<StoredProposal> proposals;  // from proposer(h, r) only, arrival order
    VoteSet prevotes;
    VoteSet precommits;
    std::set<NodeIndex> senders;  // any message of this round (rule 55)
    uint64_t sender_power = 0;
    bool rule34_fired = false;
    bool rule36_fired = false;
    bool rule47_fired = false;
  };

  BftEngine(BftConfig config, KeyPair key, NodeIndex self, ValueValidator& app,
            const SignatureVerifier& verifier, Mutation mutation);

  // Event plumbing: handlers append to out_; finish() runs the upon-rules to
  // a fixpoint and returns the batch, led by PersistBeforeSend if needed.
  Actions finish();
  void dispatch(NodeIndex from, ByteView message);
  void handle_proposal(NodeIndex from, const ProposalMessage& m);
  void handle_vote(NodeIndex from, const Vote& v);
  void handle_decision(NodeIndex from, const DecisionMessage& d);
  // Messages for a height other than ours: buffer the next one, answer older ones.
  bool divert_other_height(NodeIndex from, uint64_t height, const Message& m);
  // A peer sent a message of an older round of our height: relay the votes
  // that moved us on (see the .cpp).
  void help_laggard(NodeIndex from, uint32_t their_round);
  bool value_intact(const Value& v) const;

  void reset_height(uint64_t height);
  void restore(const PersistedState& s);
  void start_round(uint32_t round);
  void propose(Value value, int64_t valid_round);
  void sign_and_broadcast_vote(VoteType type, std::optional<Hash256> id);
  // False if the config's SignGuard refuses a signature at (height_, round_, step).
  bool guard_allows(SignStep step, ByteView sign_bytes);
  void schedule(TimeoutStep step, uint64_t delay_ms);
  void add_vote(const Vote& v, bool trusted, bool proof_of_lock = false);
  void add_proposal(const Proposal& p, bool trusted);
  void add_sender(RoundLog& rl, NodeIndex who);
  bool is_valid(StoredProposal& sp);
  bool quorum(uint64_t power) const;
  bool prevote_quorum(uint64_t power) const;  // quorum(), unless prevote-half
  void decide(const Value& v, const CommitCertificate& cert);
  ProposalMessage proposal_message(const Proposal& p) const;
  void rebroadcast_own();
  PersistedState snapshot() const;
  // Invariants of Algorithm 1's state that must hold between events
  // (WATTLE_ASSERT, on in every build).
  void check_invariants() const;

  // The upon-rules of Algorithm 1; each returns true if it fired.
  void run_rules();
  bool rule_22_28_prevote_on_proposal();
  bool rule_34_prevote_timeout();
  bool rule_36_lock_and_precommit();
  bool rule_44_precommit_nil();
  bool rule_47_precommit_timeout();
  bool rule_49_decide();
  bool rule_55_round_skip();

  BftConfig config_;
  KeyPair key_;
  NodeIndex self_;      // our index in set_ (kNotAMember outside it)
  bool member_ = true;  // set_ holds our key: we may propose and vote
  ValidatorSet set_;    // the validator set of height_
  static constexpr NodeIndex kNotAMember = UINT32_MAX;
  ValueValidator& app_;
  const SignatureVerifier& verifier_;
  Mutation mutation_;
  std::optional<PersistedState> restart_state_;

  // State of Algorithm 1 (lines 2-9) plus what the host protocol needs.
  bool started_ = false;
  uint64_t height_ = 0;
  uint32_t round_ = 0;
  Step step_ = Step::kPropose;
  bool decided_ = false;  // decision_p[h_p] != nil; waiting for on_block_executed
  std::optional<Value> locked_value_;
  int64_t locked_round_ = -1;
  std::optional<Value> valid_value_;
  int64_t valid_round_ = -1;
  std::vector<Vote> valid_pol_;  // the prevotes that made valid_value_ valid
  std::optional<Proposal> own_proposal_;
  std::optional<Vote> own_prevote_;
  std::optional<Vote> own_precommit_;
  std::vector<Vote> past_votes_;  // our votes of earlier rounds of this height
  bool awaiting_value_ = false;

  std::map<uint32_t, RoundLog> log_;  // the current height's message log
  std::set<std::tuple<NodeIndex, uint32_t, VoteType>> evidence_reported_;
  std::set<std::pair<NodeIndex, uint32_t>> proposal_evidence_reported_;  // (proposer, round)
  std::map<NodeIndex, std::vector<Bytes>> next_height_;                  // buffered for height_ + 1
  std::map<uint64_t, DecisionMessage> history_;  // recent decisions, for catch-up
  // Per peer: (our height, our round, rebroadcast tick) of the last catch-up reply.
  std::map<NodeIndex, std::tuple<uint64_t, uint32_t, uint64_t>> last_catch_up_;
  // (peer, their round) already helped since our round or rebroadcast tick changed.
  std::set<std::pair<NodeIndex, uint32_t>> helped_;
  uint64_t rebroadcast_ticks_ = 0;

  Actions out_;
  bool dirty_ = false;  // persisted fields changed since the last PersistBeforeSend
};

}  // namespace wattle::consensus::bft
