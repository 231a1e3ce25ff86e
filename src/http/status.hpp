// HTTP status codes and their reason phrases.
#pragma once

#include <string_view>

namespace ferry {

// The reason phrase for a status code ("Not Found"); "" for codes without one.
std::string_view reason_phrase(int status);

// Whether a response with this status never has content (1xx, 204, 304).
constexpr bool status_has_no_content(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace ferry
