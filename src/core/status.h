// Status and Result<T>: how every module reports an error without throwing.
//
// A Status is a stable machine-readable Code plus a human message. Codes are
// part of the public contract (the HTTP API and CLI print code_name()), so
// never renumber or rename one; append new codes at the end.
// Exceptions are used only at process edges (CLI, RPC), where they become
// messages (docs/architecture.md).
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wattle {

enum class Code : int {
  kOk = 0,
  kInvalidArgument,    // a value out of its allowed range (zero amount, negative energy...)
  kMalformed,          // bytes or text that do not decode (truncated, trailing, non-canonical)
  kTooLarge,           // input over a configured size limit
  kOverflow,           // arithmetic would leave the int64 range
  kBadSignature,       // signature does not verify
  kWrongChain,         // signed for another chain id
  kNonceReplay,        // nonce already used
  kNonceGap,           // nonce skips ahead of the next expected one
  kInsufficientFunds,  // balance too small
  kNotFound,           // unknown block, tx or account
  kUnknownAccount,     // account that does not exist where one is required
  kDuplicate,          // already known (tx in mempool, duplicate id)
  kMempoolFull,        // bounded mempool at capacity
  kUnavailable,        // resource temporarily unavailable (shutting down, busy)
  kIoError,            // storage or file system failure
  kCorruption,         // stored data fails verification
  kInternal,           // a bug: an invariant did not hold
  kUnauthorized,       // caller lacks the required key/role
  kHalted,             // the node stopped producing blocks (storage failure); nothing new commits
  kBelowMinBalance,    // would leave an account above zero but below the genesis min_balance
  // The energy market (docs/market.md, "Rules"):
  kNoMarket,         // a market tx or query on a chain whose genesis has no market section
  kSlotClosed,       // an order or cancel for a slot whose gate has closed (or is in the past)
  kSlotTooFar,       // an order for a slot beyond current slot + max_slots_ahead
  kInDebt,           // an account with market debt places an order
  kUnknownMeter,     // a reading signed by a key no meter registration names
  kReadingWindow,    // a reading for a slot that has not ended, or has settled
  kCounterDecrease,  // a reading with a counter below the meter's previous reading
  kOverPhysicalMax,  // a reading over max_reading_wh_per_slot per elapsed slot
  kCatchingUp,       // the node is too far behind its peers to check a tx against current state
  // Certificates (docs/certificates.md, "Errors"):
  kBundleInactive,         // a transfer or cancel of a cancelled or expired bundle
  kOutsideMatchWindow,     // a cancel for a slot outside the bundle's match window
  kAboveConsumption,       // a cancel above the sender's metered import not yet matched
  kNotEnoughCertificates,  // a transfer or cancel of more Wh than the bundle holds
  // Staking (docs/staking.md, "Bad input"):
  kNoStaking,     // a staking tx this chain's consensus does not take (single, poa vs pos, ...)
  kKeyInUse,      // a create-validator with a consensus key another validator holds
  kNotCandidate,  // a delegation to an address that is no candidate, or a tombstoned one
  kNotJailed,     // an unjail by a validator that is not jailed
  kJailed,        // an unjail before the jail ends
  kTombstoned,    // a tx of a validator tombstoned for double-signing
  kNotAuthority,  // a poa proposal or vote by a key outside the authority set
  kAlreadyVoted,  // a second vote of one authority on one proposal
  // Sealed orders (docs/market.md, "Sealed orders"):
  kRevealWindow,    // a reveal before its slot's gate closure or after its reveal window
  kRevealMismatch,  // a reveal whose fields and salt do not hash to the commitment
};

// Stable snake_case name of a code, e.g. "bad_signature". Used in JSON errors.
std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code_name: message", for logs and CLI errors.
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-ok Status. Accessing value() of an error is a bug
// (asserted in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }
  Result(Code code, std::string message) : v_(Status(code, std::move(message))) {}

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // The error; Status::ok() if this holds a value.
  Status status() const { return is_ok() ? Status::ok() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

// Propagate a non-ok Status from an expression returning Status.
#define WATTLE_RETURN_IF_ERROR(expr) \
  do {                               \
    ::wattle::Status _st = (expr);   \
    if (!_st.is_ok()) return _st;    \
  } while (0)

}  // namespace wattle
