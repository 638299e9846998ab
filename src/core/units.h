// Energy, Money and Price: the three integer quantities consensus state is made of.
//
// Promise: no floating point anywhere (docs/architecture.md). Each is a distinct int64
// wrapper, so watt-hours cannot be added to micro-units by mistake. Arithmetic
// that could leave the int64 range is only offered in checked form
// (std::nullopt on overflow); plain comparisons are free.
//
//   Energy: watt-hours (Wh).
//   Money:  micro-units (1e-6) of the community token.
//   Price:  micro-units per kWh.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>

namespace wattle {

template <typename Tag>
class Quantity {
 public:
  using Rep = int64_t;
  constexpr Quantity() = default;
  constexpr explicit Quantity(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const Quantity&) const = default;

  static constexpr Quantity zero() { return Quantity(0); }
  static constexpr Quantity max() { return Quantity(std::numeric_limits<Rep>::max()); }

  constexpr std::optional<Quantity> checked_add(Quantity o) const {
    Rep r;
    if (__builtin_add_overflow(v_, o.v_, &r)) return std::nullopt;
    return Quantity(r);
  }
  constexpr std::optional<Quantity> checked_sub(Quantity o) const {
    Rep r;
    if (__builtin_sub_overflow(v_, o.v_, &r)) return std::nullopt;
    return Quantity(r);
  }
  constexpr std::optional<Quantity> checked_mul(Rep k) const {
    Rep r;
    if (__builtin_mul_overflow(v_, k, &r)) return std::nullopt;
    return Quantity(r);
  }

 private:
  Rep v_ = 0;
};

struct EnergyTag {};
struct MoneyTag {};
struct PriceTag {};
using Energy = Quantity<EnergyTag>;
using Money = Quantity<MoneyTag>;
using Price = Quantity<PriceTag>;

constexpr int64_t kWhPerKwh = 1000;
constexpr int64_t kMicroPerUnit = 1'000'000;

enum class Rounding { kDown, kUp };

// ceil(num / den) for den > 0, exact in 128 bits (negative num rounds toward
// +inf too): the rounding every "ceil" of docs/market.md uses.
constexpr __int128 ceil_div(__int128 num, __int128 den) {
  return num <= 0 ? -((-num) / den) : (num + den - 1) / den;
}

// The one rounding rule for energy x price (docs/architecture.md): the exact product
// energy_wh * price / 1000 is computed in 128 bits and rounded toward -inf
// (kDown) or +inf (kUp). Callers that split money between parties must send
// the remainder to an explicit account. nullopt if the result leaves int64.
constexpr std::optional<Money> cost(Energy e, Price p, Rounding r = Rounding::kDown) {
  __int128 num = static_cast<__int128>(e.value()) * p.value();
  __int128 q = num / kWhPerKwh;
  __int128 rem = num % kWhPerKwh;
  if (rem != 0) {
    if (r == Rounding::kDown && num < 0) q -= 1;
    if (r == Rounding::kUp && num > 0) q += 1;
  }
  if (q > std::numeric_limits<int64_t>::max() || q < std::numeric_limits<int64_t>::min())
    return std::nullopt;
  return Money(static_cast<int64_t>(q));
}

// floor(a * b / d) in 128-bit, for pro-rata shares; d > 0. nullopt if out of int64.
constexpr std::optional<int64_t> mul_div_floor(int64_t a, int64_t b, int64_t d) {
  __int128 num = static_cast<__int128>(a) * b;
  __int128 q = num / d;
  if (num % d != 0 && (num < 0) != (d < 0)) q -= 1;
  if (q > std::numeric_limits<int64_t>::max() || q < std::numeric_limits<int64_t>::min())
    return std::nullopt;
  return static_cast<int64_t>(q);
}

}  // namespace wattle
