// Deliberate bugs in the application ("mutations") that prove the
// whole-replica simulator's checks can fail (docs/architecture.md). Only the
// simulator's mutation runs build one (`wattle consensus simulate --full
// --mutation ...`); the node host passes nullptr (AppConfig::hooks), so a
// node runs the unmutated application. The chain names no caller: the
// guard is that AppConfig::hooks is set in src/cluster_sim alone.
#pragma once

#include <cstdint>

namespace wattle::chain {

class AppTestHooks {
 public:
  // nondeterministic-exec: execution reads a value from outside the block
  // and the state (here: this replica's own min_balance, local_min_balance,
  // as if taken from a local config file or clock), so replicas can compute
  // different results for one block.
  bool nondeterministic_exec() const { return nondeterministic_exec_; }
  int64_t local_min_balance() const { return local_min_balance_; }
  // skip-root-check: a follower's process_proposal accepts a block after
  // the link checks without re-executing it (finalize_block still does).
  bool skip_root_check() const { return skip_root_check_; }

  AppTestHooks(bool nondeterministic_exec, int64_t local_min_balance, bool skip_root_check)
      : nondeterministic_exec_(nondeterministic_exec),
        local_min_balance_(local_min_balance),
        skip_root_check_(skip_root_check) {}

 private:
  bool nondeterministic_exec_;
  int64_t local_min_balance_;
  bool skip_root_check_;
};

}  // namespace wattle::chain
