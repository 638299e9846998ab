#include "bench.h"

namespace wattle::bench {

const std::vector<BenchInfo>& benches() {
  static const std::vector<BenchInfo> list = {
      {"ingest", "signature verify/s vs signed transfers/s end to end (and over HTTP)", run_ingest},
      {"market", "clearing 1M orders, CDA order book ops/s, every mechanism on 100k orders",
       run_market},
      {"consensus",
       "BFT end to end: 4 validator processes on loopback under load, tx/s and latency vs the "
       "signature bound",
       run_consensus},
      {"consensus-sim", "BFT simulator: schedules/s, heights/s, rounds per height under loss",
       run_consensus_sim},
      {"net", "encrypted loopback connection: small frames/s and large-message MB/s", run_net},
      {"sim", "community simulator fast mode: 10,000 households x 365 days, uniform auction",
       run_sim},
      {"ledger", "one 5,000-transfer block's execute+commit at 1k vs 1M accounts, proof size",
       run_ledger},
      {"certificates",
       "certificates: issuing for 10,000 devices in one settlement, cancels/s in one block",
       run_certificates},
      {"staking",
       "one block's staking end-block (reward shared, set recomputed) at 1k vs 100k "
       "delegations",
       run_staking},
      {"market-chain",
       "sealed orders on one 10,000-order slot: sealed, reveal and clearing blocks vs public ones",
       run_market_chain},
      {"energy",
       "energy cost of consensus: one transfer workload through a 4-node BFT and a 4-node PoW "
       "devnet, tx/s, latency, CPU s and joules per tx",
       run_energy},
  };
  return list;
}

}  // namespace wattle::bench
