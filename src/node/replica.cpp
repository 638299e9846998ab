#include "node/replica.h"

#include "core/assert.h"

#include <spdlog/spdlog.h>

#include "consensus/single_engine.h"
#include "node/chain_consensus.h"

namespace wattle::node {

using consensus::Actions;

Result<std::unique_ptr<Replica>> Replica::open(chain::Application& app, KeyPair key, Env& env,
                                               ReplicaOptions options) {
  const chain::Genesis& genesis = app.genesis();
  const uint64_t interval =
      options.block_interval_ms ? options.block_interval_ms : genesis.block_interval_ms;
  std::unique_ptr<Replica> r(new Replica(app, std::move(key), env, interval));
  const uint64_t head = app.head().height;
  if (genesis.engine == chain::EngineKind::kSingle) {
    if (genesis.validators.at(0).public_key != r->key_.public_key())
      return Status(Code::kUnauthorized,
                    "this node's validator key is not the genesis validator (engine \"single\")");
    r->engine_ = std::make_unique<consensus::SingleEngine>(genesis.chain_id, r->key_, interval);
    return r;
  }
  auto persisted = app.consensus_state();
  if (!persisted) return persisted.status();
  if (!persisted->empty()) {
    auto state = decode_exact<consensus::bft::PersistedState>(*persisted);
    if (!state)
      return Status(Code::kCorruption, "saved consensus state: " + state.status().message());
    if (state->height > head + 1)
      return Status(Code::kCorruption,
                    "saved consensus state is for height " + std::to_string(state->height) +
                        " but the block store ends at height " + std::to_string(head) +
                        ": blocks this validator voted past are missing");
    if (state->height < head + 1) persisted->clear();  // a finished height: start afresh
  }
  auto set = validator_set(genesis);
  if (!set) return set.status();
  consensus::bft::BftConfig config{genesis.chain_id, *set, options.timeouts, &r->values_};
  config.sign_guard = options.sign_guard;
  if (has_staked_sets(genesis)) {
    r->follower_sets_ = std::make_unique<StakedSets>(app);
    config.validator_sets = r->follower_sets_.get();
  } else if (!set->index_of(r->key_.public_key())) {
    r->follower_sets_ = std::make_unique<FixedSets>(*set);
    config.validator_sets = r->follower_sets_.get();
  }
  auto engine = consensus::bft::BftEngine::create(
      std::move(config), r->key_, *r, *persisted,
      options.verifier ? *options.verifier : consensus::bft::default_verifier(), options.hooks);
  if (!engine) return engine.status();
  // Peers lagging a few heights behind get these decisions from us.
  const uint64_t first = head > consensus::bft::BftEngine::kDecisionHistory
                             ? head - consensus::bft::BftEngine::kDecisionHistory + 1
                             : 1;
  for (uint64_t h = first; h <= head; ++h) {
    auto block = app.block(h);
    if (!block) return block.status();
    auto cert = decode_exact<consensus::bft::CommitCertificate>(block->certificate);
    if (!cert) continue;  // not a BFT certificate: nothing to hand on
    block->certificate.clear();
    (*engine)->remember_decision(consensus::Value{block->header.hash(), encode_to_bytes(*block)},
                                 *cert);
  }
  r->bft_ = engine->get();
  r->double_prevote_at_ = options.misbehave_double_prevote;
  r->engine_ = std::move(*engine);
  return r;
}

consensus::bft::ValidatorSet Replica::StakedSets::validator_set(uint64_t height) {
  auto set = validator_set_at(app_.genesis(), app_.committed_state(), height);
  // The engine asks for the height after the committed head, whose set was
  // recorded two blocks earlier: a missing or corrupt record is a broken store.
  WATTLE_ASSERT(set.is_ok(), "validator set of the next height unreadable");
  last_ = std::move(*set);
  return *last_;
}

void Replica::maybe_double_prevote(ByteView message) {
  auto m = consensus::bft::decode_message(message);
  if (!m) return;
  const auto* v = std::get_if<consensus::bft::Vote>(&*m);
  if (!v || v->type != consensus::bft::VoteType::kPrevote || v->height != *double_prevote_at_)
    return;
  double_prevote_at_.reset();
  // The other choice than the engine's: nil for a value, a made-up value for nil.
  std::optional<Hash256> other;
  if (!v->value_id) other = blake2b256(as_bytes(std::string_view("wattle/misbehave")));
  const auto second = consensus::bft::sign_vote(app_.genesis().chain_id, key_, v->validator,
                                                v->type, v->height, v->round, other);
  spdlog::warn("misbehave: sent a second, conflicting prevote at height {} round {}", v->height,
               v->round);
  env_.broadcast(consensus::bft::encode_message(second));
}

Replica::Replica(chain::Application& app, KeyPair key, Env& env, uint64_t interval_ms)
    : app_(app), key_(std::move(key)), env_(env), interval_ms_(interval_ms) {}

void Replica::start() {
  if (stopped()) return;
  run(engine_->start(app_.head().height + 1));
  report_round();
}

void Replica::report_round() {
  if (!bft_ || stopped()) return;
  const std::pair<uint64_t, uint32_t> now{bft_->height(), bft_->round()};
  if (now == reported_round_) return;
  reported_round_ = now;
  env_.on_round(now.first, now.second);
}

void Replica::on_timeout(const consensus::Timeout& timeout) {
  if (stopped()) return;
  // kBlockInterval is the host's own timer for BFT (the pacing of
  // proposals); SingleEngine paces itself with it.
  if (bft_ && timeout.step == consensus::TimeoutStep::kBlockInterval) {
    propose(timeout.height, timeout.round);
  } else {
    run(engine_->on_timeout(timeout));
  }
  report_round();
}

void Replica::on_message(consensus::NodeIndex from, ByteView message) {
  if (stopped()) return;
  run(engine_->on_message(from, message));
  report_round();
}

bool Replica::validate(uint64_t height, const consensus::Value& value) {
  auto block = values_.decoded(value);
  if (!block || block->block.header.height != height) return false;
  // A block re-proposed in a later round (Tendermint's valid value) keeps
  // its first proposer, so the application checks membership of the set;
  // the engine has checked that the proposal's signer is proposer(h, r).
  const PublicKey proposer = block->block.header.proposer;
  return app_.process_proposal(std::move(block), proposer).is_ok();
}

void Replica::run(Actions actions) {
  for (auto& action : actions) {
    if (stopped()) return;
    std::visit(consensus::ActionHandlers{
                   [&](consensus::Broadcast& a) {
                     const Bytes sent = double_prevote_at_ ? a.message : Bytes{};
                     env_.broadcast(std::move(a.message));
                     if (double_prevote_at_) maybe_double_prevote(sent);
                   },
                   [&](consensus::Send& a) { env_.send(a.to, std::move(a.message)); },
                   [&](consensus::ScheduleTimeout& a) { env_.schedule(a.timeout); },
                   [&](consensus::Commit& a) { commit(a); },
                   [&](consensus::PersistBeforeSend& a) {
                     if (Status st = app_.save_consensus_state(a.state); !st) {
                       halt(st);  // nothing signed after it may leave
                     } else if (!env_.after_persist()) {
                       stopped_ = true;
                     }
                   },
                   [&](consensus::EvidenceFound& a) {
                     // Into the application's pool, from which proposers
                     // put it in blocks (vote equivocation only, see
                     // node::evidence_checker); the Env gossips what was
                     // new. The penalty comes with PoS.
                     ++evidence_seen_;
                     const Status pooled = app_.add_evidence(a.evidence);
                     env_.on_evidence(a.evidence, pooled);
                   },
                   [&](consensus::RequestValue& a) {
                     if (!bft_) return propose(a.height, a.round);
                     const uint64_t due = app_.head().time_ms + interval_ms_;
                     const uint64_t now = env_.now_ms();
                     if (now >= due) return propose(a.height, a.round);
                     env_.schedule(consensus::Timeout{
                         a.height, a.round, consensus::TimeoutStep::kBlockInterval, due - now});
                   },
               },
               action);
  }
}

void Replica::propose(uint64_t height, uint32_t round) {
  std::optional<consensus::Value> value;
  auto p = app_.prepare_proposal(height, env_.now_ms(), key_.public_key());
  if (!p) {
    // A stale answer (the height moved on) or a store read failure: the
    // engine's propose timeout moves the round on.
    spdlog::warn("no proposal at height {}: {}", height, p.status().to_string());
  } else if (bft_ || p->block.header.tx_count > 0 || app_.block_due(p->block.header.time_ms)) {
    // "single" makes no empty blocks, except when the market has a gate
    // closure or a settlement due at this time.
    values_.remember(p->bytes, std::move(p->decoded));
    value = consensus::Value{p->id, std::move(p->bytes)};
  }
  run(engine_->on_value_ready(height, round, std::move(value)));
}

void Replica::commit(consensus::Commit& c) {
  auto block = values_.decoded(c.value);
  Status st;
  if (!block) {
    // Never for a value the engine checked; say why (a second decode, on
    // the way to a halt only).
    auto raw = chain::decode_block(c.value.data);
    st = raw ? Status(Code::kCorruption, "decided bytes do not hash to the decided id")
             : raw.status();
  } else {
    st = app_.finalize_block(std::move(block), c.certificate);
  }
  Result<chain::CommitInfo> info = st ? app_.commit() : Result<chain::CommitInfo>(st);
  values_.forget_through(c.height);
  if (!info) {
    halt(Status(info.status().code(), "commit failed at height " + std::to_string(c.height) + ": " +
                                          info.status().message()));
    return;
  }
  env_.on_committed(*info, c);
  run(engine_->on_block_executed(c.height));
}

void Replica::halt(Status why) {
  if (halted_) return;
  halted_ = true;
  env_.on_halted(why);
}

}  // namespace wattle::node
