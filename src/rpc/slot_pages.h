// SlotPages: GET /v1/market/slots/{slot} in pages. A slot's book can hold
// chain::kMaxOrdersPerSlot orders (about 230 bytes of JSON each), so the
// route serves a summary and one page of the book and of the trades at a
// time, never the whole slot.
//
// Promises:
// - A page is {every field of the slot's view but "orders" and "trades",
//   "order_count", "trade_count", "traded_wh", "orders": orders[P*L, P*L+L),
//   "trades": trades[P*L, P*L+L), "page": P, "limit": L, "next_page": P+1 or
//   null when neither list has entries past this page}.
// - Bounded work: the full view is built at most once per (slot, head
//   height) while it stays among the last kCacheSlots built (shared by all
//   clients), and a page costs a copy of at most 2 * L entries.
// - cost() says what a request cost, for the per-client rate limiter: one
//   unit, plus one per kEntriesPerUnit entries built (a cache miss) or
//   served.
// - Thread-safe (one mutex around the cache; the build runs outside it).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "rpc/chain_service.h"

namespace wattle::rpc {

class SlotPages {
 public:
  static constexpr size_t kCacheSlots = 8;
  static constexpr uint64_t kEntriesPerUnit = 100;

  struct Page {
    nlohmann::json body;
    uint64_t cost = 1;
  };
  // Page `page` of `limit` entries of the slot's view; the chain's error
  // (kNoMarket...) as is. With `market`: of that level's view
  // (market_json.h, slot_level_json), filtered from the cached slot view at
  // a cost of one unit per kEntriesPerUnit entries scanned; kNotFound when
  // the slot lists no such market.
  Result<Page> page(ChainService& chain, uint64_t slot, uint64_t page, uint64_t limit,
                    const std::string& market = "");

 private:
  struct Built {
    nlohmann::json view;  // as the chain gave it
    int64_t traded_wh = 0;
  };
  static std::shared_ptr<const Built> build(nlohmann::json view);
  struct Entry {
    uint64_t slot = 0;
    uint64_t height = 0;
    std::shared_ptr<const Built> built;
  };
  std::mutex mu_;
  std::list<Entry> cache_;  // most recently used first
};

}  // namespace wattle::rpc
