// `wattle bench NAME [--quick] [--seed N] [--txs N]`: runs one benchmark program.
#include "bench.h"
#include "cli/commands.h"
#include "cli/strict_int.h"

namespace wattle::cli {

void register_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Run a benchmark; prints name=value lines");
  static std::string name;
  static bench::BenchOptions opts;
  std::string names;
  for (const auto& b : bench::benches()) names += "\n  " + b.name + ": " + b.summary;
  cmd->add_option("name", name, "Benchmark to run:" + names)->required();
  cmd->add_flag("--quick", opts.quick, "Short mode for CI: checks it runs, figures not meaningful");
  cmd->add_option("--seed", opts.seed, "Seed for generated workloads")
      ->transform(decimal_in(0, UINT64_MAX));
  cmd->add_option("--txs", opts.txs, "Workload size for benchmarks that take one (energy)")
      ->transform(decimal_in(1, 10'000'000));
  cmd->callback([] {
    for (const auto& b : bench::benches()) {
      if (b.name != name) continue;
      int rc = b.run(opts);
      if (rc != 0) throw ExitCode{rc};
      return;
    }
    throw UserError("unknown benchmark \"" + name + "\" (see wattle bench --help)");
  });
}

}  // namespace wattle::cli
