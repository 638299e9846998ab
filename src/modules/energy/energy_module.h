// The energy market module (docs/market.md): orders, escrow, debt, meters,
// gate closure, clearing, settlement and bills.
//
// Owns the PlaceOrder, CancelOrder, RegisterMeter and MeterReading tx kinds,
// the sealed-order kinds 48 and 49 (sealed_orders.h), kind 50 (a meter
// registered into a leaf market, market_membership.h) and the market
// namespaces (orders, escrow accounts, meters, slots, slot books, bills,
// readings, the market cursor, sealed orders 48..50, memberships 51). Its rules are
// market_rules.h, its hooks market_hooks.h (gate closure in begin_block,
// settlement in end_block), its records market_state.h. A credit to an
// account in debt repays the debt first (on_credit). Its conservation term is
// escrow minus debts: with the bank's balances, unchanged by every block.
//
// On a chain whose genesis has no market section the module is still in the
// set, so its txs are refused with kNoMarket as before and its hooks do
// nothing. Immutable; thread-safe.
#pragma once

#include <optional>

#include "chain/module.h"
#include "modules/energy/market_params.h"

namespace wattle::modules {

class EnergyModule final : public chain::Module {
 public:
  explicit EnergyModule(std::optional<MarketParams> params) : params_(std::move(params)) {}

  std::string_view name() const override { return "energy"; }
  std::vector<uint8_t> tx_kinds() const override;
  std::vector<chain::Namespace> namespaces() const override;
  Status check_tx(const chain::Tx& tx) const override;
  Status deliver_tx(chain::TxScope& scope) const override;
  Status begin_block(chain::StateOverlay& state, const chain::BlockHeader& header,
                     std::vector<chain::Event>* events) const override;
  Status end_block(chain::StateOverlay& state, const chain::BlockHeader& header,
                   std::vector<chain::Event>* events) const override;
  Result<Money> on_credit(chain::StateOverlay& state, const Address& address,
                          Money amount) const override;
  Result<__int128> value_delta(const chain::StateReader& base,
                               const chain::StateWrites& writes) const override;
  Result<bool> block_due(const chain::StateReader& state, uint64_t time_ms) const override;

  // The genesis market section; null on a chain without one.
  const MarketParams* params() const { return params_ ? &*params_ : nullptr; }

 private:
  const std::optional<MarketParams> params_;
};

}  // namespace wattle::modules
