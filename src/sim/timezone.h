// Legal (civil) time of a site by IANA zone name, with daylight saving time,
// from the system's tz database (Debian's tzdata in /usr/share/zoneinfo; g++
// 12's libstdc++ has no std::chrono::tzdb, so the C library reads it).
//
// The simulator's slots are legal local time (BDEW H0 is tabulated in legal
// time), 96 per day. On the day clocks go forward the missing hour's slots
// get the offset the C library gives them (the new one); on the day they go
// back the repeated hour is simulated once, with the first offset. Those two
// hours a year are the approximation; every other slot has its exact offset.
//
// Promise: slot_utc_offsets_h() is a pure function of (zone, start, days);
// calls are serialised (the C library keeps one process-wide zone), and the
// process's TZ is restored afterwards.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "sim/calendar.h"

namespace wattle::sim {

// OK if `zone` names a zone file of the tz database (e.g. "Europe/Berlin").
Status check_time_zone(const std::string& zone);

// UTC offset in hours of each 15-minute local slot from `start`, `days` days.
Result<std::vector<double>> slot_utc_offsets_h(const std::string& zone, const Date& start,
                                               int days);

}  // namespace wattle::sim
