// node::Replica, the consensus host, driven by a recording Env over an
// application with an in-memory RocksDB store: it commits through the
// application under both engines, makes every PersistBeforeSend durable
// before the messages after it leave, refuses a saved consensus state ahead
// of its block store, and block certificates are checked per engine.
#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include <map>

#include "chain/decode_counters.h"
#include "consensus/bft/messages.h"
#include "consensus/bft/persisted_state.h"
#include "ledger/ledger_test_util.h"
#include "modules/staking/staking_txs.h"
#include "node/chain_consensus.h"
#include "node/replica.h"

namespace wattle::node {
namespace {

using chain::EngineKind;
using chain::Genesis;
using consensus::Timeout;
using consensus::bft::PersistedState;
namespace lt = chain::testing;

// The world of one replica: a manual clock and timer list, a network that
// records what is sent (and what the store held at that moment).
class RecordingEnv final : public Env {
 public:
  uint64_t now_ms() override { return now; }
  void schedule(const Timeout& t) override { timers.emplace(now + t.delay_ms, t); }
  void send(consensus::NodeIndex to, Bytes message) override { record(std::move(message)); }
  void broadcast(Bytes message) override { record(std::move(message)); }
  void on_committed(const chain::CommitInfo& info, const consensus::Commit&) override {
    committed.push_back(info.header.height);
  }
  void on_halted(const Status& why) override { halted = why; }
  void on_evidence(ByteView evidence, const Status& pooled) override {
    evidence_seen.emplace_back(Bytes(evidence.begin(), evidence.end()), pooled);
  }

  // Fires timers in time order until `done` or none is left (at most `limit`).
  template <typename Done>
  void run(Replica& r, Done done, int limit = 10'000) {
    while (!timers.empty() && !done() && limit-- > 0) {
      auto it = timers.begin();
      now = std::max(now, it->first);
      Timeout t = it->second;
      timers.erase(it);
      r.on_timeout(t);
    }
  }

  chain::Application* app = nullptr;
  uint64_t now = 1'700'000'000'000;
  std::multimap<uint64_t, Timeout> timers;
  std::vector<Bytes> sent;
  std::vector<Bytes> state_at_send;  // the store's consensus state when each message left
  std::vector<uint64_t> committed;
  std::optional<Status> halted;
  std::vector<std::pair<Bytes, Status>> evidence_seen;

