// Reading consensus messages for the simulator's traces and checks.
//
// Promises: pure functions of their arguments; describe() never fails (bytes
// that do not decode read "malformed").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "consensus/bft/messages.h"
#include "core/hash.h"

namespace wattle::cluster_sim {

// (height, round) of a proposal or vote; none for a decision.
std::optional<std::pair<uint64_t, uint32_t>> height_round(const consensus::bft::Message& m);

// The first 8 hex digits of an id, or "nil".
std::string short_id(const std::optional<Hash256>& id);

// One line for the trace: kind, height, round, value and author.
std::string describe(ByteView bytes);

}  // namespace wattle::cluster_sim
