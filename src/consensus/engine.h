// The consensus engine interface (docs/architecture.md): a pure state machine.
//
// An engine owns no sockets, threads, clocks or randomness. The host (the node
// in production, src/cluster_sim in tests) feeds it events and carries out the
// actions it returns, in order. This is what lets the simulator run many
// engines in one process over a seeded network, and replay any run exactly.
//
// Contract for hosts:
//  - Call exactly one method at a time (engines are not thread-safe).
//  - Carry out the returned actions in order. A PersistBeforeSend must be
//    durable before any later Broadcast/Send of the same batch leaves.
//  - ScheduleTimeout asks for on_timeout(t) after t.delay_ms of host time;
//    the host may deliver stale timeouts, engines ignore those.
//  - Commit means the value is final at that height: the host executes it,
//    stores it (with the certificate) and then calls on_block_executed.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"

namespace wattle::consensus {

// Index of a validator in the validator set; hosts map it to a peer.
using NodeIndex = uint32_t;

// An opaque block value: its id (the block hash) and the bytes the ledger
// needs. Engines compare values by id only.
struct Value {
  Hash256 id;
  Bytes data;
  bool operator==(const Value& o) const { return id == o.id; }
};

// Which step a timeout belongs to; engines define what each means.
// kRebroadcast (BFT): re-send this validator's own messages of the current
// round, the engine's share of gossip so that messages lost before the
// network healed do not stall a round forever.
enum class TimeoutStep : uint8_t {
  kPropose = 0,
  kPrevote = 1,
  kPrecommit = 2,
  kBlockInterval = 3,
  kRebroadcast = 4
};

struct Timeout {
  uint64_t height = 0;
  uint32_t round = 0;
  TimeoutStep step = TimeoutStep::kPropose;
  uint64_t delay_ms = 0;
  bool operator==(const Timeout&) const = default;
};

// --- Actions ------------------------------------------------------------------
struct Broadcast {  // send a message to every other validator
  Bytes message;
};
struct Send {  // send a message to one validator
  NodeIndex to = 0;
  Bytes message;
};
struct ScheduleTimeout {
  Timeout timeout;
};
struct Commit {  // the value is decided at this height
  uint64_t height = 0;
  Value value;
  Bytes certificate;  // engine-specific proof anyone can verify (e.g. 2f+1 precommits)
};
struct PersistBeforeSend {  // engine state that must be durable before later sends
  Bytes state;
};
struct EvidenceFound {  // verifiable proof of misbehaviour (equivocation)
  Bytes evidence;
};
// Ask the application for a value to propose; answered by on_value_ready.
struct RequestValue {
  uint64_t height = 0;
  uint32_t round = 0;
};

using Action = std::variant<Broadcast, Send, ScheduleTimeout, Commit, PersistBeforeSend,
                            EvidenceFound, RequestValue>;
using Actions = std::vector<Action>;

// How hosts dispatch actions: std::visit(ActionHandlers{one lambda per action
// type}, action). There is no generic fallback, so a new action type fails
// to compile in every host until the host handles it.
template <class... Handlers>
struct ActionHandlers : Handlers... {
  using Handlers::operator()...;
};
// Spelled out for clang 14, which lacks C++20's deduction for aggregates.
template <class... Handlers>
ActionHandlers(Handlers...) -> ActionHandlers<Handlers...>;

// How a value's id follows from its bytes: the ledger's block hash, supplied
// by the host, so the engine can check that a proposal's or a decision's
// bytes are the block its signatures are about without knowing the block
// format. A signature covers the id only; without this check a relay could
// swap the bytes under a correctly signed proposal. Must be a pure function;
// called from the engine's thread only.
class ValueHasher {
 public:
  virtual ~ValueHasher() = default;
  virtual Hash256 id_of(ByteView data) const = 0;
};
// id = BLAKE2b-256(data): for values whose id is the hash of all their bytes
// (the simulator's, the tests'). A static instance; thread-safe.
const ValueHasher& blake2b_value_hasher();

// What the engine needs from the ledger: validity of a proposed value.
class ValueValidator {
 public:
  virtual ~ValueValidator() = default;
  // True iff `value` is a valid block for `height` on top of the committed chain.
  virtual bool validate(uint64_t height, const Value& value) = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Begins consensus at `height` (the first height not yet committed).
  virtual Actions start(uint64_t height) = 0;
  // A message from another validator (or from itself, for hosts that loop back).
  virtual Actions on_message(NodeIndex from, ByteView message) = 0;
  virtual Actions on_timeout(const Timeout& timeout) = 0;
  // Answer to RequestValue; std::nullopt when there is nothing to propose.
  virtual Actions on_value_ready(uint64_t height, uint32_t round, std::optional<Value> value) = 0;
  // The host has executed and stored the value committed at `height`.
  virtual Actions on_block_executed(uint64_t height) = 0;
};

}  // namespace wattle::consensus
