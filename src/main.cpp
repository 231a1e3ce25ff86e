// ferry's entry point: command line, configuration, logging, run. The only place that maps
// errors to exit codes: 0 clean stop, 1 runtime failure (e.g. cannot bind, malformed socket
// activation variables, a failed change of user), 2 bad configuration or command line (an
// unknown `user` or `group` included).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/toml_values.hpp"
#include "ferry/build_info.hpp"
#include "log/logging.hpp"
#include "modules/module_registry.hpp"
#include "platform/process_signals.hpp"
#include "server/change_audit.hpp"
#include "server/privileges.hpp"
#include "server/runtime_tuning.hpp"
#include "server/server.hpp"
#include "server/socket_activation.hpp"
#include "server/systemd_notify.hpp"
#include "server/worker_stats.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_runtime = 1;
constexpr int exit_config = 2;
constexpr std::chrono::seconds certificate_poll{2};

struct options {
  std::string config_file;
  std::optional<std::string> root;
  std::vector<std::string> listen;
  std::optional<unsigned> workers;
  std::optional<std::string> log_level;
  std::optional<std::string> access_log;
  std::vector<std::string> tls_listen;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  bool check_config = false;
  bool print_tuning = false;
  bool version = false;
};

// The machine as this process sees it; the descriptor limit is raised once, at the first call.
const ferry::machine_facts& machine() {
  static const ferry::machine_facts facts = [] {
    ferry::machine_facts read = ferry::read_machine_facts();
    ferry::raise_fd_limit(read);
    return read;
  }();
  return facts;
}

// Flags that belong to a module's table, as TOML laid over the file's: --tls-listen replaces
// tls.listen, --tls-cert with --tls-key replaces tls.certificates.
toml::table module_overrides(const options& opts, ferry::config_error_sink& flag_errors) {
  toml::table overrides;
  toml::table tls;
  if (!opts.tls_listen.empty()) {
    toml::array listen;
    for (const auto& address : opts.tls_listen) listen.push_back(address);
    tls.insert_or_assign("listen", std::move(listen));
  }
  if (opts.tls_cert.has_value() != opts.tls_key.has_value()) {
    flag_errors.report("--tls-cert and --tls-key go together");
  } else if (opts.tls_cert) {
    toml::array certificates;
    certificates.push_back(toml::table{{"cert", *opts.tls_cert}, {"key", *opts.tls_key}});
    tls.insert_or_assign("certificates", std::move(certificates));
  }
  if (!tls.empty()) overrides.insert_or_assign("tls", std::move(tls));
  return overrides;
}

// Loads the file (or defaults) and applies the command-line overrides, then validates.
// `tuning`, when given, receives what was derived from the machine (for --print-tuning).
std::shared_ptr<const ferry::config> build_config(const options& opts, ferry::runtime_tuning* tuning = nullptr) {
  const auto& modules = ferry::compiled_modules();
  ferry::config_error_sink flag_errors("command line");
  const toml::table overrides = module_overrides(opts, flag_errors);
  flag_errors.throw_if_any();
  ferry::config cfg = opts.config_file.empty() ? ferry::default_config(modules, overrides)
                                               : ferry::load_config_file(opts.config_file, modules, overrides);
  if (opts.root) cfg.root = *opts.root;
  if (!opts.listen.empty()) {
    cfg.listeners.clear();
    for (const auto& l : opts.listen) {
      auto parsed = ferry::parse_listen_address(l);
      if (!parsed) {
        flag_errors.report("--listen " + l + ": " + parsed.error);
      } else {
        cfg.listeners.push_back(parsed.value);
      }
    }
  }
  if (opts.workers) cfg.workers = *opts.workers;
  if (opts.log_level) cfg.logging.level = *opts.log_level;
  if (opts.access_log) cfg.logging.access_log = *opts.access_log;
  flag_errors.throw_if_any();
  ferry::validate_config(cfg);
  // What the configuration leaves to the machine (workers = 0) or the container bounds.
  ferry::runtime_tuning derived = ferry::derive_tuning(cfg.workers, cfg.open_file_cache, machine());
  cfg.workers = derived.workers;
  cfg.open_file_cache = derived.open_file_cache;
  if (tuning != nullptr) *tuning = std::move(derived);
  return std::make_shared<const ferry::config>(std::move(cfg));
}