 private:
  void record(Bytes message) {
    state_at_send.push_back(*app->consensus_state());
    sent.push_back(std::move(message));
  }
};

class ReplicaTest : public ::testing::Test {
 protected:
  std::unique_ptr<chain::Application> open_app(const Genesis& g, chain::AppConfig config = {}) {
    chain::StoreOptions so;
    so.env = disk_.get();
    so.min_free_bytes = 0;
    auto store = chain::Store::open("/replica-test", so);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    auto app = chain::Application::open(g, std::move(*store), config);
    EXPECT_TRUE(app.is_ok()) << app.status().to_string();
    env_.app = app->get();
    return std::move(*app);
  }
  static Genesis bft_genesis(int validators) {
    Genesis g = lt::make_genesis(4, 1'000'000'000);
    g.engine = EngineKind::kBft;
    g.validators.clear();
    for (int i = 0; i < validators; ++i) g.validators.push_back({lt::user_key(i).public_key(), 1});
    return g;
  }

  std::unique_ptr<rocksdb::Env> disk_{rocksdb::NewMemEnv(rocksdb::Env::Default())};
  RecordingEnv env_;
};

TEST_F(ReplicaTest, SingleEngineCommitsTxsThroughTheApplication) {
  Genesis g = lt::make_genesis(2, 1'000'000'000);
  auto app = open_app(g);
  auto replica = Replica::open(*app, lt::user_key(0), env_);
  ASSERT_TRUE(replica.is_ok()) << replica.status().to_string();
  (*replica)->start();
  env_.run(
      **replica, [&] { return false; }, 20);
  EXPECT_EQ(app->head().height, 0u) << "no txs: no (empty) blocks under \"single\"";
  auto tx = lt::transfer_tx(lt::user_key(0), 0, lt::user_addr(1), 5'000);
  ASSERT_TRUE(app->check_tx(encode_to_bytes(tx)).status.is_ok());
  env_.run(**replica, [&] { return !env_.committed.empty(); });
  ASSERT_EQ(env_.committed, std::vector<uint64_t>{1});
  auto block = app->block(1);
  ASSERT_TRUE(block.is_ok());
  EXPECT_EQ(block->txs.size(), 1u);
  EXPECT_TRUE(verify_block_certificate(g, block->header, block->certificate).is_ok());
  EXPECT_TRUE(env_.sent.empty());
}

TEST_F(ReplicaTest, SingleEngineRefusesAKeyOutsideGenesis) {
  Genesis g = lt::make_genesis(2, 1'000'000'000);
  auto app = open_app(g);
  EXPECT_EQ(Replica::open(*app, lt::user_key(5), env_).status().code(), Code::kUnauthorized);
}

// One validator under BFT: its own quorum. Blocks come every block interval,
// empty or not, and each certificate verifies against the genesis set.
TEST_F(ReplicaTest, BftCommitsPacedBlocksWithVerifiableCertificates) {
  Genesis g = bft_genesis(1);
  auto app = open_app(g);
  auto replica = Replica::open(*app, lt::user_key(0), env_);
  ASSERT_TRUE(replica.is_ok()) << replica.status().to_string();
  auto tx = lt::transfer_tx(lt::user_key(0), 0, lt::user_addr(1), 5'000);
  ASSERT_TRUE(app->check_tx(encode_to_bytes(tx)).status.is_ok());
  const uint64_t start = env_.now;
  (*replica)->start();
  env_.run(**replica, [&] { return env_.committed.size() >= 3; });
  ASSERT_EQ(env_.committed, (std::vector<uint64_t>{1, 2, 3}));
  uint64_t txs = 0, prev_time = 0;
  for (uint64_t h = 1; h <= 3; ++h) {
    auto block = app->block(h);
    ASSERT_TRUE(block.is_ok());
    txs += block->txs.size();
    EXPECT_TRUE(verify_block_certificate(g, block->header, block->certificate).is_ok()) << h;
    if (h > 1) EXPECT_GE(block->header.time_ms, prev_time + g.block_interval_ms) << h;
    prev_time = block->header.time_ms;
  }
  EXPECT_EQ(txs, 1u);
  EXPECT_GE(env_.now - start, 2 * g.block_interval_ms);
  EXPECT_FALSE(env_.halted);
}

// What a validator signed never leaves before the store holds it: at every
// send, the saved state already names our proposal and votes of that round.
TEST_F(ReplicaTest, PersistBeforeSendIsDurableBeforeAnyMessageLeaves) {
  Genesis g = bft_genesis(4);
  auto set = validator_set(g);
  ASSERT_TRUE(set.is_ok());
  const consensus::NodeIndex proposer = set->at_height(1).proposer(1, 0);
  auto app = open_app(g);
  auto replica = Replica::open(*app, lt::user_key(static_cast<int>(proposer)), env_);
  ASSERT_TRUE(replica.is_ok()) << replica.status().to_string();
  env_.now += g.block_interval_ms;  // the first block is due at once
  (*replica)->start();
  env_.run(**replica, [&] { return env_.sent.size() > 40; });
  size_t own = 0;
  for (size_t k = 0; k < env_.sent.size(); ++k) {
    auto m = consensus::bft::decode_message(env_.sent[k]);
    ASSERT_TRUE(m.is_ok());
    ASSERT_FALSE(env_.state_at_send[k].empty()) << "message " << k << " left before any persist";
    auto saved = decode_exact<PersistedState>(env_.state_at_send[k]);
    ASSERT_TRUE(saved.is_ok());
    if (auto* p = std::get_if<consensus::bft::ProposalMessage>(&*m);
        p && p->proposal.proposer == proposer) {
      ++own;
      ASSERT_TRUE(saved->own_proposal.has_value());
      if (saved->round == p->proposal.round)
        EXPECT_EQ(encode_to_bytes(*saved->own_proposal), encode_to_bytes(p->proposal));
    } else if (auto* v = std::get_if<consensus::bft::Vote>(&*m); v && v->validator == proposer) {
      ++own;
      EXPECT_GE(saved->round, v->round);
      if (saved->round == v->round) {
        const auto& mine = v->type == consensus::bft::VoteType::kPrevote ? saved->own_prevote
                                                                         : saved->own_precommit;
        ASSERT_TRUE(mine.has_value());
        EXPECT_EQ(*mine, *v);
      }
    }
  }
  EXPECT_GT(own, 2u);  // it proposed and voted: the check above ran
}

// The follower path decodes a block once and hashes each tx once: the one
// validator's replica proposes and commits a block of transfers; a follower
// replica (a key outside the set, its own store) hears the validator's
// messages, and its engine checks the value's bytes against the id, its
// application validates, executes and commits the block, as in a node.
TEST_F(ReplicaTest, FollowerDecodesEachBlockOnceAndHashesEachTxOnce) {
  Genesis g = bft_genesis(1);
  auto app = open_app(g);
  auto validator = Replica::open(*app, lt::user_key(0), env_);
  ASSERT_TRUE(validator.is_ok()) << validator.status().to_string();
  constexpr int kTxs = 24;
  for (int i = 0; i < kTxs; ++i) {
    auto tx = lt::transfer_tx(lt::user_key(i % 4), static_cast<uint64_t>(i / 4),
                              lt::user_addr(4 + i % 3), 1'000 + i);
    ASSERT_TRUE(app->check_tx(encode_to_bytes(tx)).status.is_ok()) << i;
  }
  env_.now += g.block_interval_ms;  // the first block is due at once
  (*validator)->start();
  env_.run(**validator, [&] { return !env_.committed.empty(); });
  ASSERT_EQ(env_.committed, std::vector<uint64_t>{1});
  auto block = app->block(1);
  ASSERT_TRUE(block.is_ok());
  ASSERT_EQ(block->txs.size(), static_cast<size_t>(kTxs));

  RecordingEnv follower_env;
  chain::StoreOptions so;
  so.env = disk_.get();
  so.min_free_bytes = 0;
  auto store = chain::Store::open("/follower", so);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  auto follower_app = chain::Application::open(g, std::move(*store));
  ASSERT_TRUE(follower_app.is_ok()) << follower_app.status().to_string();
  follower_env.app = follower_app->get();
  follower_env.now = env_.now;
  auto follower = Replica::open(**follower_app, lt::user_key(7), follower_env);
  ASSERT_TRUE(follower.is_ok()) << follower.status().to_string();
  (*follower)->start();

  chain::DecodeCounters& counters = chain::decode_counters();
  const uint64_t decodes = counters.block_decodes.load();
  const uint64_t hashes = counters.tx_hashes.load();
  const uint64_t signatures = counters.signature_checks.load();
  for (const Bytes& m : env_.sent) {
    (*follower)->on_message(0, m);
    if (!follower_env.committed.empty()) break;
  }
  ASSERT_EQ(follower_env.committed, std::vector<uint64_t>{1});
  ASSERT_FALSE(follower_env.halted);
  EXPECT_EQ((*follower_app)->head().hash(), block->header.hash());
  EXPECT_EQ(counters.block_decodes.load() - decodes, 1u) << "block decodes on the follower path";
  EXPECT_EQ(counters.tx_hashes.load() - hashes, static_cast<uint64_t>(kTxs))
      << "tx hashes on the follower path";
  // Its mempool never saw them: each signature is checked, once.
  EXPECT_EQ(counters.signature_checks.load() - signatures, static_cast<uint64_t>(kTxs));
}

// A value's id comes from the header its bytes open with; bytes whose body
// does not match the header's roots get no id, however good the header.
TEST(BlockValues, IdFromTheHeaderAndNoIdForASwappedBody) {
  Genesis g = lt::make_genesis(2, 1'000'000'000);
  chain::Block b;
  b.header.height = 1;
  b.header.prev_hash = g.block().header.hash();
  b.header.time_ms = g.genesis_time_ms + 1;
  b.txs.push_back(lt::transfer_tx(lt::user_key(0), 0, lt::user_addr(1), 5));
  b.header.tx_count = 1;
  b.header.tx_root = chain::compute_tx_root(b.txs);
  b.header.evidence_root = chain::compute_evidence_root({});
  const Bytes bytes = encode_to_bytes(b);
  const Hash256 id = b.header.hash();
  EXPECT_EQ(encode_to_bytes(b.header).size(), chain::kBlockHeaderBytes);
  ASSERT_TRUE(chain::block_id(bytes).is_ok());
  EXPECT_EQ(*chain::block_id(bytes), id);
  EXPECT_EQ(chain::block_id(ByteView(bytes).first(chain::kBlockHeaderBytes - 1)).status().code(),
            Code::kMalformed);

  BlockValues values;
  EXPECT_EQ(values.id_of(bytes), id);
  EXPECT_EQ(block_value_hasher().id_of(bytes), id);
  auto decoded = values.decoded(consensus::Value{id, bytes});
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->tx_hashes, std::vector<Hash256>{b.txs[0].hash()});
  // Another tx under the same header: the id is refused, cached or not.
  chain::Block swapped = b;
  swapped.txs[0] = lt::transfer_tx(lt::user_key(0), 0, lt::user_addr(1), 6);
  const Bytes swapped_bytes = encode_to_bytes(swapped);
  EXPECT_EQ(*chain::block_id(swapped_bytes), id);
  EXPECT_TRUE(values.id_of(swapped_bytes).is_zero());
  EXPECT_TRUE(block_value_hasher().id_of(swapped_bytes).is_zero());
  EXPECT_FALSE(values.decoded(consensus::Value{id, swapped_bytes}));
  EXPECT_TRUE(values.id_of(Bytes{1, 2, 3}).is_zero());
  // The cached value again costs no decode.
  const uint64_t decodes = chain::decode_counters().block_decodes.load();
  EXPECT_EQ(values.id_of(bytes), id);
  EXPECT_EQ(values.decoded(consensus::Value{id, bytes}), decoded);
  EXPECT_EQ(chain::decode_counters().block_decodes.load(), decodes);
}

TEST_F(ReplicaTest, RefusesToStartWhenConsensusStateIsAheadOfTheBlockStore) {
  Genesis g = bft_genesis(4);
  auto app = open_app(g);
  PersistedState ahead;
  ahead.height = 5;
  ASSERT_TRUE(app->save_consensus_state(encode_to_bytes(ahead)).is_ok());
  auto replica = Replica::open(*app, lt::user_key(0), env_);
  ASSERT_EQ(replica.status().code(), Code::kCorruption);
  EXPECT_NE(replica.status().message().find("height 5"), std::string::npos);
  EXPECT_NE(replica.status().message().find("height 0"), std::string::npos);
  // The next height itself is fine (a crash mid-height).
  PersistedState next;
  next.height = 1;
  ASSERT_TRUE(app->save_consensus_state(encode_to_bytes(next)).is_ok());
  EXPECT_TRUE(Replica::open(*app, lt::user_key(0), env_).is_ok());
  // Bytes that do not decode are corruption too.
  ASSERT_TRUE(app->save_consensus_state(Bytes{1, 2, 3}).is_ok());
  EXPECT_EQ(Replica::open(*app, lt::user_key(0), env_).status().code(), Code::kCorruption);
}

// verify_block_certificate under "bft": quorum, membership, distinct
// signers, the right block; and a single-engine signature is no BFT proof.
TEST(ChainConsensus, BftCertificatesAreCheckedAgainstTheGenesisSet) {
  Genesis g = lt::make_genesis(1, 1'000'000);
  g.engine = EngineKind::kBft;
  g.validators.clear();
  for (int i = 0; i < 4; ++i) g.validators.push_back({lt::user_key(i).public_key(), 1});
  auto set = validator_set(g);
  ASSERT_TRUE(set.is_ok());
  chain::BlockHeader h = g.block().header;
  h.height = 1;
  h.prev_hash = g.block().header.hash();
  h.time_ms = g.genesis_time_ms + 1;
  const Hash256 id = h.hash();
  auto precommit = [&](int i, const Hash256& value) {
    return consensus::bft::sign_vote(g.chain_id, lt::user_key(i),
                                     static_cast<consensus::NodeIndex>(i),
                                     consensus::bft::VoteType::kPrecommit, 1, 0, value);
  };
  auto cert = [&](std::vector<consensus::bft::Vote> votes) {
    return encode_to_bytes(consensus::bft::make_certificate(*set, 1, 0, id, std::move(votes)));
  };
  EXPECT_TRUE(
      verify_block_certificate(g, h, cert({precommit(0, id), precommit(1, id), precommit(2, id)}))
          .is_ok());
  // Two of four is not more than two thirds.
  EXPECT_EQ(verify_block_certificate(g, h, cert({precommit(0, id), precommit(1, id)})).code(),
            Code::kCorruption);
  // A duplicate signer does not count twice.
  consensus::bft::CommitCertificate dup =
      consensus::bft::make_certificate(*set, 1, 0, id, {precommit(0, id), precommit(1, id)});
  dup.signatures.push_back(dup.signatures[1]);
  EXPECT_EQ(verify_block_certificate(g, h, encode_to_bytes(dup)).code(), Code::kCorruption);
  // A signer outside the set.
  consensus::bft::CommitCertificate stranger = consensus::bft::make_certificate(
      *set, 1, 0, id, {precommit(0, id), precommit(1, id), precommit(2, id)});
  stranger.signatures.back().validator = 9;
  EXPECT_EQ(verify_block_certificate(g, h, encode_to_bytes(stranger)).code(), Code::kCorruption);
  // Another block's certificate, and bytes that are no certificate.
  chain::BlockHeader other = h;
  other.time_ms += 1;
  EXPECT_EQ(verify_block_certificate(g, other,
                                     cert({precommit(0, id), precommit(1, id), precommit(2, id)}))
                .code(),
            Code::kCorruption);
  EXPECT_EQ(verify_block_certificate(g, h, Bytes{0xff, 0x00}).code(), Code::kCorruption);
}

}  // namespace
}  // namespace wattle::node

namespace wattle::node {
namespace {

// Two conflicting prevotes of validator 1 reach the replica: its engine
// detects the equivocation, the application's pool takes the evidence (to
// put it in a block) and the Env hears of it (to gossip it).
TEST_F(ReplicaTest, EquivocationGoesIntoTheEvidencePool) {
  Genesis g = bft_genesis(4);
  chain::AppConfig config;
  config.evidence_checker = evidence_checker(g);
  auto app = open_app(g, config);
  auto replica = Replica::open(*app, lt::user_key(0), env_);
  ASSERT_TRUE(replica.is_ok()) << replica.status().to_string();
  (*replica)->start();
  auto prevote = [&](uint8_t salt) {
    Hash256 id;
    id.bytes[0] = salt;
    return consensus::bft::encode_message(consensus::bft::sign_vote(
        g.chain_id, lt::user_key(1), 1, consensus::bft::VoteType::kPrevote, 1, 0, id));
  };
  (*replica)->on_message(1, prevote(1));
  EXPECT_EQ(app->evidence_pending(), 0u);
  (*replica)->on_message(1, prevote(2));
  ASSERT_EQ(env_.evidence_seen.size(), 1u);
  EXPECT_TRUE(env_.evidence_seen[0].second.is_ok()) << env_.evidence_seen[0].second.to_string();
  EXPECT_EQ(app->evidence_pending(), 1u);
  EXPECT_EQ((*replica)->evidence_seen(), 1u);
  auto info = evidence_checker(g)(env_.evidence_seen[0].first);
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->accused, lt::user_key(1).public_key());
  EXPECT_EQ(info->height, 1u);
}

// On a chain with staked sets a vote's validator index is into the set of its
// height (ordered by power, then operator address), not the genesis list: the
// checker given the committed state names the right key; the genesis-only
// checker cannot (it refuses the pair, never accusing another key).
TEST(ChainConsensus, StakedEvidenceCheckerUsesTheSetOfTheVotesHeight) {
  Genesis g = lt::make_genesis(1, 1'000'000);
  g.engine = EngineKind::kBft;
  g.validators.clear();
  for (int i = 0; i < 4; ++i)
    g.validators.push_back({lt::user_key(i).public_key(), static_cast<uint64_t>(1 + i)});
  g.staking.emplace().consensus = modules::ConsensusKind::kPos;
  const chain::State state = g.initial_state();
  auto set = validator_set_at(g, state, 7);
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  // Power 4 first: user 3 is index 0 in the staked set, index 3 in genesis.
  ASSERT_EQ(set->at(0).key, lt::user_key(3).public_key());
  auto vote = [&](uint8_t salt) {
    Hash256 id;
    id.bytes[0] = salt;
    return consensus::bft::sign_vote(g.chain_id, lt::user_key(3), 0,
                                     consensus::bft::VoteType::kPrevote, 7, 0, id);
  };
  auto ev = consensus::bft::make_evidence(vote(1), vote(2));
  ASSERT_TRUE(ev.is_ok());
  const Bytes item = consensus::bft::encode_evidence(*ev);
  auto info = evidence_checker(g, &state)(item);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->accused, lt::user_key(3).public_key());
  EXPECT_FALSE(evidence_checker(g)(item).is_ok());
}

// node::evidence_checker: what a block may carry on a BFT chain.
TEST(ChainConsensus, EvidenceCheckerTakesCanonicalVoteEquivocationOnly) {
  Genesis g = lt::make_genesis(1, 1'000'000);
  g.engine = EngineKind::kBft;
  g.validators.clear();
  for (int i = 0; i < 4; ++i) g.validators.push_back({lt::user_key(i).public_key(), 1});
  const chain::EvidenceChecker check = evidence_checker(g);
  ASSERT_TRUE(check);
  using consensus::bft::VoteType;
  auto vote = [&](int signer, consensus::NodeIndex as, uint8_t salt, uint64_t height = 7) {
    Hash256 id;
    id.bytes[0] = salt;
    return consensus::bft::sign_vote(g.chain_id, lt::user_key(signer), as, VoteType::kPrecommit,
                                     height, 2, id);
  };
  auto ev = consensus::bft::make_evidence(vote(2, 2, 1), vote(2, 2, 2));
  ASSERT_TRUE(ev.is_ok());
  const Bytes good = consensus::bft::encode_evidence(*ev);
  auto info = check(good);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->accused, lt::user_key(2).public_key());
  EXPECT_EQ(info->height, 7u);

  Bytes tampered = good;
  tampered[tampered.size() - 1] ^= 1;  // the second vote's signature
  EXPECT_EQ(check(tampered).status().code(), Code::kBadSignature);
  // Signed by a key outside the set, claiming to be validator 3.
  auto stranger = consensus::bft::make_evidence(vote(7, 3, 1), vote(7, 3, 2));
  ASSERT_TRUE(stranger.is_ok());
  EXPECT_FALSE(check(consensus::bft::encode_evidence(*stranger)).is_ok());
  // Not canonical: the two votes swapped.
  consensus::bft::Evidence swapped{ev->second, ev->first};
  EXPECT_FALSE(check(consensus::bft::encode_evidence(swapped)).is_ok());
  EXPECT_EQ(check(Bytes{1, 2, 3}).status().code(), Code::kMalformed);
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(check(trailing).status().code(), Code::kMalformed);
  // Proposal equivocation is logged, not committed.
  auto set = validator_set(g);
  ASSERT_TRUE(set.is_ok());
  const consensus::NodeIndex p = set->proposer(3, 0);
  auto proposal = [&](uint8_t salt) {
    Hash256 id;
    id.bytes[0] = salt;
    return consensus::bft::sign_proposal(g.chain_id, lt::user_key(static_cast<int>(p)), p, 3, 0,
                                         consensus::Value{id, {}}, -1);
  };
  auto pev = consensus::bft::make_proposal_evidence(proposal(1), proposal(2));
  ASSERT_TRUE(pev.is_ok());
  EXPECT_EQ(check(consensus::bft::encode_evidence(*pev)).status().code(), Code::kInvalidArgument);

  Genesis single = lt::make_genesis(1, 1'000'000);
  EXPECT_FALSE(evidence_checker(single)) << "a single-validator chain takes no evidence";
}

// Staked sets (docs/staking.md, "Set changes"): a validator created by a tx
// in block H joins the set that decides H+2, not H+1. One genesis validator
// of power 10 keeps > 2/3 with the newcomer's power 1, so it commits alone;
// each certificate names the set of its height, and verifies against it.
TEST_F(ReplicaTest, StakedSetChangeAtHTakesEffectAtHPlus2) {
  Genesis g = bft_genesis(1);
  g.validators[0].power = 10;
  modules::StakingParams sp;
  sp.consensus = modules::ConsensusKind::kPos;
  sp.power_unit = 100;
  sp.min_self_bond = 100;
  g.staking = sp;
  auto app = open_app(g);
  auto replica = Replica::open(*app, lt::user_key(0), env_);
  ASSERT_TRUE(replica.is_ok()) << replica.status().to_string();
  const KeyPair newcomer = KeyPair::from_label("replica-test-newcomer");
  auto tx = chain::Tx::make_signed(
      g.chain_id, lt::user_key(1), 0,
      modules::to_module_tx(modules::CreateValidator{newcomer.public_key(), Money(100), 0}));
  ASSERT_TRUE(app->check_tx(encode_to_bytes(tx)).status.is_ok());
  (*replica)->start();
  env_.run(**replica, [&] { return env_.committed.size() >= 5; });
  ASSERT_GE(env_.committed.size(), 5u);
  uint64_t included = 0;
  for (uint64_t h = 1; h <= 5 && !included; ++h)
    if (!app->block(h)->txs.empty()) included = h;
  ASSERT_GT(included, 0u);
  auto old_set = validator_set(g);
  ASSERT_TRUE(old_set.is_ok());
  for (uint64_t h = 1; h <= 5; ++h) {
    auto block = app->block(h);
    ASSERT_TRUE(block.is_ok());
    auto cert = decode_exact<consensus::bft::CommitCertificate>(block->certificate);
    ASSERT_TRUE(cert.is_ok());
    auto set = validator_set_at(g, app->committed_state(), h);
    ASSERT_TRUE(set.is_ok());
    EXPECT_EQ(set->size(), h >= included + 2 ? 2u : 1u) << h;
    EXPECT_EQ(cert->validator_set_hash == old_set->hash(), h < included + 2) << h;
    EXPECT_EQ(cert->validator_set_hash, set->hash()) << h;
    EXPECT_TRUE(
        verify_block_certificate(g, block->header, block->certificate, &app->committed_state())
            .is_ok())
        << h;
  }
  EXPECT_FALSE(verify_block_certificate(g, app->block(included + 2)->header,
                                        app->block(included + 2)->certificate)
                   .is_ok())
      << "a staked chain's certificate needs the state naming its set";
}

}  // namespace
}  // namespace wattle::node

namespace wattle::node {
namespace {

// Blocks carry their parent's commit certificate (docs/ledger.md): the
// proposer fills it from its store, a follower that stored another (valid)
// certificate of the parent accepts it, and a forged, short, missing,
// misplaced or foreign one is refused with invalid_argument, state unchanged.
TEST_F(ReplicaTest, BlocksCarryTheParentsCommitAndFollowersRefuseABadOne) {
  const Genesis g = bft_genesis(4);
  auto set = validator_set(g);
  ASSERT_TRUE(set.is_ok());
  auto open_at = [&](const std::string& path) {
    chain::StoreOptions so;
    so.env = disk_.get();
    so.min_free_bytes = 0;
    auto store = chain::Store::open(path, so);
    EXPECT_TRUE(store.is_ok());
    chain::AppConfig config;
    config.last_commit_checker = last_commit_checker(g);
    auto app = chain::Application::open(g, std::move(*store), config);
    EXPECT_TRUE(app.is_ok()) << app.status().to_string();
    return std::move(*app);
  };
  auto proposer = open_at("/last-commit-a");
  auto follower = open_at("/last-commit-b");
  auto cert = [&](uint64_t height, const Hash256& id, std::vector<int> signers) {
    std::vector<consensus::bft::Vote> votes;
    for (int i : signers)
      votes.push_back(consensus::bft::sign_vote(
          g.chain_id, lt::user_key(i), static_cast<consensus::NodeIndex>(i),
          consensus::bft::VoteType::kPrecommit, height, 0, id));
    return encode_to_bytes(consensus::bft::make_certificate(*set, height, 0, id, std::move(votes)));
  };
  auto with_last_commit = [](chain::Block b, Bytes last_commit) {
    b.last_commit = std::move(last_commit);
    b.header.last_commit_hash = chain::compute_last_commit_hash(b.last_commit);
    return b;
  };
  const PublicKey k0 = lt::user_key(0).public_key(), k1 = lt::user_key(1).public_key();

  auto p1 = proposer->prepare_proposal(1, g.genesis_time_ms + 1000, k0);
  ASSERT_TRUE(p1.is_ok()) << p1.status().to_string();
  EXPECT_TRUE(p1->block.last_commit.empty());
  EXPECT_TRUE(p1->block.header.last_commit_hash.is_zero());
  const Bytes cert1_a = cert(1, p1->id, {0, 1, 2});
  // Genesis has no certificate: block 1 carries none.
  EXPECT_EQ(follower->process_proposal(with_last_commit(p1->block, cert1_a), k0).code(),
            Code::kInvalidArgument);
  // Each replica stores its own > 2/3 of the precommits.
  ASSERT_TRUE(proposer->finalize_block(p1->decoded, cert1_a).is_ok());
  ASSERT_TRUE(proposer->commit().is_ok());
  ASSERT_TRUE(follower->process_proposal(p1->block, k0).is_ok());
  ASSERT_TRUE(follower->finalize_block(p1->decoded, cert(1, p1->id, {1, 2, 3})).is_ok());
  ASSERT_TRUE(follower->commit().is_ok());

  auto p2 = proposer->prepare_proposal(2, g.genesis_time_ms + 2000, k1);
  ASSERT_TRUE(p2.is_ok()) << p2.status().to_string();
  EXPECT_EQ(p2->block.last_commit, cert1_a);
  EXPECT_EQ(p2->block.header.last_commit_hash, blake2b256(cert1_a));
  auto refused = [&](const chain::Block& b) {
    const Hash256 root = follower->head().state_root;
    const Code code = follower->process_proposal(b, k1).code();
    EXPECT_EQ(follower->head().height, 1u);
    EXPECT_EQ(follower->head().state_root, root);
    return code;
  };
  // Missing.
  EXPECT_EQ(refused(with_last_commit(p2->block, {})), Code::kInvalidArgument);
  // Short: two of four is not > 2/3.
  EXPECT_EQ(refused(with_last_commit(p2->block, cert(1, p1->id, {0, 1}))), Code::kInvalidArgument);
  // Forged: one signature byte flipped (the last bytes are the last signature).
  Bytes forged = cert1_a;
  forged.back() ^= 1;
  EXPECT_EQ(refused(with_last_commit(p2->block, forged)), Code::kInvalidArgument);
  // A certificate of another block at the parent's height.
  EXPECT_EQ(refused(with_last_commit(p2->block, cert(1, blake2b256(as_bytes("other")), {0, 1, 2}))),
            Code::kInvalidArgument);
  // Not a certificate at all.
  EXPECT_EQ(refused(with_last_commit(p2->block, Bytes{0xff, 0x00})), Code::kInvalidArgument);
  // The proposer's certificate, though the follower stored another: accepted,
  // and both replicas commit the same block.
  ASSERT_TRUE(follower->process_proposal(p2->decoded, k1).is_ok());
  const Bytes cert2 = cert(2, p2->id, {0, 1, 3});
  ASSERT_TRUE(follower->finalize_block(p2->decoded, cert2).is_ok());
  ASSERT_TRUE(follower->commit().is_ok());
  ASSERT_TRUE(proposer->finalize_block(p2->decoded, cert2).is_ok());
  ASSERT_TRUE(proposer->commit().is_ok());
  EXPECT_EQ(follower->head().hash(), proposer->head().hash());
  EXPECT_EQ(follower->head().height, 2u);
  // A chain without a checker takes no last commit.
  chain::StoreOptions so;
  so.env = disk_.get();
  so.min_free_bytes = 0;
  auto plain_store = chain::Store::open("/last-commit-plain", so);
  ASSERT_TRUE(plain_store.is_ok());
  auto plain = chain::Application::open(g, std::move(*plain_store), {});
  ASSERT_TRUE(plain.is_ok());
  auto q1 = (*plain)->prepare_proposal(1, g.genesis_time_ms + 1000, k0);
  ASSERT_TRUE(q1.is_ok());
  EXPECT_TRUE(q1->block.last_commit.empty());
  EXPECT_EQ((*plain)->process_proposal(with_last_commit(q1->block, cert1_a), k0).code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace wattle::node
