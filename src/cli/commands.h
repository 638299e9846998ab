// The `wattle` command tree: each file in src/cli/ adds one group of
// subcommands. Exit codes (a contract): 0 ok, 1 user error (message on
// stderr), 2 internal error. Commands signal user errors by throwing
// UserError; main() turns exceptions into messages and exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/address.h"
#include "core/units.h"

namespace wattle::cli {

struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Thrown by commands that already printed their result and must exit with a
// specific code (e.g. `consensus simulate` exits 3 when it found a violation).
struct ExitCode {
  int code;
};

// `--balance ADDRESS=AMOUNT` (micro-units, decimal), shared by `init` and
// `devnet init`; a bad one is a UserError naming the flag.
std::pair<Address, Money> parse_balance(const std::string& s);

void register_key_commands(CLI::App& app);
void register_chain_commands(CLI::App& app);   // init, node
void register_client_commands(CLI::App& app);  // tx, query
void register_demo_command(CLI::App& app);
void register_bench_command(CLI::App& app);
void register_market_commands(CLI::App& app);     // market clear|mechanisms|compare
void register_consensus_commands(CLI::App& app);  // consensus simulate
void register_sim_command(CLI::App& app);         // sim (community simulator)
void register_events_command(CLI::App& app);      // events (live stream of a node)
void register_devnet_commands(CLI::App& app);     // devnet init

// The last part of `wattle demo`: the mechanism comparison for a sample
// one-slot book of a 20-household community (market_cmd.cpp).
void print_market_demo(std::ostream& out);

// The market-on-the-chain part of `wattle demo` (market_day_demo.cpp): a node,
// 10 households (some with PV), a day of 24 hourly slots on a
// 1-second-per-slot clock, then the day's trades and each household's bill
// next to what it would have paid the grid alone. `home` is created and
// removed unless `keep`.
void run_market_day_demo(std::ostream& out, const std::string& home, bool keep);

}  // namespace wattle::cli
