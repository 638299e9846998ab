// The market TOML file of `wattle init --market FILE` (issue 15): the keys of
// the genesis market section (ledger/market_params.h), e.g.
//   mechanism = "uniform"
//   params = { k = 500000 }
//   slot_seconds = 900
//   ...
//   operator = "wat1..."
// Every error names the key and the reason ("market: \"tax_bp\" must be
// 0..10000, got 20000"); TOML syntax errors name the line and column.
#pragma once

#include <string>

#include "ledger/market_params.h"

namespace wattle::cli {

Result<ledger::MarketParams> parse_market_toml(const std::string& text, const std::string& origin);
Result<ledger::MarketParams> read_market_toml(const std::string& path);

}  // namespace wattle::cli
