#include "sim/weather_csv.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sim/load_profile.h"
#include "sim/solar.h"
#include "sim/timezone.h"

namespace wattle::sim {

namespace {

constexpr int kHours = 8760;
constexpr int kMonthStart[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

Status at(const std::string& path, int line, int col, const std::string& why) {
  return Status(Code::kInvalidArgument,
                path + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + why);
}

// Day of a non-leap year (0-based), 29 February as the 28th.
int day_index(int month, int day) {
  return kMonthStart[month - 1] + std::min(day, month == 2 ? 28 : 31) - 1;
}

}  // namespace

Result<HourlyWeather> read_pvgis_tmy(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kIoError, path + ": cannot open weather file");
  HourlyWeather w;
  w.source = path;
  w.ghi.assign(kHours, -1);
  std::string line;
  int no = 0, ghi_col = -1, rows = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (ghi_col < 0) {
      if (line.rfind("time(UTC)", 0) != 0) continue;  // metadata before the header
      const std::vector<std::string> h = split(line);
      for (size_t i = 0; i < h.size(); ++i)
        if (h[i] == "G(h)") ghi_col = static_cast<int>(i);
      if (ghi_col < 0) return at(path, no, 1, "no G(h) column in the header");
      continue;
    }
    // Data rows start "YYYYMMDD:HHMM"; the legend after them does not.
    if (line.size() < 13 || line[8] != ':' ||
        !std::all_of(line.begin(), line.begin() + 8, ::isdigit))
      break;
    const std::vector<std::string> f = split(line);
    const int month = std::atoi(line.substr(4, 2).c_str());
    const int day = std::atoi(line.substr(6, 2).c_str());
    const int hour = std::atoi(line.substr(9, 2).c_str());
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(2001, month) + (month == 2) ||
        hour > 23)
      return at(path, no, 1, "bad time \"" + f[0] + "\"");
    if (month == 2 && day == 29) continue;
    if (static_cast<int>(f.size()) <= ghi_col) return at(path, no, 1, "too few fields");
    char* end = nullptr;
    const std::string& cell = f[static_cast<size_t>(ghi_col)];
    const double g = std::strtod(cell.c_str(), &end);
    if (cell.empty() || end != cell.c_str() + cell.size() || !std::isfinite(g) || g < 0)
      return at(path, no, ghi_col + 1, "G(h) must be a number >= 0, got \"" + cell + "\"");
    const size_t h = static_cast<size_t>(day_index(month, day) * 24 + hour);
    if (w.ghi[h] >= 0) return at(path, no, 1, "second row for hour " + f[0]);
    w.ghi[h] = g;
    ++rows;
  }
  if (ghi_col < 0) return at(path, no, 1, "no time(UTC),... header (not a PVGIS TMY CSV)");
  if (rows != kHours)
    return at(path, no, 1,
              "has " + std::to_string(rows) + " hourly rows, a TMY needs " +
                  std::to_string(kHours) + " (every hour of the year once)");
  return w;
}

std::vector<double> weather_clear_sky_index(const HourlyWeather& w, const PvSite& site,
                                            const Date& start, int days) {
  std::vector<double> offsets;
  if (!site.timezone.empty())
    if (auto o = slot_utc_offsets_h(site.timezone, start, days)) offsets = std::move(*o);
  std::vector<double> out;
  out.reserve(static_cast<size_t>(days) * kSlotsPerDay);
  for (int i = 0; i < days; ++i) {
    const Date d = add_days(start, i);
    for (int q = 0; q < kSlotsPerDay; ++q) {
      const size_t t = static_cast<size_t>(i) * kSlotsPerDay + q;
      const double offset = offsets.empty() ? site.utc_offset_h : offsets[t];
      const double mid = slot_start_unix(d, q, offset) + 450.0;
      // The UTC hour holding the midpoint, and that hour's own midpoint.
      const double hour_start = std::floor(mid / 3600.0) * 3600.0;
      const int64_t day_no = static_cast<int64_t>(std::floor(hour_start / 86400.0));
      const Date utc_day = add_days(Date{1970, 1, 1}, day_no);
      const int hour = static_cast<int>((hour_start - day_no * 86400.0) / 3600.0);
      const double measured =
          w.ghi[static_cast<size_t>(day_index(utc_day.month, utc_day.day) * 24 + hour)];
      const SolarPosition pos =
          solar_position(hour_start + 1800.0, site.latitude_deg, site.longitude_deg);
      const double clear =
          clear_sky_at(pos, day_of_year(utc_day), site.linke_turbidity, site.altitude_m).ghi;
      const double k = clear < 10 ? (measured > 0 ? 1.0 : 0.0) : measured / clear;
      out.push_back(std::clamp(k, 0.0, 1.5));
    }
  }
  return out;
}

}  // namespace wattle::sim
