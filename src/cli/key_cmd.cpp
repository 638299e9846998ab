#include "cli/commands.h"
namespace wattle::cli {
void register_key_commands(CLI::App& app) {}
}  // namespace wattle::cli
