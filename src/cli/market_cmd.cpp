// Placeholder until the market CLI lands (issue "Market mechanisms").
#include "cli/commands.h"

namespace wattle::cli {

void register_market_commands(CLI::App& app) {}
void print_market_demo(std::ostream& out) {}

}  // namespace wattle::cli
