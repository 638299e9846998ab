#include "consensus/pow/mutation.h"

namespace wattle::consensus::pow {

std::string_view pow_mutation_name(PowMutation m) {
  switch (m) {
    case PowMutation::kNone:
      return "none";
    case PowMutation::kNoReorg:
      return "no-reorg";
  }
  return "unknown";
}

std::optional<PowMutation> parse_pow_mutation(std::string_view name) {
  for (auto m : {PowMutation::kNone, PowMutation::kNoReorg})
    if (pow_mutation_name(m) == name) return m;
  return std::nullopt;
}

std::string pow_mutation_names() {
  return "none, no-reorg";
}

}  // namespace wattle::consensus::pow
