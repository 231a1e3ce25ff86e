// One audit writer per target for the whole process. A config reload builds a new [auth]
// while requests of the old configuration are still being decided; were each configuration to
// open its own writer, two threads would append to one file and interleave two hash chains.
// So a reload that names the same target shares the running writer (and its chain).
#pragma once

#include <memory>
#include <string>

#include "modules/auth/audit_writer.hpp"

namespace ferry {

// The running writer for `options`' target (file path, stdout or syslog) when there is one,
// else a new one. Null with `error` set when a new one cannot start. A running writer keeps
// its queue, overflow and chain settings: when `options` differ, `warning` says that those
// changes take effect on restart. Thread-safe.
std::shared_ptr<audit_writer> open_shared_audit_writer(const audit_writer_options& options, std::string& error,
                                                       std::string& warning);

}  // namespace ferry
