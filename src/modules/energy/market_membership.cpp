#include "modules/energy/market_membership.h"

#include "modules/energy/market_rules.h"

namespace wattle::modules {

using namespace ::wattle::chain;

ModuleTx to_module_tx(const RegisterMeterInMarket& r) {
  Writer w;
  w.fixed(r.meter_key.bytes);
  encode(w, r.account);
  w.str(r.market);
  return ModuleTx{kRegisterMeterInMarketKind, std::move(w).take()};
}

Result<RegisterMeterInMarket> decode_register_meter_in_market(ByteView body) {
  Reader r(body);
  RegisterMeterInMarket v;
  WATTLE_RETURN_IF_ERROR(r.fixed(v.meter_key.bytes));
  WATTLE_RETURN_IF_ERROR(decode(r, v.account));
  WATTLE_RETURN_IF_ERROR(r.str(v.market, MarketParams::kMaxNameLength));
  WATTLE_RETURN_IF_ERROR(r.finish());
  if (v.market.empty()) return Status(Code::kMalformed, "market name is empty");
  return v;
}

size_t leaf_count(const market::MarketTree& tree) {
  size_t n = 0;
  for (uint32_t i = 0; i < tree.nodes.size(); ++i) n += tree.is_leaf(i) ? 1 : 0;
  return n;
}

std::optional<uint32_t> only_leaf(const market::MarketTree& tree) {
  if (leaf_count(tree) != 1) return std::nullopt;
  for (uint32_t i = 0; i < tree.nodes.size(); ++i)
    if (tree.is_leaf(i)) return i;
  return std::nullopt;
}

StateKey membership_key(const Address& account) {
  return {kMembershipNamespace, Bytes(account.bytes.begin(), account.bytes.end())};
}

void put_membership(StateOverlay& state, const Address& account, uint32_t market) {
  Writer w;
  w.u32(market);
  state.put(membership_key(account), std::move(w).take());
}

Status apply_register_meter_in_market(StateOverlay& state, const Tx& tx, const MarketParams& m,
                                      const BlockContext& ctx) {
  const auto* mod = std::get_if<ModuleTx>(&tx.payload);
  if (mod == nullptr || mod->kind != kRegisterMeterInMarketKind)
    return Status(Code::kInternal, "not a RegisterMeterInMarket tx");
  auto r = decode_register_meter_in_market(mod->body);
  if (!r) return r.status();
  if (m.markets.nodes.empty())
    return Status(Code::kInvalidArgument,
                  "market \"" + r->market + "\": this chain has one flat market and no tree");
  const auto market = m.markets.find(r->market);
  if (!market)
    return Status(Code::kInvalidArgument,
                  "market \"" + r->market + "\" is not declared in the genesis");
  if (!m.markets.is_leaf(*market))
    return Status(Code::kInvalidArgument,
                  "market \"" + r->market + "\" is not a leaf: households belong to leaves");
  return register_meter(state, tx, RegisterMeter{r->meter_key, r->account}, m, ctx, *market);
}

Status require_leaf(const chain::StateOverlay& state, const MarketParams& m, const Address& owner) {
  auto leaf = market_of(state, m, owner);
  if (!leaf) return leaf.status();
  if (!*leaf && !m.markets.nodes.empty())
    return Status(Code::kInvalidArgument,
                  "this chain has several leaf markets and " + owner.to_string() +
                      " is in none: the operator places it (register-meter --market NAME)");
  return Status::ok();
}

}  // namespace wattle::modules
