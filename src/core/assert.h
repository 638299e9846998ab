// WATTLE_ASSERT(cond, msg): an invariant check that stays on in every build.
//
// `assert` is compiled out by NDEBUG in Release, which is exactly the build
// that runs in production and in long simulations (docs/architecture.md, TigerBeetle:
// assertions on invariants in production code). A broken invariant means the
// process's state can no longer be trusted (e.g. a consensus engine about to
// sign two different votes for one step), so it prints where and why to
// stderr and aborts: a crash is recoverable from persisted state, acting on
// corrupt state is not. Use it for invariants of our own code only; bad input
// from outside is an error Status, never an assertion.
//
// `cond` is evaluated exactly once; `msg` (a const char*) only on failure.
// Header-only so that every layer can use it without a link dependency.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace wattle::detail {
// stdio, not iostream or fmt: this may run while a stream or the heap is in a
// bad state, and must print before abort() whatever happened.
[[noreturn]] inline void assertion_failed(const char* cond, const char* msg, const char* file,
                                          int line) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s (%s)\n", file, line, msg, cond);
  std::fflush(stderr);
  std::abort();
}
}  // namespace wattle::detail

#define WATTLE_ASSERT(cond, msg)                                            \
  do {                                                                      \
    if (!(cond)) [[unlikely]]                                               \
      ::wattle::detail::assertion_failed(#cond, (msg), __FILE__, __LINE__); \
  } while (0)
