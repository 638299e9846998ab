// Typed queries of the staking module over committed state (the CLI's
// `wattle query validators|stake` and the HTTP views read them).
// Bounded: a stake view walks the candidates (at most kMaxCandidates).
#pragma once

#include <optional>
#include <vector>

#include "chain/state.h"
#include "modules/staking/staking_state.h"

namespace wattle::modules {

// What one address holds in staking.
struct StakeView {
  std::optional<ValidatorRecord> validator;  // when the address is an operator
  struct Bonded {
    Address validator;
    int64_t amount = 0;   // tokens its shares are worth now
    int64_t rewards = 0;  // pending, paid at its next change (commission included for operators)
  };
  std::vector<Bonded> delegations;
  std::vector<UnbondingEntry> unbonding;  // the address's entries, with release heights
};
void encode(Writer& w, const StakeView& v);
Status decode(Reader& r, StakeView& v);

Result<StakeView> stake_view(const chain::StateReader& state, const Address& who);

}  // namespace wattle::modules
