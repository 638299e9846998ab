// PowMutation: deliberate engine bugs that the PoW simulator's checks must
// catch (docs/consensus.md, "Proof of work"): a checker that cannot fail
// proves nothing. Only the simulator and tests switch one on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wattle::consensus::pow {

enum class PowMutation : uint8_t {
  kNone,
  kNoReorg,  // fork choice only ever extends the current tip: heavier forks are ignored
};

std::string_view pow_mutation_name(PowMutation m);
std::optional<PowMutation> parse_pow_mutation(std::string_view name);
std::string pow_mutation_names();  // "none, no-reorg": for help texts

}  // namespace wattle::consensus::pow
