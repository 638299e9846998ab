// The market TOML file of `wattle init --market FILE` (docs/market.md): the keys of
// the genesis market section (ledger/market_params.h), e.g.
//   mechanism = "uniform"
//   params = { k = 500000 }
//   slot_seconds = 900
//   ...
//   operator = "wat1..."
// Every error names the key and the reason ("market: \"tax_bp\" must be
// 0..10000, got 20000"); TOML syntax errors and errors about one
// [[markets]] entry (name, parent, mechanism, [markets.params], grid_fee,
// fee_account; a cycle, two roots, an unknown parent, a fee below zero) name
// the line and column ("market.toml:7:10: markets[street-a]: \"parent\" ...").
#pragma once

#include <string>

#include "modules/certificates/cert_params.h"
#include "modules/energy/market_params.h"

namespace wattle::cli {

Result<modules::MarketParams> parse_market_toml(const std::string& text, const std::string& origin);
Result<modules::MarketParams> read_market_toml(const std::string& path);

// The certificates TOML file of `wattle init --certificates FILE`
// (docs/certificates.md): the keys of the genesis certificates section, e.g.
//   bundle_with_trades = true
//   match_window_slots = 0
//   expiry_slots = 2880
//   reward_per_mwh = { solar = 1000000 }
Result<modules::CertParams> read_certificates_toml(const std::string& path);

}  // namespace wattle::cli
