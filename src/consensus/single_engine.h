// SingleEngine: consensus for a one-validator chain (devnets, the demo, benches).
//
// Every block interval it asks the application for a value; if there is one
// it commits it at once (one validator is its own quorum). The certificate
// is the validator's Ed25519 signature over (chain id, height, value id), which
// anyone holding the genesis validator key can verify. Not thread-safe.
#pragma once

#include <string>

#include "consensus/engine.h"
#include "core/keys.h"

namespace wattle::consensus {

class SingleEngine final : public Engine {
 public:
  SingleEngine(std::string chain_id, KeyPair key, uint64_t block_interval_ms);

  Actions start(uint64_t height) override;
  Actions on_message(NodeIndex from, ByteView message) override { return {}; }
  Actions on_timeout(const Timeout& timeout) override;
  Actions on_value_ready(uint64_t height, uint32_t round, std::optional<Value> value) override;
  Actions on_block_executed(uint64_t height) override;

  // Bytes signed by the certificate.
  static Bytes certificate_message(std::string_view chain_id, uint64_t height, const Hash256& id);
  static bool verify_certificate(std::string_view chain_id, const PublicKey& validator,
                                 uint64_t height, const Hash256& id, ByteView certificate);

 private:
  Actions schedule_next();
  std::string chain_id_;
  KeyPair key_;
  uint64_t interval_ms_;
  uint64_t height_ = 0;
  bool waiting_for_value_ = false;
};

}  // namespace wattle::consensus
