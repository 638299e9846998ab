#include "consensus/bft/bft_engine.h"

#include "core/assert.h"

namespace wattle::consensus::bft {

Result<std::unique_ptr<BftEngine>> BftEngine::create(BftConfig config, KeyPair key,
                                                     ValueValidator& app, ByteView persisted,
                                                     const SignatureVerifier& verifier,
                                                     const TestHooks* hooks) {
  auto self = config.validators.index_of(key.public_key());
  if (!self && !config.validator_sets)
    return Status(Code::kInvalidArgument, "engine key is not in the validator set");
  std::unique_ptr<BftEngine> e(new BftEngine(std::move(config), std::move(key),
                                             self.value_or(kNotAMember), app, verifier,
                                             hooks ? hooks->mutation() : Mutation::kNone));
  if (!persisted.empty()) {
    auto st = decode_exact<PersistedState>(persisted);
    if (!st)
      return Status(Code::kCorruption, "persisted consensus state: " + st.status().message());
    e->restart_state_ = std::move(*st);
  }
  return e;
}

BftEngine::BftEngine(BftConfig config, KeyPair key, NodeIndex self, ValueValidator& app,
                     const SignatureVerifier& verifier, Mutation mutation)
    : config_(std::move(config)),
      key_(std::move(key)),
      self_(self),
      set_(config_.validators),
      app_(app),
      verifier_(verifier),
      mutation_(mutation) {}

// --- event entry points -------------------------------------------------------------

Actions BftEngine::start(uint64_t height) {
  started_ = true;
  reset_height(height);
  if (restart_state_ && restart_state_->height == height) {
    restore(*restart_state_);
  } else {
    start_round(0);  // line 10: upon start do StartRound(0)
  }
  restart_state_.reset();
  return finish();
}

Actions BftEngine::on_message(NodeIndex from, ByteView message) {
  if (!started_) return {};
  dispatch(from, message);
  return finish();
}

Actions BftEngine::on_proposal(NodeIndex from, const ProposalMessage& m) {
  if (!started_) return {};
  handle_proposal(from, m);
  return finish();
}

Actions BftEngine::on_vote(NodeIndex from, const Vote& v) {
  if (!started_) return {};
  handle_vote(from, v);
  return finish();
}

Actions BftEngine::on_decision(NodeIndex from, const DecisionMessage& d) {
  if (!started_) return {};
  handle_decision(from, d);
  return finish();
}

Actions BftEngine::on_timeout(const Timeout& t) {
  if (!started_ || decided_ || t.height != height_ || t.round != round_) return {};
  switch (t.step) {
    case TimeoutStep::kPropose:
      // Lines 57-60: OnTimeoutPropose: no acceptable proposal in time -> prevote nil.
      if (step_ == Step::kPropose) {
        sign_and_broadcast_vote(VoteType::kPrevote, std::nullopt);
        step_ = Step::kPrevote;
      }
      break;
    case TimeoutStep::kPrevote:
      // Lines 61-64: OnTimeoutPrevote: no prevote quorum for one value -> precommit nil.
      if (step_ == Step::kPrevote) {
        sign_and_broadcast_vote(VoteType::kPrecommit, std::nullopt);
        step_ = Step::kPrecommit;
      }
      break;
    case TimeoutStep::kPrecommit:
      // Lines 65-67: OnTimeoutPrecommit: the round failed -> StartRound(round + 1).
      start_round(round_ + 1);
      break;
    case TimeoutStep::kRebroadcast:
      // Not in Algorithm 1, which assumes gossip re-delivers every message a
      // correct process sent: re-send our own messages of this round (lost
      // ones may be all that stands between the peers and a quorum).
      ++rebroadcast_ticks_;
      helped_.clear();
      rebroadcast_own();
      schedule(TimeoutStep::kRebroadcast, config_.timeouts.rebroadcast(round_));
      break;
    case TimeoutStep::kBlockInterval:
      break;
  }
  return finish();
}

Actions BftEngine::on_value_ready(uint64_t height, uint32_t round, std::optional<Value> value) {
  // Line 18 answered (getValue): propose unless the round moved on meanwhile.
  if (!started_ || decided_ || height != height_ || round != round_ || !awaiting_value_ ||
      step_ != Step::kPropose || own_proposal_)
    return {};
  awaiting_value_ = false;
  if (value) {
    // The host's own block must hash to its id, or every peer drops it.
    WATTLE_ASSERT(value_intact(*value), "the application's value id is not the hash of its bytes");
    propose(std::move(*value), -1);
  }
  return finish();
}

Actions BftEngine::on_block_executed(uint64_t height) {
  if (!started_ || !decided_ || height != height_) return {};
  // Lines 52-54: next height, reset lock/valid and the message log, StartRound(0).
  reset_height(height + 1);
  start_round(0);
  auto buffered = std::move(next_height_);
  next_height_.clear();
  for (const auto& [from, messages] : buffered)
    for (const auto& m : messages) dispatch(from, m);
  return finish();
}

// --- plumbing -----------------------------------------------------------------------

Actions BftEngine::finish() {
  run_rules();
  check_invariants();
  Actions out = std::move(out_);
  out_.clear();
  if (dirty_) {
    dirty_ = false;
    // PersistBeforeSend leads the batch: everything signed while handling this
    // event is durable before any of it leaves (the no-persist mutation skips it).
    if (mutation_ != Mutation::kNoPersist)
      out.insert(out.begin(), PersistBeforeSend{encode_to_bytes(snapshot())});
  }
  return out;
}

void BftEngine::dispatch(NodeIndex from, ByteView message) {
  auto m = decode_message(message);
  if (!m) return;  // malformed: drop (a transport would also score the peer)
  if (auto* p = std::get_if<ProposalMessage>(&*m)) {
    handle_proposal(from, *p);
  } else if (auto* v = std::get_if<Vote>(&*m)) {
    handle_vote(from, *v);
  } else {
    handle_decision(from, std::get<DecisionMessage>(*m));
  }
}

bool BftEngine::divert_other_height(NodeIndex from, uint64_t height, const Message& m) {
  if (height == height_ && !decided_) return false;
  if (height == height_ + 1 && set_.contains(from)) {
    // Faster peers are already at the next height: keep their latest few
    // messages and replay them once we get there (bounded per peer).
    auto& q = next_height_[from];
    if (q.size() >= kMaxBufferedPerPeer) q.erase(q.begin());
    q.push_back(encode_message(m));
    return true;
  }
  if (height <= height_ && from != self_ && set_.contains(from)) {
    // A peer still working on a height we decided: send it the decision with
    // its certificate. At most one reply per peer per (our height, round,
    // rebroadcast tick): replayed old messages cannot make us amplify.
    auto it = history_.find(height);
    auto key = std::make_tuple(height_, round_, rebroadcast_ticks_);
    auto last = last_catch_up_.find(from);
    if (it != history_.end() && (last == last_catch_up_.end() || last->second != key)) {
      last_catch_up_[from] = key;
      out_.push_back(Send{from, encode_message(it->second)});
    }
  }
  return true;
}

void BftEngine::handle_proposal(NodeIndex from, const ProposalMessage& m) {
  const Proposal& p = m.proposal;
  if (divert_other_height(from, p.height, m)) return;
  // The proof-of-lock prevotes are ordinary prevotes delivered along: only
  // those matching (h, vr, id(v)) are taken, each on its own signature.
  for (const Vote& v : m.proof_of_lock) {
    if (v.type == VoteType::kPrevote && v.height == p.height &&
        static_cast<int64_t>(v.round) == p.valid_round && v.value_id == p.value.id)
      add_vote(v, false, /*proof_of_lock=*/true);
  }
  add_proposal(p, false);
  if (p.proposer == from) help_laggard(from, p.round);
}

void BftEngine::handle_vote(NodeIndex from, const Vote& v) {
  if (divert_other_height(from, v.height, v)) return;
  add_vote(v, false);
  // Only a peer's own vote tells its round; relayed ones tell nothing.
  if (v.validator == from) help_laggard(from, v.round);
}

void BftEngine::help_laggard(NodeIndex from, uint32_t their_round) {
  // Algorithm 1 assumes gossip: every message a correct process received
  // reaches every correct process. A peer still in an older round r of our
  // height needs the votes of round r (CometBFT's reactor sends a peer the
  // votes of the peer's round): the prevotes (rules 34/36/44) and precommits
  // (rule 47, then OnTimeoutPrecommit) we hold, our own among them even if we
  // crashed since (past_votes_ is persisted); or f+1 messages of our round
  // (rule 55). Without this relay a validator alone in a higher round and
  // peers waiting for its lost round-r vote wait for each other forever.
  // Relayed votes carry their authors' signatures; we send each batch once
  // per (peer, their round) until our round or rebroadcast tick changes.
  if (from == self_ || !set_.contains(from) || their_round >= round_) return;
  if (!helped_.insert({from, their_round}).second) return;
  auto relay = [&](const VoteSet& votes) {
    for (const Vote& v : votes.all()) out_.push_back(Send{from, encode_message(v)});
  };
  if (auto it = log_.find(their_round); it != log_.end()) {
    relay(it->second.prevotes);
    relay(it->second.precommits);
  }
  if (auto it = log_.find(round_); it != log_.end()) {
    relay(it->second.prevotes);
    relay(it->second.precommits);
  }
}

void BftEngine::handle_decision(NodeIndex from, const DecisionMessage& d) {
  // Catch-up form of rule 49: a certificate is > 2/3 of precommits for id(v),
  // so more than 1/3 correct validators found v valid at rule 36 and the value
  // is the one the others decided; we still check valid(v) as line 50 does.
  if (decided_ || d.certificate.height != height_ || d.value.id != d.certificate.value_id ||
      !value_intact(d.value))
    return;
  if (!verify_certificate(config_.chain_id, set_, d.certificate, verifier_)) return;
  if (!app_.validate(height_, d.value)) return;
  decide(d.value, d.certificate);
}

void BftEngine::reset_height(uint64_t height) {
  height_ = height;
  // The set deciding this height: the host's, or the fixed one with its
  // proposer priorities advanced (one step per height, from the nearest set
  // we hold).
  if (config_.validator_sets) {
    set_ = config_.validator_sets->validator_set(height);
    WATTLE_ASSERT(set_.height() == height, "the host's validator set is for another height");
  } else {
    set_ = (set_.height() <= height ? set_ : config_.validators).at_height(height);
  }
  const auto self = set_.index_of(key_.public_key());
  member_ = self.has_value();
  self_ = self.value_or(kNotAMember);
  proposal_evidence_reported_.clear();
  round_ = 0;
  step_ = Step::kPropose;
  decided_ = false;
  locked_value_.reset();
  locked_round_ = -1;
  valid_value_.reset();
  valid_round_ = -1;
  valid_pol_.clear();
  own_proposal_.reset();
  own_prevote_.reset();
  own_precommit_.reset();
  past_votes_.clear();
  awaiting_value_ = false;
  log_.clear();
  evidence_reported_.clear();
  helped_.clear();
  dirty_ = true;
}

void BftEngine::restore(const PersistedState& s) {
  round_ = s.round;
  step_ = s.step;
  locked_round_ = s.locked_round;
  locked_value_ = s.locked_value;
  valid_round_ = s.valid_round;
  valid_value_ = s.valid_value;
  valid_pol_ = s.valid_pol;
  for (const Vote& v : valid_pol_) add_vote(v, true);  // verified when first received
  past_votes_ = s.past_votes;
  for (const Vote& v : past_votes_) add_vote(v, true);  // ours, signed before the crash
  if (s.own_proposal && s.own_proposal->round == round_) {
    own_proposal_ = s.own_proposal;
    add_proposal(*own_proposal_, true);
  }
  if (s.own_prevote && s.own_prevote->round == round_) {
    own_prevote_ = s.own_prevote;
    add_vote(*own_prevote_, true);
  }
  if (s.own_precommit && s.own_precommit->round == round_) {
    own_precommit_ = s.own_precommit;
    add_vote(*own_precommit_, true);
  }
  dirty_ = false;
  // Re-send what we signed (it may never have left), never re-sign.
  rebroadcast_own();
  schedule(TimeoutStep::kRebroadcast, config_.timeouts.rebroadcast(round_));
  if (step_ == Step::kPropose) {
    if (set_.proposer(height_, round_) == self_ && !own_proposal_) {
      if (valid_value_) {
        propose(*valid_value_, valid_round_);
      } else {
        awaiting_value_ = true;
        out_.push_back(RequestValue{height_, round_});
      }
    }
    schedule(TimeoutStep::kPropose, config_.timeouts.propose(round_));
  }
}

// Lines 11-21: StartRound(round).
void BftEngine::start_round(uint32_t round) {
  WATTLE_ASSERT(round >= round_ || round == 0, "rounds only move forward within a height");
  round_ = round;  // line 12
  helped_.clear();
  step_ = Step::kPropose;  // line 13
  // Our votes of the round we leave are kept (and persisted) for peers still
  // in it; the oldest go first.
  for (auto* own : {&own_prevote_, &own_precommit_}) {
    if (*own) past_votes_.push_back(**own);
    own->reset();
  }
  while (past_votes_.size() > PersistedState::kMaxPastVotes) past_votes_.erase(past_votes_.begin());
  own_proposal_.reset();
  awaiting_value_ = false;
  dirty_ = true;
  schedule(TimeoutStep::kRebroadcast, config_.timeouts.rebroadcast(round_));
  if (set_.proposer(height_, round_) == self_) {  // line 14
    if (valid_value_) {
      propose(*valid_value_, valid_round_);  // lines 15-16, 19
    } else {
      // Line 18: getValue() is asynchronous here (the application builds a
      // block); on_value_ready finishes line 19.
      awaiting_value_ = true;
      out_.push_back(RequestValue{height_, round_});
    }
  }
  // Line 21 schedules OnTimeoutPropose for non-proposers only. We schedule it
  // for the proposer too: its getValue() may not answer in time, and the
  // timeout is a no-op once it has prevoted on its own proposal.
  schedule(TimeoutStep::kPropose, config_.timeouts.propose(round_));
}

void BftEngine::propose(Value value, int64_t valid_round) {
  if (!member_) return;  // (never proposer(h, r) then; kept for clarity of the contract)
  WATTLE_ASSERT(!own_proposal_ || own_proposal_->round != round_,
                "a second proposal for one round would be equivocation");
  if (!guard_allows(SignStep::kPropose,
                    proposal_sign_bytes(config_.chain_id, height_, round_, value.id, valid_round)))
    return;
  own_proposal_ =
      sign_proposal(config_.chain_id, key_, self_, height_, round_, std::move(value), valid_round);
  dirty_ = true;
  add_proposal(*own_proposal_, true);
  out_.push_back(Broadcast{encode_message(proposal_message(*own_proposal_))});  // line 19
}

ProposalMessage BftEngine::proposal_message(const Proposal& p) const {
  ProposalMessage m{p, {}};
  if (p.valid_round >= 0) {
    auto it = log_.find(static_cast<uint32_t>(p.valid_round));
    if (it != log_.end()) m.proof_of_lock = it->second.prevotes.votes_for(p.value.id);
  }
  return m;
}

void BftEngine::sign_and_broadcast_vote(VoteType type, std::optional<Hash256> id) {
  if (!member_) return;  // a follower at this height: tracks the steps, signs nothing
  auto& own = type == VoteType::kPrevote ? own_prevote_ : own_precommit_;
  // The step discipline of Algorithm 1 signs each type at most once per round;
  // a second signature would be equivocation, so this is an invariant.
  WATTLE_ASSERT(!own || own->round != round_, "a second vote for one step would be equivocation");
  if (!guard_allows(type == VoteType::kPrevote ? SignStep::kPrevote : SignStep::kPrecommit,
                    vote_sign_bytes(config_.chain_id, type, height_, round_, id)))
    return;
  own = sign_vote(config_.chain_id, key_, self_, type, height_, round_, id);
  dirty_ = true;
  add_vote(*own, true);
  out_.push_back(Broadcast{encode_message(*own)});
}

bool BftEngine::guard_allows(SignStep step, ByteView sign_bytes) {
  // Refused: the message is never made, as if it were lost; the timeouts
  // move the round on (the guard logs why).
  return !config_.sign_guard || config_.sign_guard->approve(height_, round_, step, sign_bytes);
}

void BftEngine::rebroadcast_own() {
  if (own_proposal_ && own_proposal_->round == round_)
    out_.push_back(Broadcast{encode_message(proposal_message(*own_proposal_))});
  if (own_prevote_ && own_prevote_->round == round_)
    out_.push_back(Broadcast{encode_message(*own_prevote_)});
  if (own_precommit_ && own_precommit_->round == round_)
    out_.push_back(Broadcast{encode_message(*own_precommit_)});
}

void BftEngine::schedule(TimeoutStep step, uint64_t delay_ms) {
  out_.push_back(ScheduleTimeout{Timeout{height_, round_, step, delay_ms}});
}

void BftEngine::add_sender(RoundLog& rl, NodeIndex who) {
  if (rl.senders.insert(who).second) rl.sender_power += set_.at(who).power;
}

std::vector<Vote> BftEngine::VoteSet::votes_for(const std::optional<Hash256>& id) const {
  std::vector<Vote> out;
  for (const auto& [who, votes] : by_validator)
    for (const Vote& v : votes)
      if (v.value_id == id) out.push_back(v);
  return out;
}

std::vector<Vote> BftEngine::VoteSet::all() const {
  std::vector<Vote> out;
  for (const auto& [who, votes] : by_validator) out.insert(out.end(), votes.begin(), votes.end());
  return out;
}

void BftEngine::add_vote(const Vote& v, bool trusted, bool proof_of_lock) {
  if (v.height != height_ || !set_.contains(v.validator)) return;
  if (v.round > round_ && v.round - round_ > kMaxRoundsAhead) return;
  RoundLog& rl = log_[v.round];
  VoteSet& set = v.type == VoteType::kPrevote ? rl.prevotes : rl.precommits;
  std::vector<Vote>& mine = set.by_validator[v.validator];
  for (const Vote& x : mine)
    if (x.value_id == v.value_id) return;  // duplicate
  // Extra conflicting votes are capped, except those relayed as a proof of
  // lock: the gossip assumption says we must eventually count them.
  if (mine.size() >= kMaxVotesPerValidator && !proof_of_lock) return;
  if (!trusted && mutation_ != Mutation::kSkipVoteVerify &&
      !verify_vote(config_.chain_id, set_, v, verifier_))
    return;
  if (!mine.empty() && evidence_reported_.insert({v.validator, v.round, v.type}).second) {
    // Two signed votes of one validator for one (h, r, type): equivocation.
    auto ev = make_evidence(mine.front(), v);
    WATTLE_ASSERT(ev.is_ok(), "two stored votes of one validator and step must conflict");
    if (ev) out_.push_back(EvidenceFound{encode_evidence(*ev)});
  }
  const uint64_t power = set_.at(v.validator).power;
  mine.push_back(v);
  set.power[v.value_id] += power;
  if (mine.size() == 1) set.total += power;
  add_sender(rl, v.validator);
}

void BftEngine::add_proposal(const Proposal& p, bool trusted) {
  if (p.height != height_) return;
  if (p.round > round_ && p.round - round_ > kMaxRoundsAhead) return;
  RoundLog& rl = log_[p.round];
  for (const auto& sp : rl.proposals)
    if (sp.proposal.value.id == p.value.id && sp.proposal.value.data == p.value.data &&
        sp.proposal.valid_round == p.valid_round)
      return;  // duplicate
  if (rl.proposals.size() >= kMaxProposalsPerRound) return;
  if (!trusted) {
    if (!value_intact(p.value)) return;  // bytes swapped under a valid signature
    if (mutation_ == Mutation::kNoProposerCheck) {
      // The mutation: any validator's signature will do.
      if (!set_.contains(p.proposer) ||
          !verifier_.verify(
              set_.at(p.proposer).key,
              proposal_sign_bytes(config_.chain_id, p.height, p.round, p.value.id, p.valid_round),
              p.signature))
        return;
    } else if (!verify_proposal(config_.chain_id, set_, p, verifier_)) {
      return;
    }
  }
  for (const auto& sp : rl.proposals) {
    // Two proposals of one proposer for this round: equivocation.
    if (sp.proposal.proposer != p.proposer ||
        (sp.proposal.value.id == p.value.id && sp.proposal.valid_round == p.valid_round))
      continue;
    if (!proposal_evidence_reported_.insert({p.proposer, p.round}).second) break;
    auto ev = make_proposal_evidence(sp.proposal, p);
    WATTLE_ASSERT(ev.is_ok(), "two stored proposals of one proposer and round must conflict");
    out_.push_back(EvidenceFound{encode_evidence(*ev)});
    break;
  }
  rl.proposals.push_back({p, std::nullopt});
  add_sender(rl, p.proposer);
}

bool BftEngine::is_valid(StoredProposal& sp) {
  if (!sp.valid) sp.valid = app_.validate(height_, sp.proposal.value);
  return *sp.valid;
}

bool BftEngine::quorum(uint64_t power) const {
  if (mutation_ == Mutation::kQuorumHalf) return set_.is_half(power);
  return set_.is_two_thirds(power);
}

bool BftEngine::prevote_quorum(uint64_t power) const {
  if (mutation_ == Mutation::kPrevoteHalf) return set_.is_half(power);
  return quorum(power);
}

bool BftEngine::value_intact(const Value& v) const {
  return config_.value_hasher->id_of(v.data) == v.id;
}

void BftEngine::decide(const Value& v, const CommitCertificate& cert) {
  WATTLE_ASSERT(!decided_ && cert.height == height_ && cert.value_id == v.id,
                "one decision per height, with a certificate for it");
  decided_ = true;  // line 51: decision_p[h_p] = v
  history_[height_] = DecisionMessage{v, cert};
  while (history_.size() > kDecisionHistory) history_.erase(history_.begin());
  out_.push_back(Commit{height_, v, encode_to_bytes(cert)});
}

void BftEngine::remember_decision(const Value& value, const CommitCertificate& certificate) {
  history_[certificate.height] = DecisionMessage{value, certificate};
  while (history_.size() > kDecisionHistory) history_.erase(history_.begin());
}

void BftEngine::check_invariants() const {
  const auto round = static_cast<int64_t>(round_);
  WATTLE_ASSERT(locked_value_.has_value() == (locked_round_ >= 0) &&
                    valid_value_.has_value() == (valid_round_ >= 0),
                "a lock or valid value exists exactly when its round is set");
  // Rule 36 sets both at once; valid may move on alone (line 42), never back.
  WATTLE_ASSERT(locked_round_ <= valid_round_ && valid_round_ <= round,
                "lockedRound <= validRound <= round");
  for (const auto* own : {&own_prevote_, &own_precommit_})
    WATTLE_ASSERT(!*own || ((*own)->height == height_ && (*own)->round == round_),
                  "our current votes are of the current height and round");
  WATTLE_ASSERT(
      !own_proposal_ || (own_proposal_->height == height_ && own_proposal_->round == round_),
      "our current proposal is of the current height and round");
  WATTLE_ASSERT(past_votes_.size() <= PersistedState::kMaxPastVotes, "bounded past votes");
}

PersistedState BftEngine::snapshot() const {
  return PersistedState{height_,       round_,       step_,          locked_round_,
                        locked_value_, valid_round_, valid_value_,   valid_pol_,
                        own_proposal_, own_prevote_, own_precommit_, past_votes_};
}

// --- the upon-rules ---------------------------------------------------------------

void BftEngine::run_rules() {
  // Each rule's guard only becomes true through a message, a timeout or a
  // state change; fire rules until none does. Every firing advances
  // (round, step) or sets a per-round flag, so this terminates.
  for (int guard = 0; started_ && !decided_; ++guard) {
    WATTLE_ASSERT(guard < 1'000'000, "every rule firing advances the state, so this terminates");
    bool fired = rule_49_decide();
    if (decided_) break;
    fired = rule_55_round_skip() || fired;
    fired = rule_22_28_prevote_on_proposal() || fired;
    fired = rule_34_prevote_timeout() || fired;
    fired = rule_36_lock_and_precommit() || fired;
    fired = rule_44_precommit_nil() || fired;
    fired = rule_47_precommit_timeout() || fired;
    if (!fired) break;
  }
}

// Lines 22-27 and 28-33: prevote on the proposal of this round.
bool BftEngine::rule_22_28_prevote_on_proposal() {
  if (step_ != Step::kPropose) return false;
  auto it = log_.find(round_);
  if (it == log_.end()) return false;
  const bool ignore_lock = mutation_ == Mutation::kNoLock;
  for (auto& sp : it->second.proposals) {
    const Proposal& p = sp.proposal;
    const Hash256& id = p.value.id;
    const bool locked_on_v = locked_value_ && locked_value_->id == id;
    bool accept = false;
    if (p.valid_round == -1) {
      // Line 22: ⟨PROPOSAL, h_p, round_p, v, -1⟩ while step_p = propose.
      // Line 23: valid(v) ∧ (lockedRound_p = -1 ∨ lockedValue_p = v).
      accept = is_valid(sp) && (ignore_lock || locked_round_ == -1 || locked_on_v);
    } else {
      // Line 28: ⟨PROPOSAL, h_p, round_p, v, vr⟩ ∧ 2f+1 ⟨PREVOTE, h_p, vr, id(v)⟩,
      // 0 <= vr < round_p (checked on receipt).
      // (The trust-valid-round mutation takes vr on the proposer's word.)
      if (mutation_ != Mutation::kTrustValidRound) {
        auto pol = log_.find(static_cast<uint32_t>(p.valid_round));
        if (pol == log_.end()) continue;
        if (!prevote_quorum(pol->second.prevotes.power_for(id))) continue;
      }
      // Line 29: valid(v) ∧ (lockedRound_p <= vr ∨ lockedValue_p = v).
      accept = is_valid(sp) && (ignore_lock || locked_round_ <= p.valid_round || locked_on_v);
    }
    // Lines 24/26 and 30/32: prevote id(v) or nil; lines 27/33: step_p <- prevote.
    sign_and_broadcast_vote(VoteType::kPrevote, accept ? std::optional<Hash256>(id) : std::nullopt);
    step_ = Step::kPrevote;
    return true;
  }
  return false;
}

// Lines 34-35: 2f+1 prevotes (any values) while step_p = prevote, first time:
// schedule OnTimeoutPrevote.
bool BftEngine::rule_34_prevote_timeout() {
  if (step_ != Step::kPrevote) return false;
  auto it = log_.find(round_);
  if (it == log_.end() || it->second.rule34_fired || !prevote_quorum(it->second.prevotes.total))
    return false;
  it->second.rule34_fired = true;
  schedule(TimeoutStep::kPrevote, config_.timeouts.prevote(round_));
  return true;
}

// Lines 36-43: proposal v of this round with 2f+1 prevotes for id(v), valid(v),
// step_p >= prevote, first time: lock (if still at prevote) and precommit,
// and in any case remember v as the valid value.
bool BftEngine::rule_36_lock_and_precommit() {
  if (step_ == Step::kPropose) return false;
  auto it = log_.find(round_);
  if (it == log_.end() || it->second.rule36_fired) return false;
  RoundLog& rl = it->second;
  for (auto& sp : rl.proposals) {
    if (!prevote_quorum(rl.prevotes.power_for(sp.proposal.value.id)) || !is_valid(sp)) continue;
    rl.rule36_fired = true;
    const Value v = sp.proposal.value;
    if (step_ == Step::kPrevote) {                          // line 37
      locked_value_ = v;                                    // line 38
      locked_round_ = round_;                               // line 39
      sign_and_broadcast_vote(VoteType::kPrecommit, v.id);  // line 40
      step_ = Step::kPrecommit;                             // line 41
    }
    valid_value_ = v;       // line 42
    valid_round_ = round_;  // line 43
    valid_pol_ = rl.prevotes.votes_for(v.id);
    dirty_ = true;
    return true;
  }
  return false;
}

// Lines 44-46: 2f+1 prevotes for nil while step_p = prevote: precommit nil.
bool BftEngine::rule_44_precommit_nil() {
  if (step_ != Step::kPrevote) return false;
  auto it = log_.find(round_);
  if (it == log_.end()) return false;
  if (!prevote_quorum(it->second.prevotes.power_for(std::nullopt))) return false;
  if (mutation_ == Mutation::kUnlockOnNil && locked_round_ >= 0 && round_ > locked_round_) {
    locked_value_.reset();  // the pre-2018 rule: a nil polka after the lock unlocks
    locked_round_ = -1;
    dirty_ = true;
  }
  sign_and_broadcast_vote(VoteType::kPrecommit, std::nullopt);  // line 45
  step_ = Step::kPrecommit;                                     // line 46
  return true;
}

// Lines 47-48: 2f+1 precommits (any values) for the first time: schedule
// OnTimeoutPrecommit.
bool BftEngine::rule_47_precommit_timeout() {
  auto it = log_.find(round_);
  if (it == log_.end() || it->second.rule47_fired || !quorum(it->second.precommits.total))
    return false;
  it->second.rule47_fired = true;
  schedule(TimeoutStep::kPrecommit, config_.timeouts.precommit(round_));
  return true;
}

// Lines 49-54: a proposal v of ANY round r with 2f+1 precommits for id(v) at r
// while decision_p[h_p] = nil: if valid(v), decide v (lines 52-54 run in
// on_block_executed, once the host has executed and stored the block).
bool BftEngine::rule_49_decide() {
  for (auto& [r, rl] : log_) {
    for (auto& sp : rl.proposals) {
      const Hash256& id = sp.proposal.value.id;
      if (!quorum(rl.precommits.power_for(id)) || !is_valid(sp)) continue;
      decide(sp.proposal.value,
             make_certificate(set_, height_, r, id, rl.precommits.votes_for(id)));
      return true;
    }
  }
  return false;
}

// Lines 55-56: f+1 messages (by power) of a round r > round_p: StartRound(r).
// More than 1/3 of the power means at least one correct validator is there
// already. We jump to the highest such round.
bool BftEngine::rule_55_round_skip() {
  for (auto it = log_.rbegin(); it != log_.rend() && it->first > round_; ++it) {
    if (set_.is_one_third(it->second.sender_power)) {
      start_round(it->first);
      return true;
    }
  }
  return false;
}

}  // namespace wattle::consensus::bft
