// What the document root's lookups allow: configuration values the files layer acts on.
#pragma once

namespace ferry {

enum class dotfile_policy { deny, allow };
enum class symlink_policy { within_root, deny, follow };

}  // namespace ferry
