// The client's secrets of its sealed orders (docs/market.md, "Sealed orders").
//
// A sealed order's fields and salt never leave the client before the reveal
// window; they live in KEYFILE.sealed.json beside the key that signs them,
// written as key files are (node/home.h: a 0600 temporary, fsynced, renamed
// into place, never through a symlink). The entry is written before the
// sealed tx is submitted (so a crash cannot lose the salt of a committed
// order) and completed with the order id once the node has the tx.
//
//   {"orders": [{"order": "<64 hex or empty>", "slot": S, "side": "buy",
//                "energy_wh": E, "price": P, "salt": "<64 hex>",
//                "revealed": false}, ...]}
//
// Bounded: at most kMaxSealedSecrets entries (1 MiB). Errors: kMalformed for
// a file that does not parse, kTooLarge when full, kIoError from the file
// system.
#pragma once

#include <string>
#include <vector>

#include "core/address.h"
#include "modules/energy/sealed_orders.h"

namespace wattle::cli {

inline constexpr size_t kMaxSealedSecrets = 4096;

struct SealedSecret {
  std::string order;  // the order id (hex); empty until the node took the tx
  uint64_t slot = 0;
  market::Side side = market::Side::kBuy;
  int64_t energy_wh = 0;
  int64_t price = 0;
  modules::Salt salt{};
  bool revealed = false;
};

std::string sealed_secrets_path(const std::string& key_file);
// The entries of the file beside `key_file`; none when it does not exist.
Result<std::vector<SealedSecret>> read_sealed_secrets(const std::string& key_file);
Status write_sealed_secrets(const std::string& key_file, const std::vector<SealedSecret>& s);
// 32 bytes from the operating system's random source (libsodium).
modules::Salt random_salt();
// The reveal tx payload of a secret with an order id (kInvalidArgument without one).
Result<modules::RevealOrder> reveal_of(const SealedSecret& s);

}  // namespace wattle::cli
