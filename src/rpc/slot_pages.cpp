#include "rpc/slot_pages.h"

#include "rpc/market_json.h"

namespace wattle::rpc {

using nlohmann::json;

namespace {

// A page of `list` (an array, or absent: empty).
json slice(const json& view, const char* list, uint64_t first, uint64_t limit) {
  json out = json::array();
  auto it = view.find(list);
  if (it == view.end() || !it->is_array()) return out;
  for (uint64_t i = first; i < it->size() && i < first + limit; ++i) out.push_back((*it)[i]);
  return out;
}

size_t count(const json& view, const char* list) {
  auto it = view.find(list);
  return it != view.end() && it->is_array() ? it->size() : 0;
}

}  // namespace

std::shared_ptr<const SlotPages::Built> SlotPages::build(json view) {
  auto fresh = std::make_shared<Built>();
  fresh->view = std::move(view);
  if (auto t = fresh->view.find("trades"); t != fresh->view.end() && t->is_array())
    for (const json& trade : *t) {
      auto e = trade.find("energy_wh");
      if (e != trade.end() && e->is_number_integer()) fresh->traded_wh += e->get<int64_t>();
    }
  return fresh;
}

Result<SlotPages::Page> SlotPages::page(ChainService& chain, uint64_t slot, uint64_t page,
                                        uint64_t limit, const std::string& market) {
  const uint64_t height = chain.status().height;
  std::shared_ptr<const Built> built;
  {
    std::lock_guard lock(mu_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->slot != slot || it->height != height) continue;
      built = it->built;
      cache_.splice(cache_.begin(), cache_, it);
      break;
    }
  }
  Page out;
  if (!built) {
    auto view = chain.market_slot(slot);
    if (!view) return view.status();
    auto fresh = build(std::move(view).value());
    out.cost += (count(fresh->view, "orders") + count(fresh->view, "trades")) / kEntriesPerUnit;
    built = fresh;
    std::lock_guard lock(mu_);
    std::erase_if(cache_, [&](const Entry& e) { return e.slot == slot; });
    cache_.push_front(Entry{slot, height, built});
    if (cache_.size() > kCacheSlots) cache_.pop_back();
  }
  if (!market.empty()) {
    out.cost += (count(built->view, "orders") + count(built->view, "trades")) / kEntriesPerUnit;
    auto level = slot_level_json(built->view, market);
    if (!level)
      return Status(Code::kNotFound,
                    "slot " + std::to_string(slot) + " has no market \"" + market + "\"");
    built = build(std::move(*level));
  }
  const json* view = &built->view;
  json& body = out.body;
  body = json::object();
  for (auto it = view->begin(); it != view->end(); ++it)
    if (it.key() != "orders" && it.key() != "trades") body[it.key()] = it.value();
  const size_t orders = count(*view, "orders"), trades = count(*view, "trades");
  body["order_count"] = orders;
  body["trade_count"] = trades;
  body["traded_wh"] = built->traded_wh;
  const uint64_t first = page * limit;
  body["orders"] = slice(*view, "orders", first, limit);
  body["trades"] = slice(*view, "trades", first, limit);
  body["page"] = page;
  body["limit"] = limit;
  body["next_page"] = first + limit < std::max(orders, trades) ? json(page + 1) : json(nullptr);
  out.cost += (body["orders"].size() + body["trades"].size()) / kEntriesPerUnit;
  return out;
}

}  // namespace wattle::rpc
