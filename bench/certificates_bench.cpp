// `wattle bench certificates`: what the certificates module costs at
// settlement and per claim (docs/certificates.md, "Performance").
//
//   issue_ms_10k   executing the one block that settles a slot in which
//                  10,000 devices exported and sold to 10,000 buyers: the
//                  certificates end-block hook (issuance, bundles moved with
//                  the trades, rewards) plus the executor's identity and
//                  conservation checks and the state-tree update; median of
//                  3 runs on the same in-memory state
//   cancel_per_s   10,000 CertCancel txs (each buyer claims its bundle
//                  against its metered import) executed in one block,
//                  signatures checked, divided by that block's time; median
//                  of 3
// The state is built directly (devices, readings, the settled slot's book
// and trades), as a day of market blocks would leave it; no RocksDB: these
// are execution costs. `--quick` uses 1,000 devices.
#include <algorithm>
#include <chrono>
#include <iostream>

#include "bench.h"
#include "chain/executor.h"
#include "chain/genesis.h"
#include "modules/certificates/cert_state.h"
#include "modules/certificates/cert_txs.h"
#include "modules/energy/market_state.h"

namespace wattle::bench {

namespace {

using namespace ::wattle::chain;
using namespace ::wattle::modules;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kSlot = 2'000'000;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct World {
  Genesis genesis;
  ChainParams params;
  State state;
  std::vector<KeyPair> buyers;
};

Genesis bench_genesis() {
  Genesis g;
  g.chain_id = "bench-certificates";
  MarketParams m;
  m.operator_account = Address::of(KeyPair::from_label("bench/cert/operator").public_key());
  m.tax_account = Address::of(KeyPair::from_label("bench/cert/tax").public_key());
  g.market = m;
  CertParams c;
  c.reward_per_mwh[static_cast<size_t>(Technology::kSolar)] = 1'000'000;
  g.certificates = c;
  return g;
}

// n devices that exported 1,000 Wh in kSlot and sold 800 Wh each to their
// own buyer, who imported 900 Wh; the slot is settled, not yet issued.
World build(int n, uint64_t seed) {
  World w{bench_genesis(), {}, {}, {}};
  w.params = w.genesis.params();
  SlotRecord slot;
  slot.status = SlotStatus::kSettled;
  for (int i = 0; i < n; ++i) {
    const std::string label = "bench/cert/" + std::to_string(seed) + "/" + std::to_string(i);
    const PublicKey meter = KeyPair::from_label(label + "/meter").public_key();
    const Address producer = Address::of(KeyPair::from_label(label + "/producer").public_key());
    w.buyers.push_back(KeyPair::from_label(label + "/buyer"));
    const Address buyer = Address::of(w.buyers.back().public_key());
    w.state.put(cert_keys::device(meter),
                encode_to_bytes(DeviceRecord{producer, Technology::kSolar, 5000, kSlot}));
    w.state.put(cert_keys::device_index(static_cast<uint32_t>(i)),
                Bytes(meter.bytes.begin(), meter.bytes.end()));
    w.state.put(market_keys::reading(producer, kSlot),
                encode_to_bytes(ReadingRecord{Energy(0), Energy(1000)}));
    w.state.put(market_keys::reading(buyer, kSlot),
                encode_to_bytes(ReadingRecord{Energy(900), Energy(0)}));
    const auto index = static_cast<uint32_t>(slot.book.size());
    slot.book.push_back(BookEntry{{}, producer, market::Side::kSell, Energy(800), Price(80'000)});
    slot.book.push_back(BookEntry{{}, buyer, market::Side::kBuy, Energy(800), Price(90'000)});
    slot.trades.push_back(SlotTrade{index + 1, index, Energy(800), Price(85'000), Price(85'000)});
  }
  w.state.put(market_keys::slot(kSlot), encode_to_bytes(slot));
  CertCursor cursor;
  cursor.devices = static_cast<uint32_t>(n);
  cursor.issue_slot = kSlot;
  w.state.put(cert_keys::cursor(), encode_to_bytes(cursor));
  return w;
}

BlockHeader header_at(uint64_t time_ms) {
  BlockHeader h;
  h.height = 1;
  h.time_ms = time_ms;
  return h;
}

}  // namespace

int run_certificates(const BenchOptions& opts) {
  const int n = opts.quick ? 1'000 : 10'000;
  World w = build(n, opts.seed);
  const MarketParams& m = *w.genesis.market;
  const BlockHeader settle = header_at(m.settle_ms(kSlot));
  std::vector<double> issue_ms;
  Result<ExecutedBlock> issued = Status(Code::kInternal, "not run");
  for (int run = 0; run < 3; ++run) {
    const auto t0 = Clock::now();
    issued = execute_block(w.state, settle, {}, w.params, ExecMode::kStrict, true);
    issue_ms.push_back(ms_since(t0));
    if (!issued) {
      std::cerr << "issuance failed: " << issued.status().to_string() << "\n";
      return 2;
    }
  }
  w.state.apply(issued->writes);
  // Each buyer holds exactly one bundle: its share of its seller's issuance.
  std::vector<Tx> cancels;
  for (const KeyPair& k : w.buyers) {
    const Address a = Address::of(k.public_key());
    auto held = decode_exact<BundleList>(*w.state.read(cert_keys::held(a)).value());
    if (!held || held->ids.size() != 1) {
      std::cerr << "a buyer holds no bundle\n";
      return 2;
    }
    const Bundle b =
        decode_exact<Bundle>(*w.state.read(cert_keys::bundle(held->ids[0])).value()).value();
    cancels.push_back(Tx::make_signed(w.genesis.chain_id, k, 0,
                                      to_payload(CertCancel{held->ids[0], b.wh, kSlot})));
  }
  std::vector<double> cancel_s;
  const BlockHeader later = header_at(m.settle_ms(kSlot) + 1000);
  for (int run = 0; run < 3; ++run) {
    const auto t0 = Clock::now();
    auto r = execute_block(w.state, later, cancels, w.params, ExecMode::kStrict, true);
    cancel_s.push_back(ms_since(t0) / 1000);
    if (!r) {
      std::cerr << "cancels failed: " << r.status().to_string() << "\n";
      return 2;
    }
  }
  std::cout << "devices=" << n << "\n";
  std::cout << "issue_ms_10k=" << median(issue_ms) << "\n";
  std::cout << "cancel_per_s=" << static_cast<int64_t>(n / median(cancel_s)) << "\n";
  return 0;
}

}  // namespace wattle::bench
