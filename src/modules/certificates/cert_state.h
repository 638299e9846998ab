// The certificates module's records in the state tree
// (docs/certificates.md, "State").
//
// Promise: each record has one canonical encoding and its decoder rejects
// anything else (trailing bytes, bad enums, over-limit lists, negative Wh).
// Keys are built here and nowhere else. Integer-only.
//
// A bundle is a run of certificates, one per Wh, with consecutive ids
// [first_id, first_id + wh): all from one device and one production slot.
// Transfer and cancel split a bundle into two with adjacent id ranges, so
// the ids of a device's slot are issued once and each id sits in exactly
// one bundle for ever (active, cancelled or expired).
#pragma once

#include <optional>
#include <vector>

#include "chain/state.h"
#include "core/address.h"
#include "core/keys.h"
#include "core/units.h"
#include "modules/certificates/cert_params.h"

namespace wattle::modules {

// The module's namespaces (its reserved range 40..47, chain/state.h).
namespace cert_ns {
inline constexpr chain::Namespace kDevice{40};       // id: meter key      -> DeviceRecord
inline constexpr chain::Namespace kDeviceIndex{41};  // id: seq u32 BE     -> meter key
inline constexpr chain::Namespace kBundle{42};       // id: bundle id BE   -> Bundle
inline constexpr chain::Namespace kIssue{43};        // id: meter || slot  -> IssueRecord
inline constexpr chain::Namespace kMatch{44};        // id: addr || slot   -> MatchRecord
inline constexpr chain::Namespace kSlotBundles{45};  // id: slot BE        -> BundleList
inline constexpr chain::Namespace kHeld{46};         // id: address        -> BundleList
inline constexpr chain::Namespace kCursor{47};       // id: empty          -> CertCursor
}  // namespace cert_ns

inline constexpr uint32_t kMaxDevices = 1'000'000;
// Bundles that name one production slot (issued, split off by transfer or
// cancel); a split beyond it is refused (kTooLarge).
inline constexpr uint32_t kMaxBundlesPerSlot = 1'000'000;
// Active bundles one account holds; a transfer beyond it is refused and a
// buyer's issuance share beyond it stays with the producer.
inline constexpr uint32_t kMaxHeldBundles = 65'536;
// A producer's own issuance always gets its bundle: at most one per slot,
// and they expire, so a held list never passes this.
inline constexpr uint32_t kMaxProducerHeld =
    kMaxHeldBundles + static_cast<uint32_t>(CertParams::kMaxExpirySlots) + 1;
// The decoder's bound on any bundle list (slot index, held list).
inline constexpr uint32_t kMaxListIds = 1u << 21;
// Cancellations against one account's consumption in one slot.
inline constexpr uint32_t kMaxClaimsPerSlot = 4096;

struct DeviceRecord {
  Address account;  // the meter's household: gets the certificates and rewards
  Technology technology = Technology::kSolar;
  uint64_t capacity_w = 0;
  uint64_t from_slot = 0;  // the first slot it issues for (its registration block's)
  bool operator==(const DeviceRecord&) const = default;
};

enum class BundleStatus : uint8_t { kActive = 0, kCancelled = 1, kExpired = 2 };
inline constexpr uint8_t kMaxBundleStatus = 2;
const char* bundle_status_name(BundleStatus s);

struct Bundle {
  PublicKey device;  // the meter key the device was registered on
  Technology technology = Technology::kSolar;
  uint64_t slot = 0;  // production slot
  uint64_t first_id = 0;
  Energy wh;      // > 0: the ids [first_id, first_id + wh)
  Address owner;  // holder; for a cancelled bundle, the account that claimed it
  BundleStatus status = BundleStatus::kActive;
  uint64_t claim_slot = 0;  // cancelled: the consumption slot it matched
  bool operator==(const Bundle&) const = default;
};

// What a device's slot issued, once.
struct IssueRecord {
  Energy issued;
  uint64_t first_id = 0;
  Money reward;  // minted to the producer with it
  bool operator==(const IssueRecord&) const = default;
};

// An account's consumption in a slot matched by cancelled certificates.
struct MatchRecord {
  Energy matched;
  std::vector<uint64_t> bundles;  // the cancelled bundles, in cancel order
  bool operator==(const MatchRecord&) const = default;
};

struct BundleList {
  std::vector<uint64_t> ids;
  bool operator==(const BundleList&) const = default;
};

struct CertCursor {
  uint64_t next_bundle = 0;
  uint64_t next_cert_id = 0;
  uint32_t devices = 0;
  uint64_t issue_slot = 0;  // the next slot to issue (valid once devices > 0)
  Money minted;             // reward tokens minted since genesis
  bool operator==(const CertCursor&) const = default;
};

namespace cert_keys {
chain::StateKey device(const PublicKey& meter);
chain::StateKey device_index(uint32_t seq);
chain::StateKey bundle(uint64_t id);
chain::StateKey issue(const PublicKey& meter, uint64_t slot);
chain::StateKey match(const Address& a, uint64_t slot);
chain::StateKey slot_bundles(uint64_t slot);
chain::StateKey held(const Address& a);
chain::StateKey cursor();
// The bundle id a kBundle key names.
Result<uint64_t> bundle_id(const chain::StateKey& key);
}  // namespace cert_keys

#define WATTLE_CERT_RECORD(T)         \
  void encode(Writer& w, const T& v); \
  Status decode(Reader& r, T& v);
WATTLE_CERT_RECORD(DeviceRecord)
WATTLE_CERT_RECORD(Bundle)
WATTLE_CERT_RECORD(IssueRecord)
WATTLE_CERT_RECORD(MatchRecord)
WATTLE_CERT_RECORD(BundleList)
WATTLE_CERT_RECORD(CertCursor)
#undef WATTLE_CERT_RECORD

}  // namespace wattle::modules
