// Quorum arithmetic with uneven powers, signatures bound to chain/height/
// round/type, canonical codecs, certificates, evidence, crash-restart and
// catch-up of the BFT engine.
#include "bft_harness.h"

namespace wattle::consensus::bft::testing {
namespace {

const Value A = value_named("block-A");
const Value B = value_named("block-B");
constexpr auto kPrevote = VoteType::kPrevote;
constexpr auto kPrecommit = VoteType::kPrecommit;

TEST(Quorum, UnevenPowersUseIntegerThirds) {
  ValidatorSet s = make_set({3, 1, 1, 1});  // total 6
  EXPECT_FALSE(s.is_two_thirds(4));         // 12 > 12 is false: exactly 2/3 is not enough
  EXPECT_TRUE(s.is_two_thirds(5));
  EXPECT_FALSE(s.is_one_third(2));  // exactly 1/3 is not more than 1/3
  EXPECT_TRUE(s.is_one_third(3));
  EXPECT_EQ(s.max_faulty_power(), 1u);  // the power-3 validator alone is too much
  EXPECT_FALSE(s.is_half(3));
  EXPECT_TRUE(s.is_half(4));

  ValidatorSet t = make_set({40, 30, 20, 10});  // total 100
  EXPECT_FALSE(t.is_two_thirds(66));
  EXPECT_TRUE(t.is_two_thirds(67));
  EXPECT_FALSE(t.is_one_third(33));
  EXPECT_TRUE(t.is_one_third(34));
  EXPECT_EQ(t.max_faulty_power(), 33u);

  ValidatorSet e = make_set({1, 1, 1, 1});
  EXPECT_FALSE(e.is_two_thirds(2));
  EXPECT_TRUE(e.is_two_thirds(3));
  EXPECT_TRUE(e.is_one_third(2));
  EXPECT_EQ(e.max_faulty_power(), 1u);
}

TEST(Quorum, LargePowersDoNotOverflow) {
  const uint64_t big = ValidatorSet::kMaxTotalPower / 3;
  ValidatorSet s = make_set({big, big, big});
  EXPECT_TRUE(s.is_two_thirds(3 * big));
  EXPECT_FALSE(s.is_two_thirds(2 * big));
  EXPECT_TRUE(s.is_two_thirds(2 * big + 1));
  std::vector<Validator> over = {{key_of(0).public_key(), ValidatorSet::kMaxTotalPower},
                                 {key_of(1).public_key(), 1}};
  EXPECT_FALSE(ValidatorSet::create(over).is_ok());
  EXPECT_FALSE(ValidatorSet::create({{key_of(0).public_key(), 0}}).is_ok());
  EXPECT_FALSE(
      ValidatorSet::create({{key_of(0).public_key(), 1}, {key_of(0).public_key(), 1}}).is_ok());
}

TEST(Quorum, EngineCountsPowerNotHeads) {
  Harness h({3, 1, 1, 1}, 1);  // we are validator 1 (power 1), proposer of round 0
  h.engine->start(1);
  h.engine->on_value_ready(1, 0, A);  // we prevote A: power 1
  Out o = h.deliver(h.vote(2, kPrevote, 0, A.id));
  o = h.deliver(h.vote(3, kPrevote, 0, A.id));  // three heads, 3 of 6: no quorum
  EXPECT_FALSE(o.vote(kPrecommit));
  o = h.deliver(h.vote(0, kPrevote, 0, A.id));  // 6 of 6
  ASSERT_TRUE(o.vote(kPrecommit));
  // f + 1 by power: the power-3 validator alone moves us to its round.
  Harness g({3, 1, 1, 1}, 1);
  g.engine->start(1);
  g.deliver(g.vote(0, kPrevote, 5, std::nullopt));
  EXPECT_EQ(g.engine->round(), 5u);
}

TEST(Signatures, BoundToChainHeightRoundAndType) {
  ValidatorSet s = make_set({1, 1, 1, 1});
  Vote v = sign_vote(kChain, key_of(1), 1, kPrevote, 7, 2, A.id);
  EXPECT_TRUE(verify_vote(kChain, s, v).is_ok());
  EXPECT_FALSE(verify_vote("other-chain", s, v).is_ok());
  Vote w = v;
  w.round = 3;
  EXPECT_FALSE(verify_vote(kChain, s, w).is_ok());
  w = v;
  w.height = 8;
  EXPECT_FALSE(verify_vote(kChain, s, w).is_ok());
  w = v;
  w.type = kPrecommit;
  EXPECT_FALSE(verify_vote(kChain, s, w).is_ok());
  w = v;
  w.value_id = std::nullopt;
  EXPECT_FALSE(verify_vote(kChain, s, w).is_ok());
  w = v;
  w.validator = 2;
  EXPECT_FALSE(verify_vote(kChain, s, w).is_ok());
  Proposal p = sign_proposal(kChain, key_of(s.proposer(7, 2)), s.proposer(7, 2), 7, 2, A, 1);
  EXPECT_TRUE(verify_proposal(kChain, s, p).is_ok());
  p.valid_round = 0;
  EXPECT_FALSE(verify_proposal(kChain, s, p).is_ok());
}

TEST(Codec, MessagesRoundTripAndRejectNonCanonical) {
  ValidatorSet s = make_set({1, 1, 1, 1});
  Vote v = sign_vote(kChain, key_of(1), 1, kPrecommit, 7, 2, std::nullopt);
  Bytes b = encode_message(v);
  auto back = decode_message(b);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(std::get<Vote>(*back), v);
  Bytes trailing = b;
  trailing.push_back(0);
  EXPECT_FALSE(decode_message(trailing).is_ok());
  Bytes bad_kind = b;
  bad_kind[0] = 9;
  EXPECT_FALSE(decode_message(bad_kind).is_ok());
  Bytes bad_type = b;
  bad_type[1] = 2;  // vote type out of range
  EXPECT_FALSE(decode_message(bad_type).is_ok());

  ProposalMessage pm{sign_proposal(kChain, key_of(3), 3, 7, 3, A, 1),
                     {sign_vote(kChain, key_of(0), 0, kPrevote, 7, 1, A.id)}};
  auto pb = decode_message(encode_message(pm));
  ASSERT_TRUE(pb.is_ok());
  EXPECT_EQ(std::get<ProposalMessage>(*pb).proof_of_lock.size(), 1u);
  EXPECT_EQ(encode_message(*pb), encode_message(pm));

  CommitCertificate c{7, 2, A.id, {}, {{2, {}}, {1, {}}}};  // unsorted signers
  EXPECT_FALSE(decode_exact<CommitCertificate>(encode_to_bytes(c)).is_ok());
}

TEST(Certificate, VerifiesFromValidatorSetAlone) {
  ValidatorSet s = make_set({3, 1, 1, 1});
  auto pc = [&](NodeIndex i) { return sign_vote(kChain, key_of(i), i, kPrecommit, 4, 1, A.id); };
  CommitCertificate ok = make_certificate(s, 4, 1, A.id, {pc(2), pc(0), pc(1)});  // 5 of 6
  EXPECT_TRUE(verify_certificate(kChain, s, ok).is_ok());
  auto back = decode_exact<CommitCertificate>(encode_to_bytes(ok));
  ASSERT_TRUE(back.is_ok());
  EXPECT_TRUE(verify_certificate(kChain, s, *back).is_ok());
  // 4 of 6 is exactly 2/3: not enough.
  EXPECT_FALSE(
      verify_certificate(kChain, s, make_certificate(s, 4, 1, A.id, {pc(0), pc(1)})).is_ok());
  // Three light validators: 3 of 6.
  EXPECT_FALSE(verify_certificate(kChain, s, make_certificate(s, 4, 1, A.id, {pc(1), pc(2), pc(3)}))
                   .is_ok());
  // Same signatures claimed for another value or round.
  CommitCertificate other = ok;
  other.value_id = B.id;
  EXPECT_FALSE(verify_certificate(kChain, s, other).is_ok());
  other = ok;
  other.round = 2;
  EXPECT_FALSE(verify_certificate(kChain, s, other).is_ok());
  // Duplicated signer cannot double its power.
  other = ok;
  other.signatures = {ok.signatures[0], ok.signatures[0]};
  EXPECT_FALSE(verify_certificate(kChain, s, other).is_ok());
  // The certificate names its set: the same signatures against another set
  // (here the same keys with other powers) do not verify.
  ValidatorSet changed = make_set({3, 1, 1, 2});
  EXPECT_EQ(verify_certificate(kChain, changed, ok).code(), Code::kUnauthorized);
  // A signer index outside the set.
  other = ok;
  other.signatures.push_back({9, ok.signatures[0].signature});
  EXPECT_FALSE(verify_certificate(kChain, s, other).is_ok());
}

TEST(Evidence, ConflictingProposalsBecomeVerifiableEvidence) {
  Harness h;
  h.engine->start(1);
  Out first = h.deliver(h.proposal(0, A));
  EXPECT_TRUE(first.proposal_evidence.empty());
  Out second = h.deliver(h.proposal(0, B));  // proposer(1, 0) signs another value
  ASSERT_EQ(second.proposal_evidence.size(), 1u);
  const ProposalEvidence& ev = second.proposal_evidence[0];
  EXPECT_TRUE(verify_proposal_evidence(kChain, h.set, ev).is_ok());
  EXPECT_TRUE(verify_any_evidence(kChain, h.set, AnyEvidence{ev}).is_ok());
  EXPECT_EQ(accused(AnyEvidence{ev}), h.set.proposer(1, 0));
  auto back = decode_evidence(encode_evidence(AnyEvidence{ev}));
  ASSERT_TRUE(back.is_ok());
  ASSERT_TRUE(std::holds_alternative<ProposalEvidence>(*back));
  // Reported once per (proposer, round); a re-sent copy is no evidence.
  EXPECT_TRUE(h.deliver(h.proposal(0, A, -1)).proposal_evidence.empty());
  // Same value, other valid round: also two proposals.
  Harness g;
  g.engine->start(1);
  EXPECT_TRUE(g.deliver(g.proposal(2, A, -1)).proposal_evidence.empty());
  EXPECT_EQ(g.deliver(g.proposal(2, A, 1)).proposal_evidence.size(), 1u);
  // Not an evidence: not both from proposer(h, r), or not conflicting.
  EXPECT_FALSE(
      make_proposal_evidence(h.proposal(0, A).proposal, h.proposal(0, A).proposal).is_ok());
  EXPECT_FALSE(
      make_proposal_evidence(h.proposal(0, A).proposal, h.proposal(1, B).proposal).is_ok());
}

TEST(Evidence, ConflictingVotesBecomeVerifiableEvidence) {
  Harness h;
  h.engine->start(1);
  Out o = h.deliver(h.vote(2, kPrevote, 0, A.id));
  EXPECT_TRUE(o.evidence.empty());
  o = h.deliver(h.vote(2, kPrevote, 0, A.id));  // duplicate: not evidence
  EXPECT_TRUE(o.evidence.empty());
  o = h.deliver(h.vote(2, kPrevote, 0, B.id));
  ASSERT_EQ(o.evidence.size(), 1u);
  const Evidence& ev = o.evidence[0];
  EXPECT_TRUE(verify_evidence(kChain, h.set, ev).is_ok());
  EXPECT_EQ(ev.first.validator, 2u);
  o = h.deliver(h.vote(2, kPrevote, 0, std::nullopt));  // reported once per (v, h, r, type)
  EXPECT_TRUE(o.evidence.empty());
  // Not evidence: different rounds, or different types, or a forged signature.
  EXPECT_FALSE(make_evidence(h.vote(2, kPrevote, 0, A.id), h.vote(2, kPrevote, 1, B.id)).is_ok());
  EXPECT_FALSE(make_evidence(h.vote(2, kPrevote, 0, A.id), h.vote(2, kPrecommit, 0, B.id)).is_ok());
  Vote forged = h.vote(2, kPrevote, 0, B.id);
  forged.signature = h.vote(3, kPrevote, 0, B.id).signature;
  auto fake = make_evidence(h.vote(2, kPrevote, 0, A.id), forged);
  ASSERT_TRUE(fake.is_ok());
  EXPECT_FALSE(verify_evidence(kChain, h.set, *fake).is_ok());
  // The first vote keeps counting; the conflicting one does not.
  h.deliver(h.proposal(0, A));  // we prevote A: A has 2 (us, 2)
  o = h.deliver(h.vote(3, kPrevote, 0, A.id));
  EXPECT_TRUE(o.vote(kPrecommit));
}

TEST(CrashRestart, RestoredEngineNeverResignsDifferently) {
  Bytes persisted;
  Vote prevote;
  Harness h;
  h.engine->start(1);
  Out o = h.deliver(h.proposal(0, A));
  ASSERT_TRUE(o.vote(kPrevote));
  prevote = *o.vote(kPrevote);
  for (const auto& a : o.actions)
    if (auto* p = std::get_if<PersistBeforeSend>(&a)) persisted = p->state;
  ASSERT_FALSE(persisted.empty());
  ASSERT_TRUE(o.persist_first);

  // Restart from the persisted bytes: same round and step, the same signed
  // prevote is re-sent, and the propose timeout cannot make a nil prevote.
  Harness r({1, 1, 1, 1}, 0, persisted);
  Out s = read(r.engine->start(1));
  EXPECT_EQ(r.engine->round(), 0u);
  EXPECT_EQ(r.engine->step(), Step::kPrevote);
  ASSERT_TRUE(s.vote(kPrevote));
  EXPECT_EQ(*s.vote(kPrevote), prevote);
  Out t = r.timeout(TimeoutStep::kPropose, 0);
  EXPECT_TRUE(t.votes.empty());
  // Locks survive too (the proposal must be heard again: logs are not persisted).
  r.deliver(r.proposal(0, A));
  Out u = r.votes({1, 2}, kPrevote, 0, A.id);
  ASSERT_TRUE(u.vote(kPrecommit));
  for (const auto& a : u.actions)
    if (auto* p = std::get_if<PersistBeforeSend>(&a)) persisted = p->state;
  Harness q({1, 1, 1, 1}, 0, persisted);
  q.engine->start(1);
  EXPECT_EQ(q.engine->locked_round(), 0);
  EXPECT_EQ(q.engine->locked_value()->id, A.id);
  EXPECT_EQ(q.engine->step(), Step::kPrecommit);
  // A state from an older height is ignored: the host already committed it.
  Harness n({1, 1, 1, 1}, 0, persisted);
  n.engine->start(2);
  EXPECT_EQ(n.engine->height(), 2u);
  EXPECT_EQ(n.engine->locked_round(), -1);
  // Garbage is corruption, not a silent fresh start.
  TestApp app;
  EXPECT_FALSE(BftEngine::create(BftConfig{kChain, make_set({1, 1, 1, 1}), test_timeouts()},
                                 key_of(0), app, Bytes{1, 2, 3})
                   .is_ok());
}

TEST(CatchUp, LaggardReceivesDecisionWithCertificate) {
  Harness h;
  h.engine->start(1);
  h.deliver(h.proposal(0, A));
  h.votes({1, 2}, kPrevote, 0, A.id);
  Out o = h.votes({1, 2}, kPrecommit, 0, A.id);
  ASSERT_EQ(o.commits.size(), 1u);
  h.engine->on_block_executed(1);
  // Validator 3 is still at height 1: its prevote there earns it the decision.
  o = h.deliver(h.vote(3, kPrevote, 0, std::nullopt));
  ASSERT_EQ(o.sends.size(), 1u);
  EXPECT_EQ(o.sends[0].to, 3u);
  Harness lag({1, 1, 1, 1}, 3);
  lag.engine->start(1);
  Out l = read(lag.engine->on_message(0, o.sends[0].message));
  ASSERT_EQ(l.commits.size(), 1u);
  EXPECT_EQ(l.commits[0].value.id, A.id);
  // Messages for the next height are buffered and replayed.
  Harness f;
  f.engine->start(1);
  Out early = f.deliver(f.proposal(0, B, -1, {}, 2));  // we are still at height 1
  EXPECT_TRUE(early.votes.empty());
  f.deliver(f.proposal(0, A));
  f.votes({1, 2}, kPrevote, 0, A.id);
  f.votes({1, 2}, kPrecommit, 0, A.id);
  Out next = read(f.engine->on_block_executed(1));
  ASSERT_TRUE(next.vote(kPrevote));  // the buffered height-2 proposal was replayed
  EXPECT_EQ(next.vote(kPrevote)->height, 2u);
  EXPECT_EQ(next.vote(kPrevote)->value_id, B.id);
}

}  // namespace
}  // namespace wattle::consensus::bft::testing
