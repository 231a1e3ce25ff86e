// Windows has no socket activation (no LISTEN_FDS): ferry binds its listeners itself.
#include "server/socket_activation.hpp"

namespace ferry {

std::string adopt_listening_socket(int, inherited_socket&) { return "socket activation is not supported on Windows"; }

std::vector<inherited_socket> take_inherited_sockets() { return {}; }

}  // namespace ferry
