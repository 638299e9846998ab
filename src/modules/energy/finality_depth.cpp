#include "modules/energy/finality_depth.h"

#include "modules/energy/market_state.h"

namespace wattle::modules {
using namespace ::wattle::chain;

Result<bool> depth_gate(StateOverlay& state, const MarketParams& m, const BlockHeader& header,
                        uint64_t slot) {
  if (m.finality_depth == 0) return true;
  const StateKey key = market_keys::depth_wait(slot);
  auto raw = state.read(key);
  if (!raw) return raw.status();
  if (!*raw) {
    Writer w;
    w.u64(header.height);
    state.put(key, w.data());
    return false;
  }
  Reader r(**raw);
  uint64_t ready_height = 0;
  WATTLE_RETURN_IF_ERROR(r.u64(ready_height));
  if (r.remaining() != 0 || ready_height == 0 || ready_height >= header.height)
    return Status(Code::kCorruption, "bad depth wait record of slot " + std::to_string(slot));
  if (header.height < depth_clear_height(m, ready_height)) return false;
  state.erase(key);
  return true;
}

}  // namespace wattle::modules
