// The stateful rules of a tx, in one place: CheckTx (the mempool, against
// the committed state plus the sender's pending txs) and execution (against
// the state as the block has changed it so far) both call these, so a rule
// cannot drift between admission and execution.
//
// Pure functions of their arguments; errors carry stable codes:
// kNonceReplay, kNonceGap, kInsufficientFunds, kOverflow, kBelowMinBalance.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "core/units.h"

namespace wattle::ledger {

// A tx must carry exactly the sender's next nonce: no replays, no gaps.
Status check_nonce(uint64_t next, uint64_t nonce);

// The balance left after taking `amount` from `balance`. A balance other than
// exactly zero must stay >= min_balance (Substrate's existential deposit), so
// state cannot be grown or kept with dust.
Result<Money> debit(Money balance, Money amount, Money min_balance);

// The balance after adding `amount` (> 0): no int64 overflow, and a result
// below min_balance (a new account funded with dust) is refused.
Result<Money> credit(Money balance, Money amount, Money min_balance);

}  // namespace wattle::ledger
