// The light client across validator-set changes (docs/staking.md, "The light
// client"): a hand-made pos chain whose set changes twice, every block
// certified by the set in force at its height, and the answers a node gives
// (account proof, set changes, blocks) built from its state at each height.
// An account proven after both changes verifies; a forged set, a certificate
// by the old set after a change, a missing proof or a skipped change is
// refused naming the failed link.
#include <gtest/gtest.h>

#include "consensus/bft/messages.h"
#include "node/chain_consensus.h"
#include "node/light_client.h"
#include "node/set_change_log.h"
#include "rpc/json_view.h"
#include "staking/staking_harness.h"

namespace wattle::node {
namespace {

using namespace ::wattle::staking_test;
using nlohmann::json;

// Every key that signs in this chain, by its public key.
std::map<PublicKey, KeyPair> signers() {
  std::map<PublicKey, KeyPair> m;
  for (int i = 0; i < 2; ++i) m.emplace(val_key(i).public_key(), val_key(i));
  m.emplace(cons_key(0).public_key(), cons_key(0));
  return m;
}

json proven(const State& s, const StateKey& key) {
  auto value = s.read(key);
  auto proof = s.prove(key);
  EXPECT_TRUE(value.is_ok() && value->has_value() && proof.is_ok());
  return {{"value", to_hex(**value)}, {"proof", to_hex(encode_to_bytes(*proof))}};
}

class LightClientSets : public ::testing::Test {
 protected:
  LightClientSets() : c_(params_for(ConsensusKind::kPos), {10, 10}) {
    // Block 1: a new validator (effective 3); block 2: it bonds more (effective 4).
    next(c_.one(user_key(0), CreateValidator{cons_key(0).public_key(), Money(1500), 0}));
    change(1, 3);
    next(c_.one(user_key(0), Bond{Money(500)}));
    change(2, 4);
    for (int i = 0; i < 3; ++i) next(c_.block());  // 3..5: signed by the new sets
    auto proof = c_.state().prove(StateKey::account(user_addr(1)));
    EXPECT_TRUE(proof.is_ok());
    auto value = c_.state().read(StateKey::account(user_addr(1)));
    // Through text, as a client reads it off the wire.
    account_ = json::parse(
        rpc::account_proof_json(user_addr(1),
                                chain::HeadProof{c_.height(), c_.state().root(), *value, *proof})
            .dump());
  }

  // Records the header of the block just executed, certified by `signer`
  // (default: the set in force at its height).
  void next(const Status& executed,
            std::optional<consensus::bft::ValidatorSet> signer = std::nullopt) {
    ASSERT_TRUE(executed.is_ok()) << executed.to_string();
    ASSERT_TRUE(log_.on_committed(c_.state(), c_.height()).is_ok());
    chain::Block b;
    b.header.height = c_.height();
    b.header.prev_hash = prev_;
    b.header.time_ms = c_.genesis().genesis_time_ms + c_.height() * 1000;
    b.header.tx_root = blake2b256(as_bytes(std::string_view("txs")));
    b.header.state_root = c_.state().root();
    auto set = validator_set_at(c_.genesis(), c_.state(), c_.height());
    ASSERT_TRUE(set.is_ok());
    const consensus::bft::ValidatorSet& by = signer ? *signer : *set;
    b.header.proposer = set->at(0).key;
    b.certificate = certify(by, b.header);
    prev_ = b.header.hash();
    blocks_[c_.height()] = json::parse(rpc::block_header_json(b).dump());
  }

  Bytes certify(const consensus::bft::ValidatorSet& set, const chain::BlockHeader& h) {
    std::vector<consensus::bft::Vote> votes;
    for (consensus::NodeIndex i = 0; i < set.size(); ++i)
      votes.push_back(consensus::bft::sign_vote(kChain, keys_.at(set.at(i).key), i,
                                                consensus::bft::VoteType::kPrecommit, h.height, 0,
                                                h.hash()));
    return encode_to_bytes(consensus::bft::make_certificate(set, h.height, 0, h.hash(), votes));
  }

  // What GET /v1/validators/changes serves for the change recorded at `height`.
  void change(uint64_t height, uint64_t effective) {
    changes_.push_back({{"height", height},
                        {"effective", effective},
                        {"state_root", c_.state().root().hex()},
                        {"index", proven(c_.state(), modules::set_index_key())},
                        {"set", proven(c_.state(), modules::set_key(effective))}});
  }

  BlockFetcher fetch() {
    return [this](uint64_t h) -> Result<json> {
      auto it = blocks_.find(h);
      if (it == blocks_.end()) return Status(Code::kNotFound, "no block");
      return it->second;
    };
  }

