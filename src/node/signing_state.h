// SigningStateFile: HOME/signing_state.json, the validator's record of the
// last (height, round, step) it signed and the bytes it signed there
// (CometBFT's priv_validator_state.json), kept OUTSIDE data/ so that wiping
// or losing the store does not erase it. It is the node's
// consensus::bft::SignGuard (consensus/bft/sign_guard.h):
//
//  - approve() allows a signature only above the record (or the identical
//    bytes at it), and writes the new record durably (temporary file, fsync,
//    rename, directory fsync: home.h) BEFORE answering ok, so no signature
//    leaves the node that a restart would not know of. A refusal is logged
//    (spdlog error) and counted (refusals()).
//  - open() fails with kNotFound when the file is missing: a validator whose
//    key exists but whose record does not may already have signed at heights
//    it cannot see (a wiped or copied home); starting would risk
//    double-signing. `wattle node --reset-signing-state` writes a fresh
//    record instead (docs/consensus.md, "Signing state").
//
// Format: {"height": "<decimal>", "round": N, "step": 0-3, "signbytes": "<hex>"}
// (step 0: nothing signed, 1 proposal, 2 prevote, 3 precommit); anything else
// is kMalformed naming the file. Not thread-safe: the engine's thread only.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "consensus/bft/sign_guard.h"

namespace wattle::node {

inline constexpr const char* kSigningStateFile = "signing_state.json";
std::string signing_state_path(const std::string& home);

class SigningStateFile final : public consensus::bft::SignGuard {
 public:
  // Reads `path`; kNotFound if absent, kMalformed if it does not parse.
  static Result<std::unique_ptr<SigningStateFile>> open(const std::string& path);
  // Writes a record of nothing signed at `path` (replacing one if `overwrite`).
  static Status write_fresh(const std::string& path, bool overwrite);

  Status approve(uint64_t height, uint32_t round, consensus::bft::SignStep step,
                 ByteView sign_bytes) override;

  const consensus::bft::LastSigned& last() const { return last_; }
  uint64_t refusals() const { return refusals_.load(); }

 private:
  SigningStateFile(std::string path, consensus::bft::LastSigned last)
      : path_(std::move(path)), last_(std::move(last)) {}

  std::string path_;
  consensus::bft::LastSigned last_;
  std::atomic<uint64_t> refusals_{0};  // read by metrics from other threads
};

}  // namespace wattle::node
