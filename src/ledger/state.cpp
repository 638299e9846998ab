#include "ledger/state.h"

namespace wattle::ledger {

Hash256 account_leaf(const Address& address, const Account& account) {
  Writer w;
  w.u8(0);
  encode(w, address);
  encode(w, account);
  return blake2b256(w.data());
}

Account State::get(const Address& address) const {
  auto it = accounts_.find(address);
  return it == accounts_.end() ? Account{} : it->second.account;
}

void State::put(const Address& address, const Account& account) {
  accounts_[address] = Entry{account, account_leaf(address, account)};
}

void State::apply(const AccountWrites& writes) {
  for (const auto& [addr, acct] : writes) put(addr, acct);
}

Hash256 State::root() const {
  std::vector<Hash256> leaves;
  leaves.reserve(accounts_.size());
  for (const auto& [addr, e] : accounts_) leaves.push_back(e.leaf);
  return merkle_root(leaves);
}

std::optional<Money> State::total_balance() const {
  Money total;
  for (const auto& [addr, e] : accounts_) {
    auto t = total.checked_add(e.account.balance);
    if (!t) return std::nullopt;
    total = *t;
  }
  return total;
}

Account StateOverlay::get(const Address& address) const {
  auto it = writes_.find(address);
  return it != writes_.end() ? it->second : base_.get(address);
}

Hash256 StateOverlay::root() const {
  // Merge the two ordered sequences; written leaves replace or join base leaves.
  std::vector<Hash256> leaves;
  leaves.reserve(base_.size() + writes_.size());
  auto b = base_.accounts().begin(), be = base_.accounts().end();
  auto w = writes_.begin(), we = writes_.end();
  while (b != be || w != we) {
    if (w == we || (b != be && b->first < w->first)) {
      leaves.push_back(b->second.leaf);
      ++b;
    } else {
      if (b != be && b->first == w->first) ++b;
      leaves.push_back(account_leaf(w->first, w->second));
      ++w;
    }
  }
  return merkle_root(leaves);
}

}  // namespace wattle::ledger
