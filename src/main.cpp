// ferry's entry point: command line, configuration, logging, run. The only place that maps
// errors to exit codes: 0 clean stop, 1 runtime failure (e.g. cannot bind), 2 bad
// configuration or command line.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pthread.h>
#include <signal.h>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/toml_values.hpp"
#include "ferry/build_info.hpp"
#include "log/logging.hpp"
#include "modules/module_registry.hpp"
#include "server/server.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_runtime = 1;
constexpr int exit_config = 2;
constexpr long certificate_poll_seconds = 2;

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
  bool version = false;
};

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
std::shared_ptr<const ferry::config> build_config(const options& opts) {
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
  return std::make_shared<const ferry::config>(std::move(cfg));
}

std::string modules_line() {
  const std::string names = ferry::build_info::modules;
  return "modules: " + (names.empty() ? std::string("none") : names);
}

// Blocks until SIGTERM/SIGINT (drain) or SIGQUIT (immediate); SIGHUP reloads in between.
int serve(const options& opts, std::shared_ptr<const ferry::config> cfg) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&signals, s);
  // Blocked before the workers start, so only this thread ever receives them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  ferry::server srv(cfg);
  srv.start();
  std::vector<std::string> certificate_problems;
  while (true) {
    // Between signals, every few seconds: certificates whose files changed are reloaded.
    const timespec poll{.tv_sec = certificate_poll_seconds, .tv_nsec = 0};
    const int sig = sigtimedwait(&signals, nullptr, &poll);
    if (sig < 0) {
      if (errno != EAGAIN) continue;
      auto problems = srv.reload_changed_certificates();
      // A broken file is retried on every poll; say so once, not every few seconds.
      if (problems != certificate_problems) {
        for (const auto& problem : problems) ferry::log::error("certificate reload: {}", problem);
      }
      certificate_problems = std::move(problems);
      continue;
    }
    if (sig == SIGHUP) {
      try {
        auto next = build_config(opts);
        ferry::log::set_level(next->logging.level);
        srv.reload(next);
        ferry::log::info("configuration reloaded");
      } catch (const std::exception& e) {
        ferry::log::error("reload failed, keeping the current configuration: {}", e.what());
      }
      continue;
    }
    if (sig == SIGQUIT) {
      ferry::log::info("SIGQUIT: stopping now");
      std::_Exit(exit_ok);
    }
    ferry::log::info("{}: finishing in-flight requests, then stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    srv.drain();
    srv.join();
    ferry::log::info("stopped");
    return exit_ok;
  }
}

}  // namespace

int main(int argc, char** argv) {
  options opts;
  CLI::App app{"ferry: a static-file HTTP server"};
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
  try {
    cfg = build_config(opts);
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

  try {
    ferry::log::configure(cfg->logging);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot open the error log: %s\n", e.what());
    return exit_config;
  }
  try {
    ferry::log::info("ferry {} ({})", ferry::build_info::version, modules_line());
    return serve(opts, cfg);
  } catch (const std::exception& e) {
    ferry::log::error("{}", e.what());
    return exit_runtime;
  }
}
