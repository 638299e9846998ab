// The certificates module's txs (docs/certificates.md, "Transactions"):
// module payloads (chain/tx.h, ModuleTx) of kinds 40..42 with canonical
// bodies.
//
//   RegisterDevice (40), operator only: a production device behind a
//     registered meter; issues from the next settled slot on.
//   CertTransfer (41): moves `wh` of a bundle the sender holds to `to`,
//     splitting it when `wh` is less than the bundle.
//   CertCancel (42): retires `wh` of a bundle the sender holds against the
//     sender's own metered import in `slot`.
//
// decode_cert_tx is strict (trailing bytes, unknown technology, zero or
// negative Wh and capacity are errors), so check_tx refuses a bad body
// before its signature is checked. Value types.
#pragma once

#include <variant>

#include "chain/tx.h"
#include "modules/certificates/cert_params.h"

namespace wattle::modules {

inline constexpr uint8_t kRegisterDeviceKind = 40;
inline constexpr uint8_t kCertTransferKind = 41;
inline constexpr uint8_t kCertCancelKind = 42;
inline constexpr uint64_t kMaxCapacityW = 10'000'000'000;  // 10 GW

struct RegisterDevice {
  PublicKey meter;
  Address account;
  Technology technology = Technology::kSolar;
  uint64_t capacity_w = 0;  // 1..kMaxCapacityW
  bool operator==(const RegisterDevice&) const = default;
};
struct CertTransfer {
  uint64_t bundle = 0;
  Energy wh;  // > 0
  Address to;
  bool operator==(const CertTransfer&) const = default;
};
struct CertCancel {
  uint64_t bundle = 0;
  Energy wh;          // > 0
  uint64_t slot = 0;  // the sender's consumption slot it matches
  bool operator==(const CertCancel&) const = default;
};
using CertTx = std::variant<RegisterDevice, CertTransfer, CertCancel>;

// The payload that carries `tx`.
chain::ModuleTx to_payload(const CertTx& tx);
// The certificate tx a payload carries; kMalformed or kInvalidArgument (with
// a message naming the field) for a body that is not one.
Result<CertTx> decode_cert_tx(const chain::ModuleTx& payload);

}  // namespace wattle::modules
