// Legal time by IANA zone (Debian's tz database) for the sun and H0: offsets
// switch on the EU's last Sundays of March and October, and a site's PV
// peaks an hour later on the clock in summer (docs/sim.md, Time zones).
#include "sim/timezone.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim/load_profile.h"
#include "sim/pv_profile.h"
#include "sim/scenario.h"

namespace wattle::sim {
namespace {

TEST(TimeZone, BerlinOffsetsAroundBothSwitches) {
  // 2025: CEST from Sunday 30 March 02:00 CET to Sunday 26 October 03:00 CEST.
  Result<std::vector<double>> o = slot_utc_offsets_h("Europe/Berlin", Date{2025, 3, 29}, 2);
  ASSERT_TRUE(o) << o.status().message();
  EXPECT_EQ((*o)[95], 1.0);       // Saturday 23:45, winter time
  EXPECT_EQ((*o)[96 + 7], 1.0);   // Sunday 01:45
  EXPECT_EQ((*o)[96 + 12], 2.0);  // Sunday 03:00, summer time
  EXPECT_EQ((*o)[96 + 95], 2.0);
  o = slot_utc_offsets_h("Europe/Berlin", Date{2025, 10, 26}, 1);
  ASSERT_TRUE(o);
  EXPECT_EQ((*o)[4], 2.0);   // 01:00 CEST
  EXPECT_EQ((*o)[16], 1.0);  // 04:00 CET
  // The southern hemisphere switches the other way, and some zones never do.
  o = slot_utc_offsets_h("Australia/Sydney", Date{2025, 1, 15}, 1);
  ASSERT_TRUE(o);
  EXPECT_EQ((*o)[48], 11.0);
  o = slot_utc_offsets_h("Australia/Perth", Date{2025, 1, 15}, 1);
  ASSERT_TRUE(o);
  EXPECT_EQ((*o)[48], 8.0);
  o = slot_utc_offsets_h("America/New_York", Date{2025, 7, 1}, 1);
  ASSERT_TRUE(o);
  EXPECT_EQ((*o)[48], -4.0);
}

TEST(TimeZone, UnknownZonesAreRefused) {
  for (const char* bad : {"Mars/Olympus", "../../etc/passwd", "", "/etc/localtime"})
    EXPECT_FALSE(check_time_zone(bad).is_ok()) << bad;
  EXPECT_TRUE(check_time_zone("Europe/Zurich").is_ok());
}

int peak_slot(const std::vector<PvSlot>& day) {
  return static_cast<int>(
      std::max_element(day.begin(), day.end(),
                       [](const PvSlot& a, const PvSlot& b) { return a.energy_wh < b.energy_wh; }) -
      day.begin());
}

// Berlin (13.4 degrees east) has solar noon near 12:05 CET: a south-facing
// array peaks in the 12:00 slot in winter and, in legal time, in the 13:00
// slot in summer (with the old fixed offset, in the 12:00 slot all year).
TEST(TimeZone, PvPeaksAnHourLaterOnTheClockInSummer) {
  PvSite site;
  site.timezone = "Europe/Berlin";
  const PvArray array{5, 0.85, Surface{30, 180, 0.2}};
  const int winter = peak_slot(pv_clear_sky(site, array, Date{2025, 1, 15}, 1));
  const int summer = peak_slot(pv_clear_sky(site, array, Date{2025, 6, 21}, 1));
  EXPECT_EQ(winter / 4, 12);
  EXPECT_EQ(summer / 4, 13);
  std::cout << "peak slot winter " << winter << ", summer " << summer << "\n";
  site.timezone.clear();
  site.utc_offset_h = 1;
  EXPECT_EQ(peak_slot(pv_clear_sky(site, array, Date{2025, 6, 21}, 1)) / 4, 12);
}

TEST(TimeZone, ScenarioSiteKeys) {
  const std::string hh = "[[households]]\ncount = 1\n";
  Result<Scenario> s = parse_scenario(hh, "t", ".");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->site.timezone, "Europe/Berlin");  // the default site, in its legal time
  s = parse_scenario(
      "[site]\nlatitude = 47.37\nlongitude = 8.54\ntimezone = \"Europe/Zurich\"\n" + hh, "t", ".");
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_EQ(s->site.timezone, "Europe/Zurich");
  s = parse_scenario("[site]\nlatitude = 47.37\nutc_offset_h = 1\n" + hh, "t", ".");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->site.timezone, "");  // a fixed offset, as before
  s = parse_scenario("[site]\nlatitude = 40.7\nlongitude = -74\n" + hh, "t", ".");
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find("'site.timezone': required"), std::string::npos);
  s = parse_scenario("[site]\ntimezone = \"Europe/Atlantis\"\n" + hh, "t", ".");
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find("unknown time zone \"Europe/Atlantis\""), std::string::npos)
      << s.status().message();
  s = parse_scenario("[site]\ntimezone = \"Europe/Berlin\"\nutc_offset_h = 1\n" + hh, "t", ".");
  ASSERT_FALSE(s);
}

}  // namespace
}  // namespace wattle::sim
