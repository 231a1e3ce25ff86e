#include "modules/auth/audit_writer_registry.hpp"

#include <map>
#include <mutex>

namespace ferry {
namespace {

std::string target_of(const audit_writer_options& options) {
  switch (options.sink) {
    case audit_sink::file: return "file:" + options.path;
    case audit_sink::standard_output: return "stdout";
    case audit_sink::syslog: return "syslog";
    case audit_sink::descriptor: break;
  }
  return "fd:" + std::to_string(options.fd);
}

bool same_settings(const audit_writer_options& a, const audit_writer_options& b) {
  return a.queue_capacity == b.queue_capacity && a.overflow == b.overflow && a.block_timeout == b.block_timeout &&
         a.batch_lines == b.batch_lines && a.chain == b.chain && a.syslog_ident == b.syslog_ident &&
         a.syslog_facility == b.syslog_facility;
}

struct running_writer {
  std::weak_ptr<audit_writer> writer;
  audit_writer_options options;
};

}  // namespace

std::shared_ptr<audit_writer> open_shared_audit_writer(const audit_writer_options& options, std::string& error,
                                                       std::string& warning) {
  static std::mutex mutex;
  static std::map<std::string, running_writer> running;
  const std::lock_guard lock(mutex);
  const std::string target = target_of(options);
  if (auto it = running.find(target); it != running.end()) {
    if (auto writer = it->second.writer.lock()) {
      if (!same_settings(it->second.options, options)) {
        warning = "auth.audit: hash_chain, queue_full and queue_size of a running audit log change on restart";
      }
      return writer;
    }
  }
  std::shared_ptr<audit_writer> writer = audit_writer::start(options, error);
  if (writer) running[target] = running_writer{writer, options};
  return writer;
}

}  // namespace ferry
