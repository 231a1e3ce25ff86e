// What the document root's lookups allow: configuration values the files layer acts on.
#pragma once

namespace ferry {

enum class dotfile_policy { deny, allow };
enum class symlink_policy { within_root, deny, follow };
// How HTTP/1.x in the clear moves file bodies too large to copy into the head's buffer:
// sendfile, or read + send (see files.sendfile in docs/configuration.md).
enum class sendfile_mode { automatic, on, off };

}  // namespace ferry
