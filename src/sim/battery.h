// A home battery: capacity, power limit, round-trip efficiency, state of charge.
//
// Promise: energy is conserved up to the stated losses: the round-trip
// efficiency is split evenly between charging and discharging (sqrt each), so
// charging c Wh from outside adds c x sqrt(eta) to the state of charge, and
// discharging d Wh to outside removes d / sqrt(eta). The state of charge stays
// in [0, capacity]; no call moves more than power x slot length.
#pragma once

#include <algorithm>
#include <cmath>

namespace wattle::sim {

struct BatterySpec {
  double capacity_wh = 0;
  double power_w = 0;
  double round_trip_efficiency = 0.9;
  double initial_soc = 0.5;  // fraction of capacity
};

class Battery {
 public:
  Battery() = default;
  explicit Battery(const BatterySpec& s)
      : spec_(s),
        leg_(std::sqrt(s.round_trip_efficiency)),
        soc_wh_(s.capacity_wh * s.initial_soc) {}

  bool present() const { return spec_.capacity_wh > 0 && spec_.power_w > 0; }
  double soc_wh() const { return soc_wh_; }
  double soc_fraction() const { return present() ? soc_wh_ / spec_.capacity_wh : 0; }

  // Charges up to `offered` Wh from outside within one slot of `hours`;
  // returns the Wh taken.
  double charge(double offered, double hours) {
    if (!present() || offered <= 0) return 0;
    const double room = (spec_.capacity_wh - soc_wh_) / leg_;
    const double taken = std::min({offered, spec_.power_w * hours, room});
    soc_wh_ = std::min(spec_.capacity_wh, soc_wh_ + taken * leg_);
    return taken;
  }
  // Delivers up to `wanted` Wh to outside; returns the Wh delivered.
  double discharge(double wanted, double hours) {
    if (!present() || wanted <= 0) return 0;
    const double given = std::min({wanted, spec_.power_w * hours, soc_wh_ * leg_});
    soc_wh_ = std::max(0.0, soc_wh_ - given / leg_);
    return given;
  }

 private:
  BatterySpec spec_;
  double leg_ = 1;
  double soc_wh_ = 0;
};

}  // namespace wattle::sim