std::string modules_line() {
  const std::string names = ferry::build_info::modules;
  return "modules: " + (names.empty() ? std::string("none") : names);
}

// Started as root with `user` set: who to become, resolved before anything is bound so an
// unknown name is a configuration error (exit 2). Not root: nothing to resolve (see drop_root).
std::optional<ferry::account_identity> resolve_account(const ferry::config& cfg) {
  if (ferry::plan_privileges(cfg.user, ferry::effective_user()) != ferry::privilege_plan::drop) return std::nullopt;
  auto lookup = ferry::resolve_identity(cfg.user, cfg.group);
  if (!lookup.identity) throw ferry::config_error("cannot run as the configured user: " + lookup.error);
  return std::move(lookup.identity);
}

// Between binding (and opening the logs) and starting the workers: stop being root.
void drop_root(const ferry::config& cfg, const std::optional<ferry::account_identity>& identity) {
  if (ferry::plan_privileges(cfg.user, ferry::effective_user()) == ferry::privilege_plan::warn_not_root) {
    ferry::log::warn("user \"{}\" is set but ferry is not running as root (euid {}): keeping the current identity",
                     cfg.user, ferry::effective_user());
    return;
  }
  if (!identity) return;
  if (const auto problem = ferry::become(*identity); !problem.empty()) {
    throw std::runtime_error("cannot switch to " + identity->description + ": " + problem);
  }
  if (identity->uid == 0) {
    ferry::log::warn("user \"{}\" is root: still running as root", cfg.user);
  } else {
    ferry::log::info("running as {}", identity->description);
  }
}

// What systemd shows in `systemctl status` while ferry serves.
std::string serving_status(const ferry::server& srv, const ferry::config& cfg) {
  std::string status = "serving " + cfg.root + " on";
  for (const auto& address : srv.addresses()) status += " " + address;
  return status + " with " + std::to_string(srv.worker_count()) + " worker(s)";
}

// SIGHUP: re-reads the file and applies it. A bad file keeps the running configuration.
// Returns the status for systemd.
std::string reload(const options& opts, ferry::server& srv, std::shared_ptr<const ferry::config>& cfg) {
  try {
    auto next = build_config(opts);
    ferry::log::set_level(next->logging.level);
    srv.reload(next);
    auto& stats = ferry::stats_registry::process();
    stats.count_reload(true);
    ferry::audit_reload_succeeded(*cfg, *next, 1 + stats.reloads_ok());
    cfg = std::move(next);
    ferry::log::info("configuration reloaded");
    return serving_status(srv, *cfg);
  } catch (const std::exception& e) {
    auto& stats = ferry::stats_registry::process();
    stats.count_reload(false);
    ferry::audit_reload_failed(*cfg, e.what(), 1 + stats.reloads_ok());
    ferry::log::error("reload failed, keeping the current configuration: {}", e.what());
    return "reload failed, keeping the current configuration; " + serving_status(srv, *cfg);
  }
}

// Polled between signals: certificates and auth key files whose files changed are reloaded. A
// broken file is retried on every poll; it is reported once, not every few seconds.
void reload_changed_files(ferry::server& srv, std::vector<std::string>& reported) {
  auto problems = srv.reload_changed_files();
  if (problems != reported) {
    for (const auto& problem : problems) ferry::log::error("{}", problem);
  }
  reported = std::move(problems);
}

