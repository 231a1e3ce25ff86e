#include "modules/compression/compression_commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>
#include <thread>

#include "modules/compression/precompress_options.hpp"
#include "modules/compression/precompress_report.hpp"
#include "modules/compression/precompress_runner.hpp"

namespace ferry {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_changes = 1;  // --check found work to do, or something failed
constexpr int exit_usage = 2;

void print(std::FILE* stream, std::string_view text) { std::fwrite(text.data(), 1, text.size(), stream); }

}  // namespace

int run_precompress_command(const std::vector<std::string>& args) {
  const precompress_args parsed = parse_precompress_args(args, std::thread::hardware_concurrency());
  if (parsed.help) {
    print(stdout, precompress_usage());
    return exit_ok;
  }
  if (!parsed.options) {
    std::fprintf(stderr, "ferry precompress: %s\n", parsed.error.c_str());
    print(stderr, precompress_usage());
    return exit_usage;
  }
  const precompress_options& options = *parsed.options;

  // ROOT itself may be a symbolic link (a "current" release, say); nothing beneath it is followed.
  const int root = open(options.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    const int error = errno;
    std::fprintf(stderr, "ferry precompress: %s: %s\n", precompress_display_path(options.root, "").c_str(),
                 std::generic_category().message(error).c_str());
    return exit_usage;
  }

  const auto started = std::chrono::steady_clock::now();
  const precompress_totals totals = run_precompress(root, options, [](std::string_view line) {
    std::fprintf(stderr, "ferry precompress: %.*s\n", static_cast<int>(line.size()), line.data());
  });
  close(root);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (options.check) {
    if (!options.quiet) {
      for (const std::string& line : totals.listing) std::printf("%s\n", line.c_str());
      std::fflush(stdout);
      print(stderr, format_precompress_check_summary(options, totals, seconds));
    }
    return totals.errors > 0 || totals.changes_pending() ? exit_changes : exit_ok;
  }
  if (!options.quiet) print(stdout, format_precompress_report(options, totals, seconds));
  return totals.errors > 0 ? exit_changes : exit_ok;
}

std::vector<module_command> compression_commands() {
  return {
      {"precompress",
       "precompress ROOT [--check] [...]   build .br/.zst/.gz sidecars under ROOT (precompress --help)",
       run_precompress_command},
  };
}

}  // namespace ferry
