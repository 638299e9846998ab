#include "cluster_sim/sim_app.h"

#include <string>

#include "chain/block.h"
#include "core/codec.h"
#include "core/keys.h"

namespace wattle::cluster_sim {

using namespace consensus;

Value fake_value(bool valid, uint64_t height, uint32_t round, NodeIndex proposer, uint64_t salt) {
  Writer w;
  w.str("wattle-sim-value");
  w.boolean(valid);
  w.u64(height);
  w.u32(round);
  w.u32(proposer);
  w.u64(salt);
  Value v;
  v.data = std::move(w).take();
  v.id = blake2b256(v.data);
  return v;
}

bool SimApp::validate(uint64_t height, const Value& v) {
  if (full_) {
    auto b = chain::decode_block(v.data);
    return b && b->header.height == height;
  }
  return fake_value_valid(height, v);
}

bool fake_value_valid(uint64_t height, const Value& v) {
  Reader r(v.data);
  std::string tag;
  bool valid = false;
  uint64_t h = 0;
  if (!r.str(tag, 32) || tag != "wattle-sim-value" || !r.boolean(valid) || !r.u64(h)) return false;
  return valid && h == height;
}

bool CachingVerifier::verify(const PublicKey& key, ByteView message, const Signature& sig) const {
  Hasher h;
  h.update(key.bytes).update(sig.bytes).update(message);
  const Hash256 k = h.finish();
  auto it = memo_.find(k);
  if (it != memo_.end()) return it->second;
  const bool ok = wattle::verify(key, message, sig);
  memo_.emplace(k, ok);
  return ok;
}

bft::TimeoutConfig sim_timeouts() {
  bft::TimeoutConfig t;
  t.propose_ms = 100;
  t.propose_delta_ms = 20;
  t.prevote_ms = 50;
  t.prevote_delta_ms = 20;
  t.precommit_ms = 50;
  t.precommit_delta_ms = 20;
  t.rebroadcast_ms = 200;
  t.rebroadcast_delta_ms = 20;
  return t;
}

}  // namespace wattle::cluster_sim
