// Test harness for hand-built message sequences against one BftEngine.
#pragma once

#include <gtest/gtest.h>

#include <set>

#include "consensus/bft/bft_engine.h"

namespace wattle::consensus::bft::testing {

inline const char* kChain = "wattle-test";

inline KeyPair key_of(NodeIndex i) {
  return KeyPair::from_label("bft-test-validator-" + std::to_string(i));
}

inline ValidatorSet make_set(const std::vector<uint64_t>& powers) {
  std::vector<Validator> vs;
  for (size_t i = 0; i < powers.size(); ++i)
    vs.push_back({key_of(static_cast<NodeIndex>(i)).public_key(), powers[i]});
  auto set = ValidatorSet::create(vs);
  EXPECT_TRUE(set.is_ok());
  return std::move(*set);
}

inline Value value_named(std::string_view name) {
  Value v;
  v.data.assign(name.begin(), name.end());
  v.id = blake2b256(v.data);
  return v;
}

// valid(v): everything except values whose data starts with "bad".
class TestApp final : public ValueValidator {
 public:
  bool validate(uint64_t, const Value& v) override {
    return !(v.data.size() >= 3 && v.data[0] == 'b' && v.data[1] == 'a' && v.data[2] == 'd');
  }
};

inline TimeoutConfig test_timeouts() {
  TimeoutConfig t;
  t.propose_ms = 100;
  t.propose_delta_ms = 10;
  t.prevote_ms = 50;
  t.prevote_delta_ms = 5;
  t.precommit_ms = 60;
  t.precommit_delta_ms = 6;
  t.rebroadcast_ms = 1000;
  t.rebroadcast_delta_ms = 0;
  return t;
}

// Decoded view of an action batch.
struct Out {
  Actions actions;
  std::vector<Vote> votes;
  std::vector<ProposalMessage> proposals;
  std::vector<Timeout> timeouts;
  std::vector<Commit> commits;
  std::vector<Evidence> evidence;
  std::vector<ProposalEvidence> proposal_evidence;
  std::vector<Send> sends;
  std::vector<RequestValue> requests;
  int persists = 0;
  bool persist_first = false;  // a PersistBeforeSend precedes every Broadcast

  std::optional<Vote> vote(VoteType t) const {
    for (const auto& v : votes)
      if (v.type == t) return v;
    return std::nullopt;
  }
  bool has_timeout(TimeoutStep s) const {
    for (const auto& t : timeouts)
      if (t.step == s) return true;
    return false;
  }
};

inline Out read(Actions actions) {
  Out o;
  bool seen_persist = false;
  o.persist_first = true;
  for (const auto& a : actions) {
    if (auto* b = std::get_if<Broadcast>(&a)) {
      if (!seen_persist) o.persist_first = false;
      auto m = decode_message(b->message);
      EXPECT_TRUE(m.is_ok());
      if (auto* v = std::get_if<Vote>(&*m)) o.votes.push_back(*v);
      if (auto* p = std::get_if<ProposalMessage>(&*m)) o.proposals.push_back(*p);
    } else if (auto* t = std::get_if<ScheduleTimeout>(&a)) {
      o.timeouts.push_back(t->timeout);
    } else if (auto* c = std::get_if<Commit>(&a)) {
      o.commits.push_back(*c);
    } else if (auto* e = std::get_if<EvidenceFound>(&a)) {
      auto ev = decode_evidence(e->evidence);
      EXPECT_TRUE(ev.is_ok());
      if (auto* v = std::get_if<Evidence>(&*ev)) o.evidence.push_back(*v);
      if (auto* p = std::get_if<ProposalEvidence>(&*ev)) o.proposal_evidence.push_back(*p);
    } else if (std::get_if<PersistBeforeSend>(&a)) {
      seen_persist = true;
      ++o.persists;
    } else if (auto* s = std::get_if<Send>(&a)) {
      o.sends.push_back(*s);
    } else if (auto* r = std::get_if<RequestValue>(&a)) {
      o.requests.push_back(*r);
    }
  }
  o.actions = std::move(actions);
  return o;
}

// One engine under test (validator `self`) plus signing helpers for the others.
struct Harness {
  explicit Harness(std::vector<uint64_t> powers = {1, 1, 1, 1}, NodeIndex self = 0,
                   Bytes persisted = {})
      : set(make_set(powers)), self(self) {
    auto e =
        BftEngine::create(BftConfig{kChain, set, test_timeouts()}, key_of(self), app, persisted);
    EXPECT_TRUE(e.is_ok()) << e.status().to_string();
    engine = std::move(*e);
  }

  Vote vote(NodeIndex who, VoteType t, uint32_t round, std::optional<Hash256> id,
            uint64_t height = 1) const {
    return sign_vote(kChain, key_of(who), who, t, height, round, id);
  }
  ProposalMessage proposal(uint32_t round, const Value& v, int64_t vr = -1,
                           std::vector<Vote> pol = {}, uint64_t height = 1) const {
    NodeIndex p = set.proposer(height, round);
    return {sign_proposal(kChain, key_of(p), p, height, round, v, vr), std::move(pol)};
  }
  Out deliver(const Vote& v) { return read(engine->on_message(v.validator, encode_message(v))); }
  Out deliver(const ProposalMessage& p) {
    return read(engine->on_message(p.proposal.proposer, encode_message(p)));
  }
  // Prevotes (or precommits) from each of `who` for `id`.
  Out votes(std::vector<NodeIndex> who, VoteType t, uint32_t round, std::optional<Hash256> id) {
    Out last;
    for (NodeIndex w : who) last = deliver(vote(w, t, round, id));
    return last;
  }
  Out timeout(TimeoutStep s, uint32_t round, uint64_t height = 1) {
    TimeoutConfig tc = test_timeouts();
    uint64_t d = s == TimeoutStep::kPropose   ? tc.propose(round)
                 : s == TimeoutStep::kPrevote ? tc.prevote(round)
                                              : tc.precommit(round);
    return read(engine->on_timeout(Timeout{height, round, s, d}));
  }

  TestApp app;
  ValidatorSet set;
  NodeIndex self;
  std::unique_ptr<BftEngine> engine;
};

}  // namespace wattle::consensus::bft::testing
