// Community pricing: `mmr`, `sdr`, `bill-sharing`. No order book: each
// order's energy_wh is that household's demand (buy) or surplus (sell) for the
// slot; limit prices are ignored. G = total supply, D = total demand,
// λb = grid_buy (import tariff), λs = grid_sell (feed-in tariff), both in
// micro-units per kWh, required, 0..1e9, λb >= λs.
//
//   mmr  (mid-market rate; Long et al. 2017, "Peer-to-peer energy trading in a
//        community microgrid"): P = (λb + λs) / 2. If G <= D sellers get P for
//        all they supply and buyers pay (P·G + λb·(D − G)) / D per kWh; else
//        buyers pay P and sellers get (P·D + λs·(G − D)) / G per kWh.
//   sdr  (supply-demand ratio; Liu et al. 2017, "Energy sharing model for
//        photovoltaic prosumers", IEEE Trans. Power Syst.): SDR = G / D. If
//        SDR <= 1, Ps = λs·λb / ((λb − λs)·SDR + λs) and
//        Pb = Ps·SDR + λb·(1 − SDR); else Ps = Pb = λs.
//   bill-sharing: the community is one net-metered customer of the grid. If
//        it imports (D > G) its bill λb·(D − G) is shared by the buyers in
//        proportion to demand, i.e. λb·(D − G)/D per kWh, and sellers get
//        nothing for energy used inside the community; if it exports (G > D)
//        the revenue λs·(G − D) is shared by the sellers in proportion to
//        supply, λs·(G − D)/G per kWh, and buyers pay nothing.
//
// How the Trade model carries these prices. Each formula above is an average
// of two prices: the community price (P, Ps or 0) on the energy households
// exchange, and the grid tariff on the imbalance. So the clearing lists:
//   - buyer <- seller trades at the community price for min(G, D) Wh, the
//     short side in full, the long side's share pro rata to its energy;
//   - buyer <- grid trades at λb (G < D) or grid <- seller trades at λs
//     (G > D) for the rest of each long-side household's energy.
// Every household's fill carries its whole energy, and each side pays exactly
// the formula in total (e.g. the buyers of `mmr`, G <= D: P·G + λb·(D − G)).
// Per household the average equals the formula up to the whole-Wh pro-rata
// share: shares are floor(e·min(G,D)/max(G,D)) plus 1 Wh to the largest
// remainders (ties: ascending id), so one household's amount can differ from
// the formula by at most |community price − tariff| x 1 Wh. The model cannot
// do better: a trade never pays its seller more than its buyer pays, so a
// buyer cannot pay less than λb on energy the grid sells it at λb.
//
// Rounding: an exact community price that is not an integer (P when λb + λs
// is odd, Ps in general) is rounded up for buyers and down for sellers; the
// gap (< 1 micro-unit per kWh) and the per-order rounding of make_clearing go
// to `surplus`, so buyers_pay = sellers_get + grid_net + surplus, surplus >= 0.
// Ps is computed as floor/ceil(λs·λb·D / ((λb − λs)·G + λs·D)) in 128 bits.
// That denominator is 0 only when λs = 0 and G = 0 (or λb = λs = 0): then
// Pb = Ps = λb, the formula's limit (buyers import everything at λb).
//
// Guarantees (tested in community_test.cpp): every order's fill carries its
// whole energy; budget balance to the micro-unit; output independent of line
// order, prices and `time`. clearing_price: the community price paid to
// sellers (mmr, sdr); null for bill-sharing. O(n log n). Ignores cancels.
#pragma once

#include "market/book/book.h"

namespace wattle::market {

// Default of grid_buy / grid_sell in the registry: outside the accepted range
// 0..1e9, so a tariff the user did not give reads as missing.
inline constexpr int64_t kMissingTariff = -1;

// kInvalidArgument if grid_buy or grid_sell is missing (absent or negative)
// or grid_buy < grid_sell.
Result<Clearing> clear_mmr(const Book& book, const Params& params);
Result<Clearing> clear_sdr(const Book& book, const Params& params);
Result<Clearing> clear_bill_sharing(const Book& book, const Params& params);

}  // namespace wattle::market
