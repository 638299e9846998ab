// Placeholder until its issue lands.
#include <iostream>

#include "bench.h"

namespace wattle::bench {

int run_market(const BenchOptions&) {
  std::cerr << "benchmark not implemented yet\n";
  return 2;
}

}  // namespace wattle::bench
