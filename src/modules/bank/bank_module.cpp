#include "modules/bank/bank_module.h"

#include "modules/bank/rules.h"

namespace wattle::modules {

using namespace ::wattle::chain;

std::vector<uint8_t> BankModule::tx_kinds() const {
  return {static_cast<uint8_t>(TxKind::kTransfer)};
}

std::vector<Namespace> BankModule::namespaces() const {
  return {Namespace::kAccount};
}

Status BankModule::deliver_tx(TxScope& scope) const {
  const auto* t = std::get_if<Transfer>(&scope.tx.payload);
  if (t == nullptr) return Status(Code::kInternal, "bank: not a transfer");
  if (t->amount.value() <= 0) return Status(Code::kInvalidArgument, "amount must be > 0");
  Account& sender = scope.sender;
  if (t->to == scope.tx.sender_address()) {
    // A self-transfer: the funds must cover it; only the nonce moves.
    auto left = debit(sender.balance, t->amount, Money(0));
    return left ? Status::ok() : left.status();
  }
  auto left = debit(sender.balance, t->amount, min_balance_);
  if (!left) return left.status();
  auto recipient = scope.state.account(t->to);
  if (!recipient) return recipient.status();
  auto credited = credit(recipient->balance, t->amount, min_balance_);
  if (!credited) return credited.status();
  // What the other modules leave of the credit (the market repays debt).
  auto kept = scope.modules.on_credit(scope.state, t->to, t->amount);
  if (!kept) return kept.status();
  sender.balance = *left;
  recipient->balance = Money(recipient->balance.value() + kept->value());  // <= *credited
  scope.state.put(t->to, *recipient);
  return Status::ok();
}

Result<__int128> BankModule::value_delta(const StateReader& base, const StateWrites& writes) const {
  __int128 delta = 0;
  for (auto it = writes.lower_bound(StateKey{Namespace::kAccount, {}});
       it != writes.end() && it->first.ns == Namespace::kAccount; ++it) {
    auto before = base.read(it->first);
    if (!before) return before.status();
    __int128 was = 0, now = 0;
    if (*before) {
      auto a = decode_exact<Account>(**before);
      if (!a) return a.status();
      was = a->balance.value();
    }
    if (it->second) {
      auto a = decode_exact<Account>(*it->second);
      if (!a) return a.status();
      now = a->balance.value();
    }
    delta += now - was;
  }
  return delta;
}

}  // namespace wattle::modules
