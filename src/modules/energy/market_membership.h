// Which leaf market of the genesis tree (docs/market.md, "A hierarchy of
// markets") a household belongs to, and the tx that sets it.
//
// Kind 50 (RegisterMeterInMarket, a ModuleTx body) is RegisterMeter with the
// name of a leaf market: the operator binds the meter and places the
// household in that leaf, in one step. Its record lives in namespace 51
// (account -> market index), written only by kind 50, so a chain without a
// tree, or one whose meters are registered without a market, has the same
// state (and roots) as before. Errors carry stable codes and leave the state
// unchanged: kNoMarket (no market section), kInvalidArgument (a chain with
// no tree, a name the tree does not declare, a market that is not a leaf),
// and RegisterMeter's own (kUnauthorized, kDuplicate).
#pragma once

#include <optional>
#include <string>

#include "chain/block_context.h"
#include "chain/state.h"
#include "chain/tx.h"
#include "modules/energy/market_params.h"

namespace wattle::modules {

inline constexpr uint8_t kRegisterMeterInMarketKind = 50;
inline constexpr chain::Namespace kMembershipNamespace = static_cast<chain::Namespace>(51);

struct RegisterMeterInMarket {
  PublicKey meter_key;
  Address account;
  std::string market;  // 1..64 characters
  bool operator==(const RegisterMeterInMarket&) const = default;
};

chain::ModuleTx to_module_tx(const RegisterMeterInMarket& r);
// kMalformed on bytes that are not exactly one body.
Result<RegisterMeterInMarket> decode_register_meter_in_market(ByteView body);

// Number of leaves of `tree` (0 for no tree).
size_t leaf_count(const market::MarketTree& tree);

// The only leaf of `tree`, nullopt for no tree or several leaves.
std::optional<uint32_t> only_leaf(const market::MarketTree& tree);

chain::StateKey membership_key(const Address& account);

// The leaf of `account` from any reader with read(key) (StateReader,
// StateOverlay): its kind-50 record, else the tree's only leaf; nullopt for
// a flat market or an account of a tree with several leaves never placed.
template <typename R>
Result<std::optional<uint32_t>> market_of(const R& state, const MarketParams& m,
                                          const Address& account) {
  if (m.markets.nodes.empty()) return std::optional<uint32_t>();
  auto raw = state.read(membership_key(account));
  if (!raw) return raw.status();
  if (!*raw) return only_leaf(m.markets);
  Reader r(**raw);
  uint32_t market = 0;
  if (!r.u32(market) || !r.finish() || market >= m.markets.nodes.size())
    return Status(Code::kCorruption, "bad market membership record");
  return std::optional<uint32_t>(market);
}

void put_membership(chain::StateOverlay& state, const Address& account, uint32_t market);

// Every new order, public or sealed, passes this: on a tree of several
// leaves its owner must be in one (kInvalidArgument otherwise), since an
// order of a household in no leaf could take part in no market
// (tree_clearing.h).
Status require_leaf(const chain::StateOverlay& state, const MarketParams& m, const Address& owner);

Status apply_register_meter_in_market(chain::StateOverlay& state, const chain::Tx& tx,
                                      const MarketParams& m, const chain::BlockContext& ctx);

}  // namespace wattle::modules
