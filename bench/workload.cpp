#include "workload.h"

#include <algorithm>
#include <thread>

namespace wattle::bench {

Workload make_workload(const std::string& chain_id, size_t n_senders, size_t n_txs, uint64_t seed,
                       const std::string& tag) {
  Workload w;
  for (size_t i = 0; i < n_senders; ++i)
    w.senders.push_back(
        KeyPair::from_label("bench/" + tag + "/" + std::to_string(seed) + "/" + std::to_string(i)));
  w.txs.resize(n_txs);
  w.raw.resize(n_txs);
  // Signing is as slow as verifying: spread it over all cores too.
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < n_txs; i += threads) {
        size_t s = i % n_senders;
        Address to = Address::of(w.senders[(s + 1) % n_senders].public_key());
        w.txs[i] =
            chain::Tx::make_signed(chain_id, w.senders[s], i / n_senders,
                                   chain::Transfer{to, Money(1 + static_cast<int64_t>(i % 7))});
        w.raw[i] = encode_to_bytes(w.txs[i]);
      }
    });
  }
  for (auto& th : pool) th.join();
  return w;
}

}  // namespace wattle::bench
