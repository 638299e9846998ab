#include "modules/energy/energy_module.h"

#include "modules/energy/market_hooks.h"
#include "modules/energy/market_membership.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/sealed_orders.h"

namespace wattle::modules {

using namespace ::wattle::chain;

std::vector<uint8_t> EnergyModule::tx_kinds() const {
  return {static_cast<uint8_t>(TxKind::kPlaceOrder),
          static_cast<uint8_t>(TxKind::kCancelOrder),
          static_cast<uint8_t>(TxKind::kRegisterMeter),
          static_cast<uint8_t>(TxKind::kMeterReading),
          kSealedOrderKind,
          kRevealOrderKind,
          kRegisterMeterInMarketKind};
}

std::vector<Namespace> EnergyModule::namespaces() const {
  return {Namespace::kOrder,     Namespace::kEscrow,   Namespace::kMeter,   Namespace::kSlot,
          Namespace::kSlotOrder, Namespace::kBill,     Namespace::kReading, Namespace::kMarket,
          kSealedNamespace,      kSealWindowNamespace, kSealIndexNamespace, kMembershipNamespace};
}

Status EnergyModule::check_tx(const Tx& tx) const {
  // The payload ranges are the envelope's (check_stateless); a chain without
  // a market refuses market txs before their signature is checked.
  if (!params_) return Status(Code::kNoMarket, "this chain's genesis has no market section");
  if (const auto* mod = std::get_if<ModuleTx>(&tx.payload)) {
    if (mod->kind == kSealedOrderKind) return decode_sealed_order(mod->body).status();
    if (mod->kind == kRegisterMeterInMarketKind)
      return decode_register_meter_in_market(mod->body).status();
    return decode_reveal_order(mod->body).status();
  }
  return Status::ok();
}

Status EnergyModule::deliver_tx(TxScope& scope) const {
  if (const auto* mod = std::get_if<ModuleTx>(&scope.tx.payload)) {
    if (!params_) return Status(Code::kNoMarket, "this chain's genesis has no market section");
    if (mod->kind == kRegisterMeterInMarketKind)
      return apply_register_meter_in_market(scope.state, scope.tx, *params_, scope.ctx);
    return apply_sealed_tx(scope.state, scope.tx, scope.sender, *params_, scope.ctx, scope.events);
  }
  return apply_market_tx(scope.state, scope.tx, scope.sender, params(), scope.ctx, scope.events);
}

Status EnergyModule::begin_block(StateOverlay& state, const BlockHeader& header,
                                 std::vector<Event>* events) const {
  if (!params_) return Status::ok();
  return market_begin_block(state, *params_, header, events);
}

Status EnergyModule::end_block(StateOverlay& state, const BlockHeader& header,
                               std::vector<Event>* events) const {
  if (!params_) return Status::ok();
  return market_end_block(state, *params_, header, events);
}

Result<Money> EnergyModule::on_credit(StateOverlay& state, const Address& address,
                                      Money amount) const {
  if (!params_) return amount;
  return repay_debt(state, address, amount);
}

Result<__int128> EnergyModule::value_delta(const StateReader& base,
                                           const StateWrites& writes) const {
  if (!params_) return __int128{0};
  return market_value_delta(base, writes);
}

Result<bool> EnergyModule::block_due(const StateReader& state, uint64_t time_ms) const {
  if (!params_) return false;
  return market_block_due(state, *params_, time_ms);
}

}  // namespace wattle::modules
