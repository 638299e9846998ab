// The bank module: balances and transfers (docs/ledger.md, "Transfers").
//
// Owns the Transfer tx kind and the account balances (Namespace::kAccount;
// the nonce beside each balance is the chain's, chain/account.h). A transfer
// moves `amount` from the sender to `to` under the min-balance rule
// (rules.h); every credit passes the other modules' on_credit first (the
// energy market repays debt from it). Its conservation term is the change of
// all balances. Immutable; thread-safe.
#pragma once

#include "chain/module.h"

namespace wattle::modules {

class BankModule final : public chain::Module {
 public:
  explicit BankModule(Money min_balance) : min_balance_(min_balance) {}

  std::string_view name() const override { return "bank"; }
  std::vector<uint8_t> tx_kinds() const override;
  std::vector<chain::Namespace> namespaces() const override;
  Status deliver_tx(chain::TxScope& scope) const override;
  Result<__int128> value_delta(const chain::StateReader& base,
                               const chain::StateWrites& writes) const override;

  Money min_balance() const { return min_balance_; }

 private:
  const Money min_balance_;
};

}  // namespace wattle::modules
