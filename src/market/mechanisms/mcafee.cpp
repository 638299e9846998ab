#include "market/mechanisms/mcafee.h"

#include "market/clearing/clearing_builder.h"
#include "market/clearing/sequence.h"

namespace wattle::market {

namespace {

// The first `units` Wh of a ranked side, as quotas.
std::vector<Quota> first_units(const Book& book, std::span<const uint32_t> ranked, int64_t units) {
  std::vector<Quota> q;
  for (size_t r = 0; r < ranked.size() && units > 0; ++r) {
    const int64_t take = std::min(units, book.orders[ranked[r]].energy.value());
    q.push_back({ranked[r], take});
    units -= take;
  }
  return q;
}

}  // namespace

Result<Clearing> clear_mcafee(const Book& book, const Params& /*params*/) {
  const std::vector<uint32_t> buys = rank_by_price_id(book, Side::kBuy);
  const std::vector<uint32_t> sells = rank_by_price_id(book, Side::kSell);
  const Crossing c = cross(book, buys, sells);
  std::vector<Trade> trades;
  if (!c.traded) return make_clearing("mcafee", book, std::move(trades), std::nullopt);
  const int64_t k = c.volume;
  const int64_t bk = book.orders[buys[c.last_buy]].price.value();
  const int64_t sk = book.orders[sells[c.last_sell]].price.value();
  std::optional<Price> uniform;
  if (c.next_buy && c.next_sell) {
    // s_k <= (b_{k+1} + s_{k+1}) / 2 <= b_k, exactly, in doubled units.
    const __int128 twice = static_cast<__int128>(c.next_buy->value()) + c.next_sell->value();
    if (2 * static_cast<__int128>(sk) <= twice && twice <= 2 * static_cast<__int128>(bk)) {
      const int64_t down = static_cast<int64_t>(twice / 2);
      const int64_t up = static_cast<int64_t>((twice + 1) / 2);
      pair_in_sequence(first_units(book, buys, k), first_units(book, sells, k), Price(up),
                       Price(down), trades);
      if (up == down) uniform = Price(up);
      return make_clearing("mcafee", book, std::move(trades), uniform);
    }
  }
  pair_in_sequence(first_units(book, buys, k - 1), first_units(book, sells, k - 1), Price(bk),
                   Price(sk), trades);
  return make_clearing("mcafee", book, std::move(trades), std::nullopt);
}

}  // namespace wattle::market
