// Hostile length prefixes must not make the decoders allocate: a length or
// count that the remaining input cannot back is refused before any buffer
// of that size is reserved. Measured by replacing global operator new in
// this test binary and recording the largest single request while armed.
// (Skipped under ASan, which must keep its own operator new to check
// new/delete pairing.)
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "ledger_test_util.h"

#ifndef WATTLE_SANITIZE_BUILD

namespace {
std::atomic<bool> g_armed{false};
std::atomic<size_t> g_largest{0};
}  // namespace

void* operator new(size_t n) {
  if (g_armed.load(std::memory_order_relaxed)) {
    size_t cur = g_largest.load(std::memory_order_relaxed);
    while (n > cur && !g_largest.compare_exchange_weak(cur, n)) {
    }
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

// The largest single allocation `fn` makes.
template <typename Fn>
size_t largest_allocation(Fn fn) {
  g_largest = 0;
  g_armed = true;
  fn();
  g_armed = false;
  return g_largest.load();
}

Bytes header_then(const Bytes& tail) {
  Writer w;
  encode(w, BlockHeader{});
  w.raw(tail);
  return std::move(w).take();
}

TEST(DecodeAllocation, ProbeSeesALargeAllocation) {
  // The probe must be able to fail.
  size_t big = largest_allocation([] {
    Bytes b(1 << 20);
    EXPECT_EQ(b.size(), size_t{1} << 20);
  });
  EXPECT_GE(big, size_t{1} << 20);
}

TEST(DecodeAllocation, UnbackedLengthPrefixesAllocateNothingLarge) {
  std::vector<std::pair<const char*, Bytes>> inputs;
  {
    Writer w;  // chain id length at the limit, no bytes behind it
    w.u32(kMaxChainIdLength);
    inputs.push_back({"tx chain id", w.data()});
  }
  {
    Writer w;
    w.u32(kMaxBlockTxs);  // 20000 txs announced, 12 bytes present
    w.u32(0);
    w.u32(0);
    w.u32(0);
    inputs.push_back({"block tx count", header_then(w.data())});
  }
  {
    Writer w;
    w.u32(1);
    w.u32(kMaxTxBytes);  // one tx of 4096 bytes announced, 8 present
    w.u64(0);
    inputs.push_back({"block tx length", header_then(w.data())});
  }
  {
    Writer w;
    w.u32(0);
    w.u32(kMaxCertificateBytes);  // 64 KiB certificate announced, none present
    inputs.push_back({"certificate length", header_then(w.data())});
  }
  for (const auto& [what, bytes] : inputs) {
    size_t largest = largest_allocation([&, b = bytes] {
      auto tx = decode_tx(b);
      auto block = decode_block(b);
      EXPECT_FALSE(tx.is_ok());
      EXPECT_FALSE(block.is_ok());
    });
    EXPECT_LE(largest, 1024u) << what;
  }
}

}  // namespace
}  // namespace wattle::chain

#endif  // WATTLE_SANITIZE_BUILD
