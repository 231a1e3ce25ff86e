#include "modules/compression/precompress_options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <system_error>

#include "config/toml_values.hpp"

namespace ferry {
namespace {

#ifdef FERRY_HAVE_ZSTD
constexpr std::array<std::string_view, 3> available_codings = {"br", "zstd", "gzip"};
#else
constexpr std::array<std::string_view, 2> available_codings = {"br", "gzip"};
#endif

constexpr std::string_view usage_text =
    "usage: ferry precompress ROOT [--check | --force] [--encodings LIST] [--jobs N]\n"
    "                               [--min-size SIZE] [--quiet]\n"
    "  --check           list missing and stale sidecars, write nothing; exit 1 if any\n"
    "  --force           rebuild sidecars that are up to date too\n"
    "  --encodings LIST  comma-separated subset of br,zstd,gzip (default: all this binary has)\n"
    "  --jobs N          files compressed in parallel, 1..1024 (default: one per CPU)\n"
    "  --min-size SIZE   leave smaller files alone: bytes, or \"4KiB\" (default 256)\n"
    "  --quiet           print errors only\n";

std::optional<std::uint64_t> parse_count(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "br,gzip" → the listed codings in report order. Unknown names, empty items and repeats are
// errors, so a typo never silently drops an encoding.
std::string parse_codings(std::string_view list, std::vector<std::string_view>& out) {
  std::vector<std::string_view> listed;
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    if (std::ranges::find(listed, item) != listed.end()) {
      return "--encodings: \"" + std::string(item) + "\" listed twice";
    }
    if (std::ranges::find(available_codings, item) == available_codings.end()) {
      if (item == "zstd") return "--encodings: this ferry was built without libzstd";
      return "--encodings: \"" + std::string(item) + "\" is not one of br, zstd, gzip";
    }
    listed.push_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  out.clear();
  for (const std::string_view coding : available_codings) {
    if (std::ranges::find(listed, coding) != listed.end()) out.push_back(coding);
  }
  return {};
}

std::string parse_min_size(std::string_view text, std::uint64_t& out) {
  if (const auto bytes = parse_count(text)) {
    out = *bytes;
    return {};
  }
  const auto size = parse_size(text);
  if (!size) return "--min-size: expected a number of bytes or a size like \"4KiB\": " + size.error;
  out = size.value;
  return {};
}

std::string parse_jobs(std::string_view text, unsigned& out) {
  const auto jobs = parse_count(text);
  if (!jobs || *jobs == 0 || *jobs > precompress_max_jobs) return "--jobs: expected an integer 1..1024";
  out = static_cast<unsigned>(*jobs);
  return {};
}

}  // namespace

std::span<const std::string_view> precompress_codings() { return available_codings; }

std::string_view precompress_usage() { return usage_text; }

precompress_args parse_precompress_args(const std::vector<std::string>& args, unsigned default_jobs) {
  precompress_args result;
  precompress_options options;
  options.codings.assign(available_codings.begin(), available_codings.end());
  options.jobs = std::clamp(default_jobs, 1U, precompress_max_jobs);
  bool have_root = false;
  bool options_ended = false;  // after "--" every argument is ROOT

  const auto fail = [&result](std::string message) {
    result.error = std::move(message);
    return result;
  };

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_ended || !arg.starts_with("-") || arg == "-") {
      if (have_root) return fail("more than one ROOT given (\"" + std::string(arg) + "\")");
      if (arg.empty()) return fail("ROOT is empty");
      options.root = arg;
      have_root = true;
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      result.help = true;
      return result;
    }
    if (arg == "--check") {
      options.check = true;
      continue;
    }
    if (arg == "--force") {
      options.force = true;
      continue;
    }
    if (arg == "--quiet" || arg == "-q") {
      options.quiet = true;
      continue;
    }

    // Options with a value: "--name VALUE" or "--name=VALUE".
    const std::size_t equals = arg.find('=');
    const std::string_view name = arg.substr(0, equals);
    if (name != "--encodings" && name != "--jobs" && name != "--min-size") {
      return fail("unknown option \"" + std::string(arg) + "\"");
    }
    std::string_view value;
    if (equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return fail(std::string(name) + " needs a value");
    }
    std::string problem;
    if (name == "--encodings") {
      problem = parse_codings(value, options.codings);
    } else if (name == "--jobs") {
      problem = parse_jobs(value, options.jobs);
    } else {
      problem = parse_min_size(value, options.min_size);
    }
    if (!problem.empty()) return fail(std::move(problem));
  }

  if (!have_root) return fail("ROOT is missing");
  if (options.check && options.force) return fail("--check and --force cannot be combined");
  result.options = std::move(options);
  return result;
}

}  // namespace ferry
