#include "sim/timezone.h"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>

#include "sim/load_profile.h"

namespace wattle::sim {

namespace {

constexpr const char* kZoneDir = "/usr/share/zoneinfo/";

std::mutex& tz_mutex() {
  static std::mutex m;
  return m;
}

// Sets TZ for the scope and restores the previous value after.
class ScopedTz {
 public:
  explicit ScopedTz(const std::string& zone) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", (":" + zone).c_str(), 1);
    tzset();
  }
  ~ScopedTz() {
    if (old_)
      setenv("TZ", old_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  std::optional<std::string> old_;
};

}  // namespace

Status check_time_zone(const std::string& zone) {
  const auto bad = [&](const std::string& why) {
    return Status(Code::kInvalidArgument, "unknown time zone \"" + zone + "\" (" + why + ")");
  };
  if (zone.empty() || zone.front() == '/' || zone.find("..") != std::string::npos)
    return bad("expected an IANA name such as Europe/Berlin");
  std::ifstream in(kZoneDir + zone, std::ios::binary);
  char magic[4] = {};
  if (!in || !in.read(magic, 4) || std::string(magic, 4) != "TZif")
    return bad("no zone file " + std::string(kZoneDir) + zone);
  return Status::ok();
}

Result<std::vector<double>> slot_utc_offsets_h(const std::string& zone, const Date& start,
                                               int days) {
  WATTLE_RETURN_IF_ERROR(check_time_zone(zone));
  std::lock_guard<std::mutex> lock(tz_mutex());
  ScopedTz scoped(zone);
  std::vector<double> out;
  out.reserve(static_cast<size_t>(days) * kSlotsPerDay);
  for (int i = 0; i < days; ++i) {
    const Date d = add_days(start, i);
    for (int q = 0; q < kSlotsPerDay; ++q) {
      std::tm t{};
      t.tm_year = d.year - 1900;
      t.tm_mon = d.month - 1;
      t.tm_mday = d.day;
      t.tm_hour = q / 4;
      t.tm_min = (q % 4) * 15;
      t.tm_isdst = -1;  // let the zone decide
      if (std::mktime(&t) == static_cast<std::time_t>(-1))
        return Status(Code::kInvalidArgument,
                      "time zone " + zone + ": cannot convert " + format_slot(d, q));
      out.push_back(static_cast<double>(t.tm_gmtoff) / 3600.0);
    }
  }
  return out;
}

}  // namespace wattle::sim
