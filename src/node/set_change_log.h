// The proofs a light client needs to follow validator-set changes
// (docs/staking.md, "The light client"), served as GET /v1/validators/changes.
//
// A change recorded at height H (taking effect at H+2) is proven against
// H's state root: the set index (which lists every change up to H) and the
// new set's record. The store keeps only the head's state tree, so these
// proofs can only be made while H is the head: the node takes them right
// after committing H, on the replica's thread, before the next commit.
//
// Promises: changes() lists the changes this process committed, ascending,
// at most kMaxChanges (the oldest dropped first); a change committed before
// the node started is not there (its proof is gone with its tree), which a
// client sees as an index naming a change it was not given. Thread-safe:
// on_committed on the replica's thread, changes() from any.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>

#include "chain/genesis.h"
#include "chain/state.h"

namespace wattle::node {

class SetChangeLog {
 public:
  static constexpr size_t kMaxChanges = 1024;

  // `genesis` must outlive this; a chain without staked sets logs nothing.
  explicit SetChangeLog(const chain::Genesis& genesis) : genesis_(genesis) {}

  // After the block at `height` committed, with `committed` the state at it:
  // logs the change the block recorded, if any. The first call only learns
  // the last change already recorded.
  Status on_committed(const chain::StateReader& committed, uint64_t height);

  // {"changes": [{"height", "effective", "state_root", "index": {"value",
  // "proof"}, "set": {"value", "proof"}}]}, hex strings.
  nlohmann::json changes() const;

 private:
  const chain::Genesis& genesis_;
  mutable std::mutex mu_;
  std::optional<uint64_t> last_effective_;  // the index's last entry seen
  std::deque<nlohmann::json> changes_;
};

}  // namespace wattle::node
