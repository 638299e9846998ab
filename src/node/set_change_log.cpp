#include "node/set_change_log.h"

#include "modules/staking/staking_state.h"
#include "node/chain_consensus.h"

namespace wattle::node {

using nlohmann::json;

namespace {

// {"value": hex, "proof": hex} of `key` in `state`, proven against its root.
Result<json> proven(const chain::StateReader& state, const chain::StateKey& key) {
  auto value = state.read(key);
  if (!value) return value.status();
  if (!*value) return Status(Code::kNotFound, "set record missing from the state");
  auto proof = chain::prove(state.tree(), state.root(), key.path());
  if (!proof) return proof.status();
  return json{{"value", to_hex(**value)}, {"proof", to_hex(encode_to_bytes(*proof))}};
}

}  // namespace

Status SetChangeLog::on_committed(const chain::StateReader& committed, uint64_t height) {
  if (!has_staked_sets(genesis_)) return Status::ok();
  auto index = modules::read_or_default<modules::SetIndex>(committed, modules::set_index_key());
  if (!index) return index.status();
  if (index->heights.empty()) return Status::ok();
  const uint64_t effective = index->heights.back();
  std::lock_guard lock(mu_);
  const bool first = !last_effective_.has_value();
  if (!first && effective == *last_effective_) return Status::ok();
  last_effective_ = effective;
  // Recorded before this process's first commit: its tree is gone.
  if (first && effective != height + 2) return Status::ok();
  auto index_proof = proven(committed, modules::set_index_key());
  if (!index_proof) return index_proof.status();
  auto set_proof = proven(committed, modules::set_key(effective));
  if (!set_proof) return set_proof.status();
  if (changes_.size() >= kMaxChanges) changes_.pop_front();
  changes_.push_back({{"height", height},
                      {"effective", effective},
                      {"state_root", committed.root().hex()},
                      {"index", std::move(*index_proof)},
                      {"set", std::move(*set_proof)}});
  return Status::ok();
}

json SetChangeLog::changes() const {
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const json& c : changes_) out.push_back(c);
  return json{{"changes", std::move(out)}};
}

}  // namespace wattle::node
