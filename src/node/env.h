// Env: what the consensus host needs from outside its own code: the clocks,
// workers and disk space every layer gets (core/env.h), plus timers and the
// network, as one small interface (LevelDB's Env idea). The process
// (node.cpp) implements it with the system clock, Asio timers and, with
// peers, the P2P switch; the deterministic simulator (src/cluster_sim) with its
// virtual clock, event queue and simulated network, so the very same host
// code runs in both. Storage comes in as the ledger Store, whose file
// system is injectable too (chain::StoreOptions::env: RocksDB's MemEnv in
// the simulator).
//
// Contract: every call comes from the replica's thread, and every callback
// the Env makes into the Replica (on_timeout, on_message) must be made on
// that thread, one at a time.
#pragma once

#include <cstdint>

#include "chain/application.h"
#include "consensus/engine.h"
#include "core/bytes.h"
#include "core/env.h"
#include "core/status.h"

namespace wattle::node {

class Env : public ::wattle::Env {
 public:
  // now_ms(): the time a proposer puts in its block.
  // The rest of core/env.h defaults to a deterministic host (the
  // simulator's): steady time is now_ms(), work runs in the calling thread,
  // disks never fill. The process overrides them with system_env()'s.
  uint64_t steady_ms() override { return now_ms(); }
  void for_each(size_t n, const std::function<void(size_t)>& fn) override {
    for (size_t i = 0; i < n; ++i) fn(i);
  }
  unsigned worker_count() const override { return 1; }
  Result<uint64_t> free_bytes(const std::string&) override { return UINT64_MAX; }

  // Calls Replica::on_timeout(timeout) once timeout.delay_ms have passed.
  virtual void schedule(const consensus::Timeout& timeout) = 0;
  // Best effort, possibly lost or reordered: the engine tolerates both.
  virtual void send(consensus::NodeIndex to, Bytes message) = 0;
  virtual void broadcast(Bytes message) = 0;

  // --- observers (default: nothing) ---------------------------------------
  // The engine's state was made durable. Returning false ends the action
  // batch there, as if the process died before anything after it left (the
  // simulator's crash between persisting and sending); the replica then
  // takes no further calls.
  virtual bool after_persist() { return true; }
  // A block was committed (durable) at commit.height.
  virtual void on_committed(const chain::CommitInfo& info, const consensus::Commit& commit) {}
  // Verified evidence of a validator's misbehaviour (the engine checked it),
  // and what Application::add_evidence said: ok when it is new and pending
  // inclusion in a block (then worth gossiping).
  virtual void on_evidence(ByteView evidence, const Status& pooled) {}
  // The engine moved to a new (height, round) ("bft" only; for metrics).
  virtual void on_round(uint64_t height, uint32_t round) {}
  // The replica stopped: its store refused a write. Reads keep working.
  virtual void on_halted(const Status& why) {}
};

}  // namespace wattle::node
