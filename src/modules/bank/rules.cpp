#include "modules/bank/rules.h"

#include <string>

namespace wattle::modules {

Result<Money> debit(Money balance, Money amount, Money min_balance) {
  if (amount.value() < 0) return Status(Code::kInvalidArgument, "amount must be >= 0");
  if (balance < amount)
    return Status(Code::kInsufficientFunds, "balance " + std::to_string(balance.value()) +
                                                " < amount " + std::to_string(amount.value()));
  Money left = *balance.checked_sub(amount);  // cannot overflow: 0 <= amount <= balance
  if (left.value() != 0 && left < min_balance)
    return Status(Code::kBelowMinBalance,
                  "would leave the sender with " + std::to_string(left.value()) +
                      ", below min_balance " + std::to_string(min_balance.value()) +
                      " (send everything or leave at least min_balance)");
  return left;
}

Result<Money> credit(Money balance, Money amount, Money min_balance) {
  auto sum = balance.checked_add(amount);
  if (!sum) return Status(Code::kOverflow, "recipient balance would overflow");
  if (sum->value() != 0 && *sum < min_balance)
    return Status(Code::kBelowMinBalance,
                  "would leave the recipient with " + std::to_string(sum->value()) +
                      ", below min_balance " + std::to_string(min_balance.value()));
  return *sum;
}

}  // namespace wattle::modules
