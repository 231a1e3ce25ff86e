// HTTP dates (RFC 9110 §5.6.7).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

inline constexpr std::size_t http_date_length = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"

// Writes `t` as IMF-fixdate into out[0..29).
void format_http_date(std::time_t t, char* out);
std::string format_http_date(std::time_t t);

// Parses IMF-fixdate, obsolete RFC 850 and asctime formats. nullopt when invalid.
std::optional<std::time_t> parse_http_date(std::string_view text);
// The same, with RFC 850's two-digit years resolved against `now` instead of the clock
// (RFC 9110 §5.6.7: more than 50 years ahead means the previous century).
std::optional<std::time_t> parse_http_date(std::string_view text, std::time_t now);

// The current time as IMF-fixdate, formatted at most once per second. One per thread.
class date_cache {
 public:
  std::string_view now();

 private:
  std::time_t formatted_for_ = -1;
  char text_[http_date_length] = {};
};

}  // namespace ferry
