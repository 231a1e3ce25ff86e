#include "http/http_date.hpp"

#include <array>
#include <cstdint>
#include <limits>

#include "http/char_classes.hpp"
#include "http/utc_time.hpp"

namespace ferry {

namespace {

constexpr std::array<std::string_view, 7> short_day_names = {"Sun", "Mon", "Tue", "Wed",
                                                             "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> long_day_names = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> month_names = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// IMF-fixdate has room for four-digit years only, so formatting clamps to 0001..9999.
constexpr std::int64_t earliest_formattable = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t latest_formattable = 253402300799;    // 9999-12-31T23:59:59Z

struct civil_time {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
};

bool is_leap_year(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in_month(int year, int month) {
  constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap_year(year)) return 29;
  return days[static_cast<std::size_t>(month - 1)];
}

// Days since 1970-01-01 in the proleptic Gregorian calendar. Counts whole 400-year eras
// (146097 days each) from 0000-03-01 so that leap days fall at the end of each year.
std::int64_t days_from_civil(int year, int month, int day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t year_of_era = y - era * 400;                           // [0, 399]
  const std::int64_t shifted_month = month > 2 ? month - 3 : month + 9;     // March = 0
  const std::int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;  // [0, 365]
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

std::optional<std::time_t> to_time(const civil_time& c) {
  if (c.month < 1 || c.month > 12) return std::nullopt;
  if (c.day < 1 || c.day > days_in_month(c.year, c.month)) return std::nullopt;
  if (c.hour > 23 || c.minute > 59 || c.second > 60) return std::nullopt;
  // A leap second has no time_t of its own; it is the last second of its minute.
  const int second = c.second == 60 ? 59 : c.second;
  const std::int64_t seconds = days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 +
                               c.minute * 60 + second;
  if (seconds < std::numeric_limits<std::time_t>::min() ||
      seconds > std::numeric_limits<std::time_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::time_t>(seconds);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Exactly `text.size()` decimal digits; -1 when any is not a digit.
int parse_digits(std::string_view text) {
  int value = 0;
  for (const char c : text) {
    if (!is_digit(c)) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

template <std::size_t N>
bool is_one_of(std::string_view text, const std::array<std::string_view, N>& names) {
  for (const std::string_view name : names) {
    if (text == name) return true;
  }
  return false;
}

// 1..12, or 0 when `text` is not a month name (names are case-sensitive in RFC 9110).
int parse_month(std::string_view text) {
  for (std::size_t i = 0; i < month_names.size(); ++i) {
    if (text == month_names[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

// "HH:MM:SS" into c; false on bad syntax (ranges are checked in to_time).
bool parse_time_of_day(std::string_view text, civil_time& c) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return false;
  c.hour = parse_digits(text.substr(0, 2));
  c.minute = parse_digits(text.substr(3, 2));
  c.second = parse_digits(text.substr(6, 2));
  return c.hour >= 0 && c.minute >= 0 && c.second >= 0;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<std::time_t> parse_imf_fixdate(std::string_view text) {
  if (text.size() != http_date_length) return std::nullopt;
  if (!is_one_of(text.substr(0, 3), short_day_names)) return std::nullopt;
  if (text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text.substr(25) != " GMT") {
    return std::nullopt;
  }
  civil_time c;
  c.day = parse_digits(text.substr(5, 2));
  c.month = parse_month(text.substr(8, 3));
  c.year = parse_digits(text.substr(12, 4));
  if (c.day < 0 || c.year < 0 || !parse_time_of_day(text.substr(17, 8), c)) return std::nullopt;
  return to_time(c);
}

// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is the most recent
// past year with those digits; otherwise the nearest such year not more than 50 years ahead.
int expand_two_digit_year(int two_digits, int current_year) {
  int year = current_year - current_year % 100 + two_digits;
  if (year > current_year + 50) {
    year -= 100;
  } else if (year <= current_year - 50) {
    year += 100;
  }
  return year;
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
// `clock` is only asked once the syntax checks out, so garbage costs no time() call.
template <typename Clock>
std::optional<std::time_t> parse_rfc850(std::string_view text, Clock clock) {
  const std::size_t comma = text.find(',');
  if (comma == std::string_view::npos || !is_one_of(text.substr(0, comma), long_day_names)) {
    return std::nullopt;
  }
  const std::string_view rest = text.substr(comma + 1);  // " 06-Nov-94 08:49:37 GMT"
  if (rest.size() != 23 || rest[0] != ' ' || rest[3] != '-' || rest[7] != '-' || rest[10] != ' ' ||
      rest.substr(19) != " GMT") {
    return std::nullopt;
  }
  civil_time c;
  c.day = parse_digits(rest.substr(1, 2));
  c.month = parse_month(rest.substr(4, 3));
  const int two_digits = parse_digits(rest.substr(8, 2));
  if (c.day < 0 || two_digits < 0 || !parse_time_of_day(rest.substr(11, 8), c)) {
    return std::nullopt;
  }
  const std::time_t now = clock();
  std::tm now_tm{};
  if (!to_utc(now, now_tm)) return std::nullopt;
  c.year = expand_two_digit_year(two_digits, now_tm.tm_year + 1900);
  return to_time(c);
}

// "Sun Nov  6 08:49:37 1994" (the day is space-padded or two digits).
std::optional<std::time_t> parse_asctime(std::string_view text) {
  if (text.size() != 24) return std::nullopt;
  if (!is_one_of(text.substr(0, 3), short_day_names)) return std::nullopt;
  if (text[3] != ' ' || text[7] != ' ' || text[10] != ' ' || text[19] != ' ') return std::nullopt;
  civil_time c;
  c.month = parse_month(text.substr(4, 3));
  c.day = text[8] == ' ' ? parse_digits(text.substr(9, 1)) : parse_digits(text.substr(8, 2));
  c.year = parse_digits(text.substr(20, 4));
  if (c.day < 0 || c.year < 0 || !parse_time_of_day(text.substr(11, 8), c)) return std::nullopt;
  return to_time(c);
}

using char_class::trim_ows;

template <typename Clock>
std::optional<std::time_t> parse_any_format(std::string_view text, Clock clock) {
  text = trim_ows(text);
  if (text.size() == http_date_length && text[3] == ',') return parse_imf_fixdate(text);
  if (text.size() == 24 && text[3] == ' ') return parse_asctime(text);
  return parse_rfc850(text, clock);
}

void write_two_digits(char* out, int value) {
  out[0] = static_cast<char>('0' + value / 10);
  out[1] = static_cast<char>('0' + value % 10);
}

}  // namespace

void format_http_date(std::time_t t, char* out) {
  std::int64_t seconds = static_cast<std::int64_t>(t);
  if (seconds < earliest_formattable) seconds = earliest_formattable;
  if (seconds > latest_formattable) seconds = latest_formattable;
  const auto clamped = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (!to_utc(clamped, tm)) {
    // Only when time_t cannot hold the clamp bounds (32-bit); the epoch is a safe stand-in.
    constexpr std::string_view epoch = "Thu, 01 Jan 1970 00:00:00 GMT";
    epoch.copy(out, http_date_length);
    return;
  }
  short_day_names[static_cast<std::size_t>(tm.tm_wday)].copy(out, 3);
  out[3] = ',';
  out[4] = ' ';
  write_two_digits(out + 5, tm.tm_mday);
  out[7] = ' ';
  month_names[static_cast<std::size_t>(tm.tm_mon)].copy(out + 8, 3);
  out[11] = ' ';
  const int year = tm.tm_year + 1900;
  write_two_digits(out + 12, year / 100);
  write_two_digits(out + 14, year % 100);
  out[16] = ' ';
  write_two_digits(out + 17, tm.tm_hour);
  out[19] = ':';
  write_two_digits(out + 20, tm.tm_min);
  out[22] = ':';
  write_two_digits(out + 23, tm.tm_sec);
  std::string_view(" GMT").copy(out + 25, 4);
}

std::string format_http_date(std::time_t t) {
  std::string text(http_date_length, '\0');
  format_http_date(t, text.data());
  return text;
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
  // Only the obsolete RFC 850 form needs the clock; the common forms skip the call.
  return parse_any_format(text, [] { return std::time(nullptr); });
}

std::optional<std::time_t> parse_http_date(std::string_view text, std::time_t now) {
  return parse_any_format(text, [now] { return now; });
}

std::string_view date_cache::now() {
  const std::time_t current = std::time(nullptr);
  if (current != formatted_for_) {
    format_http_date(current, text_);
    formatted_for_ = current;
  }
  return {text_, http_date_length};
}

}  // namespace ferry
