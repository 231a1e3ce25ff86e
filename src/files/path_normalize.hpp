// Turns the path of a request target into the canonical path used for file lookup.
#pragma once

#include <string>
#include <string_view>

namespace ferry {

enum class path_status {
  ok,
  not_absolute,    // does not start with '/'
  invalid_escape,  // '%' not followed by two hex digits
  nul_byte,        // %00 (or a raw NUL)
  control_char,    // decoded byte < 0x20 or 0x7f
  backslash,       // '\' raw or decoded: never a separator here, never served
  invalid_utf8,    // malformed or overlong UTF-8 (e.g. %c0%af), surrogates, > U+10FFFF
  escapes_root,    // ".." above the root
};

// Normalises `raw` (the target's path, before any '?'; already without query) into `out`:
// percent-decodes exactly once, rejects the cases of path_status, resolves "." and ".."
// segments, merges repeated '/', keeps a trailing '/'. `out` always starts with '/' when ok.
// Never allocates more than raw.size() + 1 bytes in `out`.
path_status normalize_path(std::string_view raw, std::string& out);

}  // namespace ferry
