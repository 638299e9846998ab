#include <iostream>

#include "bench.h"

namespace wattle::bench {

int run_ingest(const BenchOptions&) {
  std::cerr << "benchmark not implemented yet\n";
  return 2;
}

}  // namespace wattle::bench
