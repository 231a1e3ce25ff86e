// Broken-down UTC time from the proleptic Gregorian calendar (std::chrono), the same on every
// platform: gmtime_r is POSIX only, and Windows' gmtime_s refuses times before 1970.
#pragma once

#include <chrono>
#include <ctime>

namespace ferry {

// False when the year does not fit the calendar (beyond ±32767).
inline bool to_utc(std::time_t t, std::tm& out) {
  using namespace std::chrono;
  const sys_seconds at{seconds{t}};
  const sys_days day = floor<days>(at);
  const year_month_day date{day};
  if (!date.ok()) return false;
  const hh_mm_ss time{at - day};
  out = std::tm{};
  out.tm_year = static_cast<int>(date.year()) - 1900;
  out.tm_mon = static_cast<int>(static_cast<unsigned>(date.month())) - 1;
  out.tm_mday = static_cast<int>(static_cast<unsigned>(date.day()));
  out.tm_wday = static_cast<int>(weekday{day}.c_encoding());
  out.tm_yday = static_cast<int>((day - sys_days{date.year() / January / 1}).count());
  out.tm_hour = static_cast<int>(time.hours().count());
  out.tm_min = static_cast<int>(time.minutes().count());
  out.tm_sec = static_cast<int>(time.seconds().count());
  return true;
}

}  // namespace ferry