// Blocks until SIGTERM/SIGINT (drain) or SIGQUIT (immediate); SIGHUP reloads in between.
int serve(const options& opts, std::shared_ptr<const ferry::config> cfg,
          const std::optional<ferry::account_identity>& identity) {
  // Caught before the workers start, so only this thread ever receives them.
  ferry::platform::process_signals signals;

  // Connected while still root, so the notify socket's permissions do not matter later.
  auto notifier = ferry::systemd_notifier::from_environment();
  ferry::server srv(cfg, ferry::take_inherited_sockets());
  drop_root(*cfg, identity);
  srv.start();
  ferry::audit_started(*cfg);
  notifier.ready(serving_status(srv, *cfg));
  std::vector<std::string> file_problems;
  while (true) {
    const auto event = signals.wait(certificate_poll);
    using request = ferry::platform::process_request;
    if (event.request == request::none) {
      reload_changed_files(srv, file_problems);
      continue;
    }
    if (event.request == request::reload) {
      notifier.reloading();
      notifier.ready(reload(opts, srv, cfg));
      continue;
    }
    if (event.request == request::stop_now) {
      ferry::log::info("{}: stopping now", event.name);
      notifier.stopping("stopping now (" + event.name + ")");
      std::_Exit(exit_ok);
    }
    ferry::log::info("{}: finishing in-flight requests, then stopping", event.name);
    notifier.stopping("finishing in-flight requests, then stopping");
    srv.drain();
    srv.join();
    ferry::log::info("stopped");
    return exit_ok;
  }
}

// `ferry NAME ARGS...` where a compiled module registered the command NAME. Returns the exit
// status, or nothing when argv names no module command.
std::optional<int> run_module_command(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  const std::string_view name = argv[1];
  for (const auto& module : ferry::compiled_modules().modules()) {
    for (const auto& command : module.commands) {
      if (command.name != name) continue;
      try {
        return command.run(std::vector<std::string>(argv + 2, argv + argc));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "ferry %s: %s\n", argv[1], e.what());
        return exit_runtime;
      }
    }
  }
  return std::nullopt;
}

// For --help: the module commands this binary has.
std::string module_commands_help() {
  std::string text;
  for (const auto& module : ferry::compiled_modules().modules()) {
    for (const auto& command : module.commands) text += "  ferry " + std::string(command.usage) + "\n";
  }
  return text.empty() ? text : "\nCommands:\n" + text;
}

}  // namespace

int main(int argc, char** argv) {
  if (const auto status = run_module_command(argc, argv)) return *status;
  options opts;
  CLI::App app{"ferry: a static-file HTTP server"};
  app.footer(module_commands_help());
  app.add_option("--config", opts.config_file, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--root", opts.root, "Directory to serve (overrides root)");
  app.add_option("--listen", opts.listen, "HOST:PORT to listen on; repeatable (replaces listen)");
  app.add_option("--workers", opts.workers, "Worker threads, 0 = one per CPU");
  app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error, critical or off");
  app.add_option("--access-log", opts.access_log, "off, stdout, stderr or a file path");
  app.add_option("--tls-listen", opts.tls_listen, "HOST:PORT to serve TLS on; repeatable (replaces tls.listen)");
  app.add_option("--tls-cert", opts.tls_cert, "PEM certificate chain (with --tls-key: replaces tls.certificates)");
  app.add_option("--tls-key", opts.tls_key, "PEM private key for --tls-cert");
  app.add_flag("--check-config", opts.check_config, "Validate the configuration and exit");
  app.add_flag("--print-tuning", opts.print_tuning,
               "Print the values derived from the machine (workers, caches, limits) and their sources, then exit");
  app.add_flag("--version", opts.version, "Print the version and the compiled-in modules");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_config;
  }

  if (opts.version) {
    std::printf("ferry %s\n%s\n", ferry::build_info::version, modules_line().c_str());
    return exit_ok;
  }

  std::shared_ptr<const ferry::config> cfg;
  std::optional<ferry::account_identity> identity;
  ferry::runtime_tuning tuning;
  try {
    cfg = build_config(opts, &tuning);
    identity = resolve_account(*cfg);
  } catch (const ferry::config_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return exit_config;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return exit_config;
  }
  if (opts.check_config) {
    std::printf("configuration ok\n");
    return exit_ok;
  }
  if (opts.print_tuning) {
    std::fputs(ferry::format_tuning(tuning).c_str(), stdout);
    return exit_ok;
  }

  try {
    ferry::log::configure(cfg->logging);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot open the error log: %s\n", e.what());
    return exit_config;
  }
  try {
    ferry::log::info("ferry {} ({})", ferry::build_info::version, modules_line());
    return serve(opts, cfg, identity);
  } catch (const std::exception& e) {
    ferry::log::error("{}", e.what());
    return exit_runtime;
  }
}
