// Chain mode: the simulator's households trade through a running node (or a
// devnet) instead of the in-process market library. Each household gets a
// key and a meter; the operator key funds the households and registers the
// meters; each simulated day, every household's orders for the day's 96
// slots are signed and placed over the HTTP API ahead of their gate
// closures, each meter posts its signed reading when its slot ends, and the
// trades and bills are read back from the node once the slots settle.
//
// Promises:
// - A MarketBackend that clears by day (clears_by_day() is true). For the
//   same orders it reports what the node decided: trades and clearing price
//   from GET /v1/market/slots/{slot}, bills from
//   GET /v1/accounts/{addr}/bills/{slot}. A meter measures exactly its
//   household's order, so the node settles only unfilled energy with the
//   grid; fast mode with chain rules (make_fast_market) must agree to the
//   micro-unit, which tests/sim/chain_mode_test.cpp checks.
// - Simulated slot q of a day maps to chain slot base + q, where base is
//   the first slot whose gate closure leaves time to commit the day's
//   orders: a day lasts 96 slots of the node's `slot_seconds` of wall time
//   (a devnet with slot_seconds = 1 runs a day in about two minutes).
// - With ChainOptions::sealed, orders go on chain as commitments and are
//   revealed when their gate passes; the results are the same.
// - Errors are Status, never exceptions: the node unreachable
//   (kUnavailable), a market unlike the scenario's, an order or reading the
//   node refused (its code and message), orders that missed their gate.
// - Not thread-safe: the engine calls clear_day from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/keys.h"
#include "core/status.h"
#include "modules/energy/market_params.h"
#include "sim/market_adapter.h"

namespace wattle::sim {

struct ChainOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8645;
  // The market's operator: funds households, registers meters. Required.
  std::optional<KeyPair> operator_key;
  // Household and meter keys are KeyPair::from_label(key_label + "/house-N"
  // and "/meter-N"): a fresh label per run, since an account holds one meter.
  std::string key_label;
  int64_t fund_per_household = 0;  // micro-units the operator sends each household first
  // Sealed orders (docs/market.md, "Sealed orders"): every order is placed
  // as a commitment (escrow bound = its own escrow) and revealed at its
  // slot's gate closure; the book, and so trades and bills, are the same as
  // with public orders. The node's reveal_blocks must give the reveals time
  // to commit (the simulator reveals as soon as the gate has passed).
  bool sealed = false;
};

class ChainMarket : public MarketBackend {
 public:
  // Connects, reads the chain id and the market's parameters, then funds
  // every household and registers its meter (committed before it returns).
  static Result<std::unique_ptr<ChainMarket>> connect(const ChainOptions& options,
                                                      uint32_t households);
  ~ChainMarket() override;

  const modules::MarketParams& params() const;
  // The chain's settlement tariffs, for fast mode with chain rules.
  market::SettlementTariffs tariffs() const;

  std::string name() const override;
  bool clears_by_day() const override { return true; }
  Status clear_day(std::span<DaySlot> slots) const override;
  // One slot is a day of one slot: placed, cleared, read and settled.
  Status clear_slot(std::span<const SlotOrder> orders, SlotScratch* scratch,
                    SlotOutcome& out) const override;

 private:
  struct State;
  explicit ChainMarket(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace wattle::sim
