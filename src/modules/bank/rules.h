// The bank's balance arithmetic: debits and credits under the min-balance
// rule. The bank module's transfer rule (bank_module.h) and the energy
// market's settlement use them, in CheckTx and execution alike.
//
// Pure functions of their arguments; errors carry stable codes:
// kInsufficientFunds, kOverflow, kBelowMinBalance.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "core/units.h"

namespace wattle::modules {

// The balance left after taking `amount` from `balance`. A balance other than
// exactly zero must stay >= min_balance (Substrate's existential deposit), so
// state cannot be grown or kept with dust.
Result<Money> debit(Money balance, Money amount, Money min_balance);

// The balance after adding `amount` (> 0): no int64 overflow, and a result
// below min_balance (a new account funded with dust) is refused.
Result<Money> credit(Money balance, Money amount, Money min_balance);

}  // namespace wattle::modules
