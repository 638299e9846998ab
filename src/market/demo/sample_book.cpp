#include "market/demo/sample_book.h"

namespace wattle::market {

Book sample_community_book() {
  struct Row {
    const char* id;
    Side side;
    int64_t wh;
    int64_t price;
    int64_t x, y, green;
  };
  // Prosumers: PV surplus in the 12:00-12:15 slot. Consumers: their load.
  static const Row kRows[] = {
      {"pv-01", Side::kSell, 3000, 60'000, 10, 20, 100},
      {"hh-02", Side::kBuy, 1200, 280'000, 40, 25, 0},
      {"pv-03", Side::kSell, 2200, 75'000, 70, 15, 100},
      {"hh-04", Side::kBuy, 2500, 150'000, 95, 40, 0},
      {"hh-05", Side::kBuy, 800, 300'000, 130, 30, 0},
      {"pv-06", Side::kSell, 1500, 90'000, 160, 45, 100},
      {"hh-07", Side::kBuy, 1800, 210'000, 190, 10, 0},
      {"hh-08", Side::kBuy, 600, 260'000, 220, 35, 0},
      {"pv-09", Side::kSell, 500, 120'000, 250, 20, 100},
      {"hh-10", Side::kBuy, 2000, 180'000, 15, 80, 0},
      {"pv-11", Side::kSell, 2600, 65'000, 45, 95, 100},
      {"hh-12", Side::kBuy, 400, 240'000, 75, 70, 0},
      {"hh-13", Side::kBuy, 1500, 160'000, 105, 90, 0},
      {"pv-14", Side::kSell, 1000, 110'000, 135, 85, 100},
      {"hh-15", Side::kBuy, 900, 230'000, 165, 75, 0},
      {"hh-16", Side::kBuy, 2200, 170'000, 195, 95, 0},
      {"pv-17", Side::kSell, 1800, 100'000, 225, 80, 100},
      {"hh-18", Side::kBuy, 1100, 200'000, 255, 70, 0},
      {"pv-19", Side::kSell, 700, 85'000, 30, 140, 100},
      {"hh-20", Side::kBuy, 1600, 190'000, 60, 150, 0},
  };
  Book b;
  uint64_t t = 0;
  for (const Row& r : kRows) {
    Order o;
    o.id = r.id;
    o.side = r.side;
    o.energy = Energy(r.wh);
    o.price = Price(r.price);
    o.time = t++;
    o.location = Location{r.x, r.y};
    o.green_pct = r.green;
    b.orders.push_back(std::move(o));
  }
  return b;
}

}  // namespace wattle::market
