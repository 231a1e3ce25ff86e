// The byte rule field values share in HTTP/1.1 (RFC 9110 §5.5) and HTTP/2 (RFC 9113 §8.2.1): no
// control byte but HTAB, and no DEL; bytes from 0x80 (obs-text) pass. Checked sixteen or eight
// bytes at a time, as every request and response field goes through it.
#pragma once

#include <string_view>

namespace ferry {

// Whether `text` holds no control byte but HTAB, and no DEL.
bool free_of_controls(std::string_view text);

}  // namespace ferry
