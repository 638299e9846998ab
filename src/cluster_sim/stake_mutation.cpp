#include "cluster_sim/stake_mutation.h"

#include "core/assert.h"
#include "modules/evidence/evidence.h"
#include "modules/staking/staking_state.h"

namespace wattle::cluster_sim {

namespace {

using chain::StateOverlay;
using consensus::bft::Mutation;
using modules::UnbondingList;

// Moves the set recorded this block for height + 2 to height + 1.
Status take_effect_next_block(StateOverlay& s, uint64_t height) {
  auto it = s.writes().find(modules::set_key(height + 2));
  if (it == s.writes().end() || !it->second) return Status::ok();
  Bytes set = *it->second;
  auto index = modules::read_or_default<modules::SetIndex>(s, modules::set_index_key());
  if (!index) return index.status();
  auto& hs = index->heights;
  if (hs.empty() || hs.back() != height + 2) return Status(Code::kInternal, "set index");
  hs.pop_back();
  if (hs.empty() || hs.back() != height + 1) hs.push_back(height + 1);
  s.erase(modules::set_key(height + 2));
  s.put(modules::set_key(height + 1), std::move(set));
  s.put(modules::set_index_key(), encode_to_bytes(*index));
  return Status::ok();
}

// The unbonding lists of the validators this block's evidence accuses, as
// they stand before the module's end-block.
Result<std::vector<std::pair<PublicKey, UnbondingList>>> accused_lists(const StateOverlay& s,
                                                                       uint64_t height) {
  std::vector<std::pair<PublicKey, UnbondingList>> out;
  const auto& w = s.writes();
  for (auto it = w.lower_bound(chain::StateKey{chain::Namespace::kEvidence, {}});
       it != w.end() && it->first.ns == chain::Namespace::kEvidence; ++it) {
    if (!it->second) continue;
    auto rec = decode_exact<modules::EvidenceRecord>(*it->second);
    if (!rec) return rec.status();
    if (rec->included_at != height) continue;
    auto list = modules::read_or_default<UnbondingList>(
        s, modules::unbonding_key(Address::of(rec->accused)));
    if (!list) return list.status();
    out.emplace_back(rec->accused, std::move(*list));
  }
  return out;
}

// Gives the accused validators' unbonding entries back what the slash took
// (entries released this block are gone from both), and burns that much less.
Status unslash_unbonding(StateOverlay& s, uint64_t height,
                         const std::vector<std::pair<PublicKey, UnbondingList>>& before,
                         std::vector<chain::Event>* events) {
  int64_t restored = 0;
  for (const auto& [key, was] : before) {
    const chain::StateKey k = modules::unbonding_key(Address::of(key));
    auto now = modules::read_or_default<UnbondingList>(s, k);
    if (!now) return now.status();
    std::vector<modules::UnbondingEntry> kept;
    for (const auto& e : was.entries)
      if (e.release_height > height) kept.push_back(e);
    if (kept.size() != now->entries.size()) continue;  // not the shape a slash leaves
    int64_t back = 0;
    for (size_t j = 0; j < kept.size(); ++j) back += kept[j].amount - now->entries[j].amount;
    if (back == 0) continue;
    s.put(k, encode_to_bytes(UnbondingList{kept}));
    restored += back;
    if (events)
      for (auto& ev : *events)
        if (ev.kind == chain::Event::Kind::kSlashed &&
            std::equal(key.bytes.begin(), key.bytes.end(), ev.hash.bytes.begin()))
          ev.slot -= static_cast<uint64_t>(back);
  }
  if (restored == 0) return Status::ok();
  auto g = modules::read_or_default<modules::StakingGlobal>(s, modules::global_key());
  if (!g) return g.status();
  g->burned -= restored;
  s.put(modules::global_key(), encode_to_bytes(*g));
  return Status::ok();
}

// Forwards to the real staking module but for the mutated end-block.
class MutatedStaking final : public chain::Module {
 public:
  MutatedStaking(std::shared_ptr<const chain::Module> inner, Mutation m)
      : inner_(std::move(inner)), m_(m) {}
  std::string_view name() const override { return inner_->name(); }
  std::vector<uint8_t> tx_kinds() const override { return inner_->tx_kinds(); }
  std::vector<chain::Namespace> namespaces() const override { return inner_->namespaces(); }
  Status init_genesis(StateOverlay& state) const override { return inner_->init_genesis(state); }
  Status check_tx(const chain::Tx& tx) const override { return inner_->check_tx(tx); }
  Status deliver_tx(chain::TxScope& scope) const override { return inner_->deliver_tx(scope); }
  Status end_block(StateOverlay& state, const chain::BlockHeader& header,
                   std::vector<chain::Event>* events) const override {
    if (m_ == Mutation::kSetChangeImmediate) {
      WATTLE_RETURN_IF_ERROR(inner_->end_block(state, header, events));
      return take_effect_next_block(state, header.height);
    }
    auto before = accused_lists(state, header.height);
    if (!before) return before.status();
    WATTLE_RETURN_IF_ERROR(inner_->end_block(state, header, events));
    return unslash_unbonding(state, header.height, *before, events);
  }
  Status begin_block(StateOverlay& state, const chain::BlockHeader& header,
                     std::vector<chain::Event>* events) const override {
    return inner_->begin_block(state, header, events);
  }
  Status last_commit(StateOverlay& state, const chain::BlockHeader& header,
                     const chain::LastCommit& commit,
                     std::vector<chain::Event>* events) const override {
    return inner_->last_commit(state, header, commit, events);
  }
  bool accepts_evidence() const override { return inner_->accepts_evidence(); }
  Status deliver_evidence(StateOverlay& state, ByteView item, uint64_t height) const override {
    return inner_->deliver_evidence(state, item, height);
  }
  Result<Money> on_credit(StateOverlay& state, const Address& address,
                          Money amount) const override {
    return inner_->on_credit(state, address, amount);
  }
  Result<bool> block_due(const chain::StateReader& state, uint64_t time_ms) const override {
    return inner_->block_due(state, time_ms);
  }
  Result<__int128> value_delta(const chain::StateReader& base,
                               const chain::StateWrites& writes) const override {
    return inner_->value_delta(base, writes);
  }
  Result<Bytes> query(std::string_view path, ByteView request,
                      const chain::StateReader& state) const override {
    return inner_->query(path, request, state);
  }

 private:
  std::shared_ptr<const chain::Module> inner_;
  Mutation m_;
};

}  // namespace

std::shared_ptr<const chain::ModuleSet> mutated_staking_modules(const chain::Genesis& genesis,
                                                                chain::EvidenceChecker checker,
                                                                Mutation m) {
  auto standard = genesis.params(std::move(checker)).modules;
  std::vector<std::shared_ptr<const chain::Module>> modules;
  for (const auto& mod : standard->modules())
    modules.push_back(mod->name() == "staking" ? std::make_shared<MutatedStaking>(mod, m) : mod);
  auto set = chain::ModuleSet::make(std::move(modules));
  WATTLE_ASSERT(set.is_ok(), "the mutated modules collide");
  return *set;
}

}  // namespace wattle::cluster_sim
