// Pre-signed transfer workloads shared by the benchmarks that submit txs
// (ingest, consensus): signing is spread over all cores so it stays out of
// the timed part.
#pragma once

#include <string>
#include <vector>

#include "chain/tx.h"
#include "core/keys.h"

namespace wattle::bench {

// `n_txs` transfers round-robin over `n_senders` keys derived from (tag,
// seed): tx i is sent by sender i % n_senders with nonce i / n_senders to
// the next sender, 1..7 micro-units.
struct Workload {
  std::vector<KeyPair> senders;
  std::vector<chain::Tx> txs;  // round-robin over senders, nonces in order
  std::vector<Bytes> raw;
};

Workload make_workload(const std::string& chain_id, size_t n_senders, size_t n_txs, uint64_t seed,
                       const std::string& tag);

}  // namespace wattle::bench
