#include "market/settlement/bill.h"

#include <limits>

#include "core/units.h"

namespace wattle::market {

namespace {

using i128 = __int128;

bool fits(i128 v) {
  return v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max();
}

}  // namespace

Result<SlotBill> settle_bill(const SlotPosition& p, int64_t import_wh, int64_t export_wh,
                             const SettlementTariffs& t) {
  const i128 deviation = (static_cast<i128>(export_wh) - import_wh) - (p.sold_wh - p.bought_wh);
  i128 grid_received = 0, grid_paid = 0;
  if (deviation > 0) grid_received = deviation * t.grid_sell / kWhPerKwh;  // floor: >= 0
  if (deviation < 0) grid_paid = ceil_div(-deviation * t.grid_buy, kWhPerKwh);
  const i128 grid_fee = ceil_div(p.bought_wh * t.grid_fee, kWhPerKwh);
  const i128 tax = ceil_div((p.p2p_paid + grid_fee + grid_paid) * t.tax_bp, 10'000);
  const i128 net = p.p2p_received + grid_received - p.p2p_paid - grid_paid - grid_fee - tax;
  SlotBill b;
  b.import_wh = import_wh;
  b.export_wh = export_wh;
  for (auto [out, v] :
       {std::pair{&b.bought_wh, p.bought_wh}, std::pair{&b.sold_wh, p.sold_wh},
        std::pair{&b.deviation_wh, deviation}, std::pair{&b.p2p_paid, p.p2p_paid},
        std::pair{&b.p2p_received, p.p2p_received}, std::pair{&b.grid_paid, grid_paid},
        std::pair{&b.grid_received, grid_received}, std::pair{&b.grid_fee, grid_fee},
        std::pair{&b.tax, tax}, std::pair{&b.net, net}}) {
    if (!fits(v)) return Status(Code::kOverflow, "settlement amount leaves the int64 range");
    *out = static_cast<int64_t>(v);
  }
  return b;
}

}  // namespace wattle::market
