#include "rpc/staking_json.h"

#include "modules/staking/staking_module.h"
#include "modules/staking/staking_queries.h"

namespace wattle::rpc {

using nlohmann::json;
using namespace ::wattle::modules;

namespace {

Result<const StakingModule*> staking_of(const chain::Application& app) {
  const auto* m = app.modules().find<StakingModule>();
  if (!m || m->params().consensus == ConsensusKind::kSingle)
    return Status(Code::kNoStaking, "this chain's genesis has no staking section");
  return m;
}

std::string status_of(const std::optional<ValidatorRecord>& v) {
  if (v && v->tombstoned) return "tombstoned";
  if (v && v->jailed) return "jailed";
  return "active";
}

json validator_json(const ValidatorRecord& v) {
  return {{"consensus_key", v.consensus_key.hex()},
          {"commission_bp", v.commission_bp},
          {"tokens", v.tokens},
          {"status", status_of(v)},
          {"jailed_until", v.jailed ? json(v.jailed_until) : json(nullptr)},
          {"tombstoned", v.tombstoned}};
}

}  // namespace

Result<json> validators_json(const chain::Application& app, std::optional<uint64_t> height) {
  auto m = staking_of(app);
  if (!m) return m.status();
  const chain::StateReader& state = app.committed_state();
  const uint64_t h = height.value_or(app.head().height);
  auto set = set_at(state, h);
  if (!set) return set.status();
  auto g = read_or_default<StakingGlobal>(state, global_key());
  if (!g) return g.status();
  json out{{"consensus", consensus_name((*m)->params().consensus)},
           {"height", h},
           {"next_proposal", g->next_proposal},
           {"validators", json::array()}};
  for (const auto& e : set->validators) {
    auto v = read_record<ValidatorRecord>(state, validator_key(e.operator_address));
    if (!v) return v.status();
    out["validators"].push_back({{"address", e.operator_address.to_string()},
                                 {"consensus_key", e.key.hex()},
                                 {"power", e.power},
                                 {"status", status_of(*v)}});
  }
  return out;
}

Result<json> stake_json(const chain::Application& app, const Address& address) {
  auto m = staking_of(app);
  if (!m) return m.status();
  auto view = stake_view(app.committed_state(), address);
  if (!view) return view.status();
  json out{{"address", address.to_string()},
           {"validator", view->validator ? validator_json(*view->validator) : json(nullptr)},
           {"delegations", json::array()},
           {"unbonding", json::array()}};
  int64_t bonded = 0, rewards = 0;
  for (const auto& d : view->delegations) {
    bonded += d.amount;
    rewards += d.rewards;
    out["delegations"].push_back(
        {{"validator", d.validator.to_string()}, {"amount", d.amount}, {"rewards", d.rewards}});
  }
  for (const auto& e : view->unbonding)
    out["unbonding"].push_back({{"amount", e.amount},
                                {"creation_height", e.creation_height},
                                {"release_height", e.release_height}});
  out["bonded"] = bonded;
  out["rewards"] = rewards;
  return out;
}

std::optional<json> staking_event_json(const chain::Event& event) {
  using Kind = chain::Event::Kind;
  json j{{"seq", event.seq}, {"height", event.height}};
  switch (event.kind) {
    case Kind::kValidatorSetChanged:
      j["type"] = "validator_set_changed";
      j["effective_height"] = event.slot;
      j["validators"] = event.index;
      j["set_hash"] = event.hash.hex();
      return j;
    case Kind::kSlashed:
    case Kind::kJailed:
      j["type"] = event.kind == Kind::kSlashed ? "slashed" : "jailed";
      j["consensus_key"] = event.hash.hex();
      j[event.kind == Kind::kSlashed ? "burned" : "jailed_until"] = event.slot;
      return j;
    case Kind::kUnbonded: {
      Address a;
      std::copy_n(event.hash.bytes.begin(), a.bytes.size(), a.bytes.begin());
      j["type"] = "unbonded";
      j["address"] = a.to_string();
      j["amount"] = event.slot;
      return j;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace wattle::rpc
