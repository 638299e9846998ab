#include "cli/pow_toml.h"

#include "cli/commands.h"
#include "core/toml_text.h"
#include "node/pow_host.h"

namespace wattle::cli {

Result<chain::GenesisPow> read_pow_toml(const std::string& path) {
  auto root = parse_toml_file(path);
  if (!root) return root.status();
  chain::GenesisPow pow;
  for (const auto& [k, v] : *root) {
    const std::string key(k.str());
    auto i = v.as_integer();
    if (!i || i->get() <= 0)
      return Status(Code::kInvalidArgument,
                    path + ": pow: \"" + key + "\" must be a positive integer");
    const auto n = static_cast<uint64_t>(i->get());
    auto narrow = [&](uint32_t& field) -> Status {
      if (n > UINT32_MAX)
        return Status(Code::kInvalidArgument, path + ": pow: \"" + key + "\" is over 2^32-1");
      field = static_cast<uint32_t>(n);
      return Status::ok();
    };
    Status st;
    if (key == "target_block_ms")
      pow.target_block_ms = n;
    else if (key == "initial_target")
      st = narrow(pow.initial_bits);
    else if (key == "retarget_blocks")
      st = narrow(pow.retarget_blocks);
    else if (key == "finality_depth")
      st = narrow(pow.finality_depth);
    else
      st = Status(Code::kInvalidArgument,
                  path + ": pow: unknown key \"" + key +
                      "\" (target_block_ms, initial_target, retarget_blocks, finality_depth)");
    if (!st) return st;
  }
  return pow;
}

chain::GenesisPow pow_section(const std::string& pow_file, const std::string& staking_file,
                              const std::string& engine) {
  if (!staking_file.empty())
    throw UserError(
        "--staking: staking is not available with --consensus pow (miners, not validators, "
        "extend a proof-of-work chain)");
  if (engine == "bft") throw UserError("--consensus pow runs the pow engine; drop --engine bft");
  chain::GenesisPow pow;
  if (!pow_file.empty()) {
    auto read = read_pow_toml(pow_file);
    if (!read) throw UserError(read.status().to_string());
    pow = *read;
  }
  chain::Genesis g;
  g.engine = chain::EngineKind::kPow;
  g.pow = pow;
  if (auto checked = node::pow_params(g); !checked)
    throw UserError((pow_file.empty() ? std::string("--pow") : pow_file) + ": " +
                    checked.status().message());
  return pow;
}

}  // namespace wattle::cli
