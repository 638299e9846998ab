// Placeholder until the BFT simulator CLI lands (issue "BFT consensus engine").
#include "cli/commands.h"

namespace wattle::cli {

void register_consensus_commands(CLI::App& app) {}

}  // namespace wattle::cli
