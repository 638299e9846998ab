// Account state: what the ledger keeps per address.
#pragma once

#include <cstdint>

#include "core/codec.h"
#include "core/units.h"

namespace wattle::chain {

struct Account {
  Money balance;
  uint64_t nonce = 0;  // number of txs this account has sent; the next tx must carry it
  bool operator==(const Account&) const = default;
};

inline void encode(Writer& w, const Account& a) {
  w.i64(a.balance.value());
  w.u64(a.nonce);
}
inline Status decode(Reader& r, Account& a) {
  int64_t b = 0;
  WATTLE_RETURN_IF_ERROR(r.i64(b));
  if (b < 0) return Status(Code::kCorruption, "negative balance");
  a.balance = Money(b);
  return r.u64(a.nonce);
}

}  // namespace wattle::chain
