// Value integrity (a value's bytes must hash to its id before the engine
// stores a proposal or a decision) and the gossip duty towards validators
// left behind in an older round of our height (a deadlock found once by the simulator).
#include "bft_harness.h"

namespace wattle::consensus::bft::testing {
namespace {

const Value A = value_named("block-A");
constexpr auto kPrevote = VoteType::kPrevote;
constexpr auto kPrecommit = VoteType::kPrecommit;

Value altered(Value v) {
  v.data.push_back('!');  // same id, other bytes: what a relay could swap in
  return v;
}

Bytes last_persisted(const Out& o) {
  Bytes out;
  for (const auto& a : o.actions)
    if (auto* p = std::get_if<PersistBeforeSend>(&a)) out = p->state;
  return out;
}

TEST(ValueIntegrity, ProposalWithAlteredBytesIsDropped) {
  Harness h;
  h.engine->start(1);
  // Correctly signed by proposer(1, 0) (the signature covers the id only),
  // but the bytes are not the block the id names: no prevote, nothing stored.
  Out o = h.deliver(h.proposal(0, altered(A)));
  EXPECT_TRUE(o.votes.empty());
  EXPECT_EQ(h.engine->step(), Step::kPropose);
  // 2f+1 prevotes for the id cannot lock the engine on the altered bytes either.
  h.votes({1, 2, 3}, kPrevote, 0, A.id);
  EXPECT_EQ(h.engine->locked_round(), -1);
  // The intact proposal is taken as usual.
  Out ok = h.deliver(h.proposal(0, A));
  ASSERT_TRUE(ok.vote(kPrecommit));
  EXPECT_EQ(h.engine->locked_value()->data, A.data);
}

TEST(ValueIntegrity, DecisionWithAlteredBytesIsIgnored) {
  Harness h;
  h.engine->start(1);
  std::vector<Vote> precommits;
  for (NodeIndex i : {1, 2, 3}) precommits.push_back(h.vote(i, kPrecommit, 0, A.id));
  const CommitCertificate cert = make_certificate(h.set, 1, 0, A.id, precommits);
  ASSERT_TRUE(verify_certificate(kChain, h.set, cert).is_ok());
  Out bad = read(h.engine->on_message(1, encode_message(DecisionMessage{altered(A), cert})));
  EXPECT_TRUE(bad.commits.empty());
  EXPECT_FALSE(h.engine->decided());
  Out good = read(h.engine->on_message(1, encode_message(DecisionMessage{A, cert})));
  ASSERT_EQ(good.commits.size(), 1u);
  EXPECT_EQ(good.commits[0].value.data, A.data);
}

TEST(ValueIntegrity, HostSuppliesTheHasher) {
  // A ledger whose block id is not BLAKE2b of all the bytes (here: of the
  // bytes after a 1-byte header) plugs in its own hasher.
  struct SkipFirstByte final : ValueHasher {
    Hash256 id_of(ByteView data) const override {
      return blake2b256(data.empty() ? data : data.subspan(1));
    }
  } hasher;
  Value v;
  v.data = {'H', 'b', 'l', 'k'};
  v.id = hasher.id_of(v.data);
  TestApp app;
  BftConfig config{kChain, make_set({1, 1, 1, 1}), test_timeouts()};
  config.value_hasher = &hasher;
  auto e = BftEngine::create(config, key_of(0), app);
  ASSERT_TRUE(e.is_ok());
  (*e)->start(1);
  const NodeIndex p = config.validators.proposer(1, 0);
  Out o = read((*e)->on_message(
      p, encode_message(ProposalMessage{sign_proposal(kChain, key_of(p), p, 1, 0, v, -1), {}})));
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_EQ(o.vote(kPrevote)->value_id, v.id);
}

// A deadlock the simulator once found (seed 99006825): validator 0 precommits in round
// 0, moves to round 1, crashes and restarts there. Peers still in round 0
// wait for its round-0 precommit, which was lost. The restarted engine must
// still hold it (persisted) and send it to any peer it sees in round 0,
// together with the other votes of that round it holds.
TEST(Gossip, RestartedValidatorResendsItsVotesOfAnOlderRound) {
  Harness h;
  h.engine->start(1);
  h.timeout(TimeoutStep::kPropose, 0);  // prevote nil
  h.votes({1, 2}, kPrevote, 0, std::nullopt);
  // 2f+1 nil prevotes already made it precommit nil (rule 44).
  h.votes({1, 2}, kPrecommit, 0, std::nullopt);
  Out next = h.timeout(TimeoutStep::kPrecommit, 0);
  ASSERT_EQ(h.engine->round(), 1u);
  const Bytes persisted = last_persisted(next);
  ASSERT_FALSE(persisted.empty());

  Harness r({1, 1, 1, 1}, 0, persisted);  // crash, restart in round 1
  r.engine->start(1);
  ASSERT_EQ(r.engine->round(), 1u);
  // Validator 3, still in round 0, re-sends its own prevote there.
  Out help = r.deliver(r.vote(3, kPrevote, 0, std::nullopt));
  bool own_prevote = false, own_precommit_sent = false;
  for (const Send& s : help.sends) {
    EXPECT_EQ(s.to, 3u);
    auto m = decode_message(s.message);
    ASSERT_TRUE(m.is_ok());
    if (auto* v = std::get_if<Vote>(&*m); v && v->validator == 0 && v->round == 0) {
      own_prevote = own_prevote || v->type == kPrevote;
      own_precommit_sent = own_precommit_sent || v->type == kPrecommit;
      EXPECT_FALSE(v->value_id.has_value());  // the nil it signed then, not a new vote
    }
  }
  EXPECT_TRUE(own_prevote);
  EXPECT_TRUE(own_precommit_sent);
  // Once per (peer, round) until our round or rebroadcast tick changes.
  EXPECT_TRUE(r.deliver(r.vote(3, kPrevote, 0, std::nullopt)).sends.empty());
}

}  // namespace
}  // namespace wattle::consensus::bft::testing
