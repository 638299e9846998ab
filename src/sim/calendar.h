// Civil dates for the simulator: day of year, weekday, German holidays.
//
// Promise: proleptic Gregorian calendar, no time zones (slots are naive local
// time: docs/architecture.md leaves clocks out of sim). Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wattle::sim {

struct Date {
  int year = 2025;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  auto operator<=>(const Date&) const = default;
};

bool is_leap_year(int year);
int days_in_year(int year);
int days_in_month(int year, int month);
// Days since 1970-01-01 (negative before).
int64_t days_from_civil(const Date& d);
Date civil_from_days(int64_t days);
// 1 = 1 January.
int day_of_year(const Date& d);
// 0 = Monday .. 6 = Sunday.
int weekday(const Date& d);
Date add_days(const Date& d, int64_t n);
// "YYYY-MM-DD"; false when malformed or not a real date.
bool parse_date(const std::string& s, Date* out);
std::string format_date(const Date& d);
// "YYYY-MM-DDTHH:MM" for quarter hour q (0..95) of the day.
std::string format_slot(const Date& d, int quarter_hour);

// Easter Sunday (Gregorian; anonymous/Meeus algorithm).
Date easter_sunday(int year);
// Germany's nationwide public holidays of a year: New Year, Good Friday,
// Easter Monday, Labour Day, Ascension, Whit Monday, German Unity Day,
// Christmas Day and Boxing Day (regional ones are left out on purpose).
std::vector<Date> german_holidays(int year);

}  // namespace wattle::sim
