// Catalogue entries for McAfee, community pricing, MUDA, stable matching
// and the average mechanism: names, parameters and guarantees as `wattle market mechanisms`
// prints them. The rules themselves are documented in each mechanism's header.
#include <limits>

#include "market/mechanisms/average.h"
#include "market/mechanisms/community.h"
#include "market/mechanisms/huang.h"
#include "market/mechanisms/mcafee.h"
#include "market/mechanisms/muda.h"
#include "market/mechanisms/peers.h"
#include "market/mechanisms/stable.h"
#include "market/registry.h"

namespace wattle::market {

namespace {

std::vector<ParamSpec> tariff_params() {
  return {
      {"grid_buy", kMissingTariff, 0, kMaxTariff,
       "required: import tariff a household pays the grid, micro-units/kWh (>= grid_sell)"},
      {"grid_sell", kMissingTariff, 0, kMaxTariff,
       "required: feed-in tariff the grid pays a household, micro-units/kWh"},
  };
}

std::vector<std::string> community_properties() {
  return {"every household served in full (community, then grid)",
          "budget balance to the micro-unit (surplus >= 0: rounding only)",
          "independent of line order, limit prices and time"};
}

}  // namespace

// One table, kept whole: each mechanism's entry (description, params, properties) side by side.
std::vector<MechanismInfo> extra_mechanisms() {
  return {
      {"mcafee",
       "McAfee's dominant-strategy double auction (1992), every Wh a unit: all k units at "
       "p0 = (b_k+1 + s_k+1)/2 if it lies in [s_k, b_k], else k-1 units, buyers pay b_k, "
       "sellers get s_k",
       {},
       {"no over-fill", "individual rationality",
        "truthful for single-unit traders (dominant strategy)",
        "weak budget balance: price gap to surplus", "volume Q or Q - 1 Wh",
        "independent of line order and time"},
       clear_mcafee},
      {"huang",
       "McAfee trade reduction, multi-unit (Huang, Scheller-Wolf, Sycara 2002): marginal pair "
       "excluded, buyers pay its bid, sellers get its ask, long side rationed equally",
       {},
       {"no over-fill", "individual rationality", "truthful in price",
        "weak budget balance: price gap to surplus", "independent of line order and time"},
       clear_huang},
      {"mmr", "mid-market rate community pricing (Long et al. 2017)", tariff_params(),
       community_properties(), clear_mmr},
      {"sdr", "supply-demand-ratio community pricing (Liu et al. 2017)", tariff_params(),
       community_properties(), clear_sdr},
      {"bill-sharing",
       "the community's net grid bill (or revenue) shared by demand (or supply) share",
       tariff_params(), community_properties(), clear_bill_sharing},
      {"muda",
       "MUDA (Segal-Halevi, Hassidim, Aumann 2018): random halves, each trades at the other "
       "half's competitive price",
       {{"seed", 0, 0, std::numeric_limits<int64_t>::max(),
         "seed of the splitmix64 draws that split the orders and order the lottery"}},
       {"no over-fill", "individual rationality", "truthful in price",
        "strong budget balance per half (surplus: rounding only)",
        "independent of line order and time for a given seed"},
       clear_muda},
      {"stable",
       "stable matching (Gale-Shapley with quantities) on price, distance and green share",
       {{"proposer", 0, 0, 1, "0: buyers propose (buyer-optimal), 1: sellers propose"},
        {"w_price", 1, 0, 1'000'000, "weight of the partner's limit, per micro-unit/kWh"},
        {"w_distance", 100, 0, 1'000'000, "weight of the distance, per metre"},
        {"w_green", 1000, 0, 1'000'000,
         "weight of a seller's missing green share, per percentage point (buyers' view)"},
        {"list_len", 64, 1, 100'000,
         "candidates held per proposer at a time (further ones fetched when used up); list_len x "
         "proposers <= 2^26"},
        {"k", 500'000, 0, 1'000'000, "pair price = ask + k(bid - ask)/1e6, millionths"},
        {"refills", 4, 0, 1'000'000,
         "chunks of 16 x list_len further receivers a proposer may walk when its list is used "
         "up (bounds time; enough refills and w_distance=0: exact lists)"}},
       {"no over-fill", "individual rationality",
        "no blocking pair on exact lists (w_distance = 0 or few receivers)",
        "budget balance (surplus: rounding only)", "independent of line order and time"},
       clear_stable},
      {"pay-as-offer",
       "gsy-e's one-sided market: buyers in time order take the cheapest offers at or below "
       "their limit and pay the offer's price",
       {},
       {"no over-fill", "individual rationality", "budget balance (surplus: rounding only)",
        "no self-trade"},
       clear_pay_as_offer},
      {"preferred",
       "gsy-e's attributed (DOF) matching: partners first, then require_green buyers with "
       "100% green offers, then pay-as-bid on the rest; every trade at the bid",
       {},
       {"no over-fill", "individual rationality", "budget balance (surplus: rounding only)",
        "partners' crossing orders trade before anyone else's", "no self-trade"},
       clear_preferred},
      {"pay-as-clear-gsy",
       "gsy-e's pay-as-clear as its code does it: the rate is the lowest bid rate where "
       "cumulative supply meets cumulative demand, the volume its sweep's",
       {},
       {"no over-fill", "individual rationality", "one price for every trade",
        "reproduces gsy-framework's pay-as-clear test vectors"},
       clear_pay_as_clear_gsy},
      {"random-pairs",
       "pymarket's random bilateral trading: each round, active buyers and sellers are paired "
       "at random and trade at the midpoint if the bid >= the ask",
       {{"rounds", 10, 1, kMaxRounds, "number of pairing rounds"},
        {"seed", 0, 0, std::numeric_limits<int64_t>::max(),
         "seed of the splitmix64 shuffles (reproducible)"}},
       {"no over-fill", "individual rationality",
        "budget balance (surplus: the midpoint's half micro-unit and rounding)",
        "independent of line order for a given seed", "no self-trade"},
       clear_random_pairs},
      {"average",
       "average mechanism (Khorasany et al. 2017): greedy allocation, one price at the midpoint "
       "of the competitive interval, where an iterative double auction settles",
       {},
       {"no over-fill", "individual rationality", "welfare-maximal volume",
        "competitive: no order with a better limit than the price is left unfilled",
        "strong budget balance (surplus: rounding only)", "independent of line order and time"},
       clear_average},
  };
}

}  // namespace wattle::market