  Result<uint64_t> verify(const json& changes) {
    auto sets = follow_set_changes(c_.genesis(), changes, fetch());
    if (!sets) return sets.status();
    return verify_account_answer(c_.genesis(), user_addr(1), account_, blocks_.at(c_.height()),
                                 &*sets);
  }

  static void expect_refused(const Result<uint64_t>& r, const std::string& link) {
    ASSERT_FALSE(r.is_ok()) << "verified, expected a refusal at " << link;
    EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().to_string();
    EXPECT_NE(r.status().message().find(link), std::string::npos) << r.status().to_string();
  }

  StakingChain c_;
  SetChangeLog log_{c_.genesis()};  // what a node serving this chain would list
  std::map<PublicKey, KeyPair> keys_ = signers();
  Hash256 prev_ = c_.genesis().block().header.hash();
  std::map<uint64_t, json> blocks_;
  json changes_ = json::array();
  json account_;
};

TEST_F(LightClientSets, ProofAfterTwoSetChangesVerifiesSequentiallyFromGenesis) {
  auto sets = follow_set_changes(c_.genesis(), changes_, fetch());
  ASSERT_TRUE(sets.is_ok()) << sets.status().to_string();
  ASSERT_EQ(sets->size(), 3u);  // genesis, 3, 4
  EXPECT_EQ(sets->at(3).size(), 3u);
  EXPECT_TRUE(sets->at(4).index_of(cons_key(0).public_key()).has_value());
  auto r = verify(changes_);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, 5u);
}

// The node's log takes the same proofs, right after each recording block.
TEST_F(LightClientSets, TheNodesSetChangeLogServesWhatTheClientFollows) {
  const json served = log_.changes()["changes"];
  EXPECT_EQ(served, changes_);
  auto r = verify(served);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, 5u);
  // A log that starts after the first change cannot prove it: not listed,
  // and a client given only what it lists is refused at the index.
  SetChangeLog late(c_.genesis());
  ASSERT_TRUE(late.on_committed(c_.state(), 5).is_ok());
  EXPECT_TRUE(late.changes()["changes"].empty());
}

TEST_F(LightClientSets, WithoutFollowingTheChangesAStakedChainIsRefused) {
  expect_refused(verify_account_answer(c_.genesis(), user_addr(1), account_, blocks_.at(5)),
                 "certificate");
  // The changes not given: block 5's proposer (the new validator, the
  // largest power) is in no set the client knows.
  expect_refused(verify(json::array()), "header: proposer is not in the set in force");
}

TEST_F(LightClientSets, AForgedSetIsRefusedAtTheSetProof) {
  // The node claims the new validator came in with power 50.
  modules::ValidatorSetRecord forged = c_.set_at(3);
  forged.validators[0].power = 50;
  changes_[0]["set"]["value"] = to_hex(encode_to_bytes(forged));
  expect_refused(verify(changes_), "set change at 1: set proof");
}

TEST_F(LightClientSets, ACertificateByTheOldSetAfterTheChangeIsRefused) {
  auto genesis_set = validator_set_at(c_.genesis(), c_.genesis().initial_state(), 1);
  ASSERT_TRUE(genesis_set.is_ok());
  // Block 5 re-signed by the two genesis validators (> 2/3 of the old set).
  json& b5 = blocks_.at(5);
  chain::BlockHeader h;
  h.height = 5;
  h.prev_hash = *Hash256::from_hex(b5["prev_hash"].get<std::string>());
  h.proposer = *PublicKey::from_hex(b5["proposer"].get<std::string>());
  h.time_ms = b5["time_ms"];
  h.tx_root = *Hash256::from_hex(b5["tx_root"].get<std::string>());
  h.evidence_root = *Hash256::from_hex(b5["evidence_root"].get<std::string>());
  h.state_root = *Hash256::from_hex(b5["state_root"].get<std::string>());
  h.tx_count = b5["tx_count"];
  b5["certificate"] = to_hex(certify(*genesis_set, h));
  expect_refused(verify(changes_), "certificate");
}

TEST_F(LightClientSets, AMissingProofOrASkippedChangeIsRefusedNamingTheLink) {
  json no_set = changes_;
  no_set[1].erase("set");
  expect_refused(verify(no_set), "set change at 2: set proof");
  json no_index = changes_;
  no_index[0].erase("index");
  expect_refused(verify(no_index), "set change at 1: index");
  // The first change left out: the index at block 2 names it.
  json skipped = json::array({changes_[1]});
  expect_refused(verify(skipped), "set change at 2: index");
  // The change's block not served.
  blocks_.erase(1);
  expect_refused(verify(changes_), "set change at 1: header");
}

}  // namespace
}  // namespace wattle::node
