// `ferry precompress`: argument parsing, the pure rules (what is selected, when a sidecar is
// fresh, when it is worth keeping), the best-setting encoders, and whole runs over temporary
// trees checked through the reference decoders and the file system.
#include <brotli/decode.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#if defined(FERRY_HAVE_ZSTD) && __has_include(<zstd.h>)
#include <zstd.h>
#define FERRY_TEST_ZSTD 1
#endif

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "modules/compression/compression_commands.hpp"
#include "modules/compression/precompress_codec.hpp"
#include "modules/compression/precompress_options.hpp"
#include "modules/compression/precompress_report.hpp"
#include "modules/compression/precompress_runner.hpp"
#include "modules/compression/precompress_sidecar.hpp"
#include "modules/compression/precompress_walk.hpp"

namespace ferry {
namespace {

namespace fs = std::filesystem;

// --- reference decoders ------------------------------------------------------------------

std::optional<std::string> gunzip(std::string_view compressed) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return std::nullopt;
  std::string out;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buffer[64 * 1024];
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  const bool complete = rc == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  if (!complete) return std::nullopt;
  return out;
}

std::optional<std::string> unbrotli(std::string_view compressed) {
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (state == nullptr) return std::nullopt;
  std::string out;
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(compressed.data());
  std::size_t available_in = compressed.size();
  BrotliDecoderResult result = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    std::uint8_t buffer[64 * 1024];
    std::uint8_t* next_out = buffer;
    std::size_t available_out = sizeof buffer;
    result = BrotliDecoderDecompressStream(state, &available_in, &next_in, &available_out, &next_out, nullptr);
    out.append(reinterpret_cast<const char*>(buffer), sizeof buffer - available_out);
  }
  const bool complete = result == BROTLI_DECODER_RESULT_SUCCESS && available_in == 0;
  BrotliDecoderDestroyInstance(state);
  if (!complete) return std::nullopt;
  return out;
}

std::optional<std::string> unzstd([[maybe_unused]] std::string_view compressed) {
#ifdef FERRY_TEST_ZSTD
  const unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return std::nullopt;
  std::string out(static_cast<std::size_t>(size), '\0');
  const std::size_t got = ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(got) || got != out.size()) return std::nullopt;
  return out;
#else
  return std::nullopt;
#endif
}

std::optional<std::string> decode(std::string_view coding, std::string_view compressed) {
  if (coding == "gzip") return gunzip(compressed);
  if (coding == "br") return unbrotli(compressed);
  return unzstd(compressed);
}

// --- inputs ------------------------------------------------------------------------------

std::string text(std::size_t size, std::uint32_t seed = 1) {
  static const std::vector<std::string_view> words{"static", "files", "served", "over", "HTTP", "with",
                                                   "<div>",  "</div>", "class=\"row\"", "{", "}", "return",
                                                   "const",  "42,",    "\n"};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
  std::string out;
  while (out.size() < size) {
    out += words[pick(rng)];
    out += ' ';
  }
  out.resize(size);
  return out;
}

std::string random_bytes(std::size_t size, std::uint32_t seed = 2) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

std::vector<std::string> all_codings() {
  const auto codings = precompress_codings();
  return {codings.begin(), codings.end()};
}

// --- argument parsing --------------------------------------------------------------------

precompress_args parse(std::vector<std::string> args, unsigned default_jobs = 8) {
  return parse_precompress_args(args, default_jobs);
}

TEST(PrecompressArgs, Defaults) {
  const auto parsed = parse({"dist"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  const precompress_options& o = *parsed.options;
  EXPECT_EQ(o.root, "dist");
  EXPECT_FALSE(o.check);
  EXPECT_FALSE(o.force);
  EXPECT_FALSE(o.quiet);
  EXPECT_EQ(o.jobs, 8U);
  EXPECT_EQ(o.min_size, 256U);
  EXPECT_EQ(std::vector<std::string>(o.codings.begin(), o.codings.end()), all_codings());
  EXPECT_EQ(all_codings().front(), "br");
  EXPECT_EQ(all_codings().back(), "gzip");
}

TEST(PrecompressArgs, UnknownCpuCountMeansOneJob) {
  const auto parsed = parse({"dist"}, 0);
  ASSERT_TRUE(parsed.options);
  EXPECT_EQ(parsed.options->jobs, 1U);
}

TEST(PrecompressArgs, OptionsWithSeparateOrAttachedValues) {
  const auto parsed = parse({"--check", "--jobs", "3", "--min-size=1KiB", "dist", "--quiet", "--encodings=gzip,br"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  const precompress_options& o = *parsed.options;
  EXPECT_TRUE(o.check);
  EXPECT_TRUE(o.quiet);
  EXPECT_EQ(o.jobs, 3U);
  EXPECT_EQ(o.min_size, 1024U);
  // Report order, whatever order they were listed in.
  EXPECT_EQ(std::vector<std::string>(o.codings.begin(), o.codings.end()), (std::vector<std::string>{"br", "gzip"}));
  EXPECT_EQ(o.root, "dist");
}

TEST(PrecompressArgs, MinSizeInBytesOrSizeSyntax) {
  EXPECT_EQ(parse({"d", "--min-size", "0"}).options->min_size, 0U);
  EXPECT_EQ(parse({"d", "--min-size", "4096"}).options->min_size, 4096U);
  EXPECT_EQ(parse({"d", "--min-size", "2MiB"}).options->min_size, 2U * 1024 * 1024);
  for (const char* bad : {"", "-1", "1.5KiB", "ten", "1 KiB", "99999999999999999999999"}) {
    const auto parsed = parse({"d", "--min-size", bad});
    EXPECT_FALSE(parsed.options) << bad;
    EXPECT_NE(parsed.error.find("--min-size"), std::string::npos) << parsed.error;
  }
}

TEST(PrecompressArgs, JobsMustBeOneTo1024) {
  EXPECT_EQ(parse({"d", "--jobs=1"}).options->jobs, 1U);
  EXPECT_EQ(parse({"d", "--jobs=1024"}).options->jobs, 1024U);
  for (const char* bad : {"0", "1025", "-2", "x", "", "4x", "18446744073709551617"}) {
    const auto parsed = parse({"d", "--jobs", bad});
    EXPECT_FALSE(parsed.options) << bad;
    EXPECT_NE(parsed.error.find("--jobs"), std::string::npos) << parsed.error;
  }
}

TEST(PrecompressArgs, EncodingsMustBeKnownAndListedOnce) {
  for (const char* bad : {"", "br,", ",br", "deflate", "br,br", "BR", "gzip,identity", "br gzip"}) {
    const auto parsed = parse({"d", "--encodings", bad});
    EXPECT_FALSE(parsed.options) << bad;
    EXPECT_NE(parsed.error.find("--encodings"), std::string::npos) << parsed.error;
  }
  const auto only_gzip = parse({"d", "--encodings", "gzip"});
  ASSERT_TRUE(only_gzip.options);
  EXPECT_EQ(only_gzip.options->codings.size(), 1U);
}

TEST(PrecompressArgs, UsageErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {},                          // no ROOT
      {"a", "b"},                  // two ROOTs
      {"--check"},                 // still no ROOT
      {"d", "--fast"},             // unknown option
      {"d", "--jobs"},             // value missing
      {"d", "--check", "--force"}, // contradictory
      {""},                        // empty ROOT
      {"d", "--check=yes"},        // flags take no value
  };
  for (const auto& args : bad) {
    const auto parsed = parse(args);
    EXPECT_FALSE(parsed.options) << (args.empty() ? "(none)" : args.back());
    EXPECT_FALSE(parsed.error.empty());
    EXPECT_FALSE(parsed.help);
  }
}

TEST(PrecompressArgs, DoubleDashEndsOptions) {
  const auto parsed = parse({"--quiet", "--", "--odd-dir"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  EXPECT_EQ(parsed.options->root, "--odd-dir");
  EXPECT_TRUE(parsed.options->quiet);
}

TEST(PrecompressArgs, Help) {
  const auto parsed = parse({"--help"});
  EXPECT_TRUE(parsed.help);
  EXPECT_FALSE(parsed.options);
  EXPECT_NE(precompress_usage().find("--check"), std::string_view::npos);
}

// --- pure rules ----------------------------------------------------------------------------

TEST(PrecompressRules, FreshMeansNotOlderThanTheFile) {
  const std::timespec file{1000, 500};
  EXPECT_TRUE(sidecar_is_fresh(file, {1000, 500}));   // equal: what a run writes
  EXPECT_TRUE(sidecar_is_fresh(file, {1000, 501}));
  EXPECT_TRUE(sidecar_is_fresh(file, {1001, 0}));
  EXPECT_FALSE(sidecar_is_fresh(file, {1000, 499}));  // one nanosecond older
  EXPECT_FALSE(sidecar_is_fresh(file, {999, 999999999}));
  EXPECT_FALSE(sidecar_is_fresh({0, 1}, {0, 0}));
}

TEST(PrecompressRules, SidecarMustSaveFivePercent) {
  EXPECT_EQ(sidecar_size_limit(0), 0U);
  EXPECT_EQ(sidecar_size_limit(1), 0U);
  EXPECT_EQ(sidecar_size_limit(20), 19U);
  EXPECT_EQ(sidecar_size_limit(21), 19U);  // 5 % of 21 is 1.05: two bytes must be saved
  EXPECT_EQ(sidecar_size_limit(100), 95U);
  EXPECT_EQ(sidecar_size_limit(256), 243U);
  EXPECT_EQ(sidecar_size_limit(1000000), 950000U);
  const std::uint64_t huge = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(sidecar_size_limit(huge), huge - (huge / 20 + 1));
}

TEST(PrecompressRules, SidecarNames) {
  EXPECT_EQ(precompress_suffix("br"), ".br");
  EXPECT_EQ(precompress_suffix("zstd"), ".zst");
  EXPECT_EQ(precompress_suffix("gzip"), ".gz");
  EXPECT_EQ(precompress_suffix("deflate"), "");
  EXPECT_TRUE(is_sidecar_name("app.js.br"));
  EXPECT_TRUE(is_sidecar_name("app.js.zst"));
  EXPECT_TRUE(is_sidecar_name("archive.tar.gz"));
  EXPECT_FALSE(is_sidecar_name("app.js"));
  EXPECT_FALSE(is_sidecar_name("notes.brx"));
  EXPECT_FALSE(is_sidecar_name("br"));
}

TEST(PrecompressRules, SelectionFollowsTheDefaultCompressionTypes) {
  const precompress_selection selection;
  EXPECT_EQ(selection.media_type("index.html"), "text/html");
  EXPECT_EQ(selection.media_type("APP.JS"), "text/javascript");
  EXPECT_EQ(selection.media_type("site.css"), "text/css");
  EXPECT_EQ(selection.media_type("logo.svg"), "image/svg+xml");
  EXPECT_EQ(selection.media_type("data.json"), "application/json");
  EXPECT_FALSE(selection.media_type("module.wasm").empty());
  EXPECT_FALSE(selection.media_type("favicon.ico").empty());
  // Already compressed, unknown, hidden, or sidecars themselves.
  for (const char* name : {"photo.jpg", "clip.mp4", "font.woff2", "archive.zip", "README", "", ".env",
                           ".hidden.js", "app.js.br", "app.js.gz", "app.js.zst", "app.js."}) {
    EXPECT_EQ(selection.media_type(name), "") << name;
  }
}

TEST(PrecompressRules, BrotliWindowFitsTheInput) {
  EXPECT_EQ(precompress_brotli_window_bits(0), 10);
  EXPECT_EQ(precompress_brotli_window_bits(1008), 10);  // 2^10 - 16
  EXPECT_EQ(precompress_brotli_window_bits(1009), 11);
  EXPECT_EQ(precompress_brotli_window_bits(65520), 16);
  EXPECT_EQ(precompress_brotli_window_bits(65521), 17);
  EXPECT_EQ(precompress_brotli_window_bits(std::uint64_t{4} << 20), 22);
  EXPECT_EQ(precompress_brotli_window_bits(std::uint64_t{1} << 40), 22);
}

TEST(PrecompressReport, DisplayPathsStayOnOneLine) {
  EXPECT_EQ(precompress_display_path("dist", "css/a.css"), "dist/css/a.css");
  EXPECT_EQ(precompress_display_path("dist///", "a.css"), "dist/a.css");
  EXPECT_EQ(precompress_display_path("/", "a.css"), "/a.css");
  EXPECT_EQ(precompress_display_path("dist", ""), "dist");
  EXPECT_EQ(precompress_display_path("d", "a\nb\\c\x7f.js"), "d/a\\x0ab\\x5cc\\x7f.js");
}

TEST(PrecompressReport, ByteSizes) {
  EXPECT_EQ(format_byte_size(0), "0 B");
  EXPECT_EQ(format_byte_size(1023), "1023 B");
  EXPECT_EQ(format_byte_size(1024), "1.0 KiB");
  EXPECT_EQ(format_byte_size(1536), "1.5 KiB");
  EXPECT_EQ(format_byte_size(std::uint64_t{5} << 20), "5.0 MiB");
  EXPECT_EQ(format_byte_size(std::uint64_t{3} << 30), "3.0 GiB");
  EXPECT_EQ(format_byte_size(std::numeric_limits<std::uint64_t>::max()), "16777216.0 TiB");
}

TEST(PrecompressReport, SummaryNamesEveryCounter) {
  precompress_options options;
  options.root = "dist";
  precompress_totals totals;
  totals.walk = {.files = 12, .compressible = 9, .links = 1};
  totals.below_min_size = 2;
  totals.threads = 4;
  totals.codings.push_back({.coding = "br", .written = 3, .up_to_date = 2, .not_smaller = 1, .removed = 1,
                            .bytes_before = 4000, .bytes_after = 1000});
  totals.codings.push_back({.coding = "gzip", .up_to_date = 7});
  const std::string report = format_precompress_report(options, totals, 1.5);
  EXPECT_NE(report.find("precompress dist: 12 files, 9 compressible, 2 below 256 B, 1 links not followed\n"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("br    written 3, up to date 2, not smaller 1, removed 1: 3.9 KiB -> 1000 B, 75.0 % saved"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("gzip  written 0, up to date 7, not smaller 0, removed 0\n"), std::string::npos) << report;
  EXPECT_NE(report.find("0 errors, 4 threads, 1.5 s"), std::string::npos) << report;
}

// --- encoders --------------------------------------------------------------------------------

std::string encode_in_pieces(std::string_view coding, std::string_view input, std::size_t piece,
                             std::string_view media_type = "text/plain") {
  std::error_code error;
  auto encoder = make_sidecar_encoder(coding, input.size(), media_type, error);
  EXPECT_TRUE(encoder) << coding << ": " << error.message();
  if (!encoder) return {};
  std::string out;
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(piece, input.size() - offset);
    const bool last = offset + n == input.size();
    EXPECT_FALSE(encoder->encode({input.data() + offset, n}, last, out));
    offset += n;
    if (last) break;
  } while (true);
  // A finished stream refuses more input.
  EXPECT_TRUE(encoder->encode({}, true, out));
  return out;
}

TEST(PrecompressCodec, RoundTripsThroughReferenceDecoders) {
  for (const std::string& coding : all_codings()) {
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{5000}, std::size_t{700000}}) {
      const std::string input = text(size, static_cast<std::uint32_t>(size));
      for (const std::size_t piece : {std::size_t{1000}, std::size_t{256 * 1024}}) {
        if (size > 100000 && piece < 10000) continue;  // slow at these levels, and nothing new
        const std::string compressed = encode_in_pieces(coding, input, piece);
        const auto decoded = decode(coding, compressed);
#ifndef FERRY_TEST_ZSTD
        if (coding == "zstd") continue;
#endif
        ASSERT_TRUE(decoded) << coding << " size " << size;
        EXPECT_EQ(*decoded, input) << coding << " size " << size;
        if (size >= 5000) {
          EXPECT_LT(compressed.size(), size / 2) << coding;
        }
      }
    }
  }
}

TEST(PrecompressCodec, BestSettingsBeatOnTheFlyDefaults) {
  const std::string input = text(200000, 7);
  const std::string best_br = encode_in_pieces("br", input, 65536);
  const std::string best_gzip = encode_in_pieces("gzip", input, 65536);
  // gzip -6 and brotli 4 are the on-the-fly defaults; zlib's level 6 for comparison.
  uLongf bound = compressBound(static_cast<uLong>(input.size()));
  std::string level6(bound, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(level6.data()), &bound, reinterpret_cast<const Bytef*>(input.data()),
                      static_cast<uLong>(input.size()), 6),
            Z_OK);
  EXPECT_LE(best_gzip.size(), bound + 18 - 6);  // gzip wrapper 18 bytes, zlib wrapper 6
  EXPECT_LT(best_br.size(), best_gzip.size());
}

TEST(PrecompressCodec, OutputIsDeterministic) {
  const std::string input = text(50000, 3);
  for (const std::string& coding : all_codings()) {
    EXPECT_EQ(encode_in_pieces(coding, input, 4096), encode_in_pieces(coding, input, 50000)) << coding;
  }
}

TEST(PrecompressCodec, FontsAndBinaryTypesRoundTrip) {
  const std::string input = random_bytes(3000) + text(3000);
  for (const char* media : {"font/ttf", "application/wasm", "image/x-icon"}) {
    const auto decoded = unbrotli(encode_in_pieces("br", input, 1024, media));
    ASSERT_TRUE(decoded) << media;
    EXPECT_EQ(*decoded, input);
  }
}

TEST(PrecompressCodec, UnknownCodingIsAnError) {
  std::error_code error;
  EXPECT_FALSE(make_sidecar_encoder("deflate", 10, "text/plain", error));
  EXPECT_TRUE(error);
  EXPECT_FALSE(make_sidecar_encoder("", 10, "text/plain", error));
  EXPECT_TRUE(error);
}

#ifdef FERRY_TEST_ZSTD
TEST(PrecompressCodec, ZstdFrameRecordsSizeChecksumAndABrowserSafeWindow) {
  // 12 MiB, repetitive so that level 19 is quick: without the limit the window would grow past 8 MiB.
  std::string input;
  const std::string block = text(1u << 16, 9);
  while (input.size() < (12u << 20)) input += block;
  const std::string compressed = encode_in_pieces("zstd", input, 1u << 20);
  EXPECT_EQ(ZSTD_getFrameContentSize(compressed.data(), compressed.size()), input.size());
  // The frame header by hand (RFC 8878 §3.1.1.1): magic, descriptor, window descriptor.
  ASSERT_GT(compressed.size(), 6U);
  const auto descriptor = static_cast<unsigned char>(compressed[4]);
  EXPECT_TRUE(descriptor & 0x04) << "no content checksum";
  ASSERT_FALSE(descriptor & 0x20) << "single segment: the window is the whole 12 MiB";
  const auto window_byte = static_cast<unsigned char>(compressed[5]);
  const std::uint64_t base = std::uint64_t{1} << (10 + (window_byte >> 3));
  const std::uint64_t window = base + base / 8 * (window_byte & 7U);
  EXPECT_LE(window, std::uint64_t{8} << 20);
}

TEST(PrecompressCodec, ZstdRejectsInputOfAnotherSize) {
  std::error_code error;
  auto encoder = make_sidecar_encoder("zstd", 100, "text/plain", error);
  ASSERT_TRUE(encoder);
  std::string out;
  const std::string input = text(150);
  // The file grew while being read. (A single finishing call is not checked: zstd takes its
  // size as the pledge; the caller reads exactly the size it was given.)
  EXPECT_FALSE(encoder->encode(std::string_view(input).substr(0, 60), false, out));
  EXPECT_TRUE(encoder->encode(std::string_view(input).substr(60), true, out));
}
#endif

// --- whole runs over temporary trees -------------------------------------------------------

class PrecompressRun : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::path(::testing::TempDir()) / "precompress-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    root_ = base_ / "root";
    fs::create_directory(root_);
    options_.root = root_.string();
    options_.codings = {precompress_codings().begin(), precompress_codings().end()};
    options_.jobs = 4;
  }

  void TearDown() override {
    std::error_code ignored;
    fs::permissions(base_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(base_, ignored);
  }

  void write(const fs::path& relative, std::string_view content) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }

  std::optional<std::string> read(const fs::path& relative) const {
    std::ifstream in(root_ / relative, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  bool exists(const fs::path& relative) const {
    struct stat st {};
    return lstat((root_ / relative).c_str(), &st) == 0;
  }

  struct stat stat_of(const fs::path& relative) const {
    struct stat st {};
    EXPECT_EQ(lstat((root_ / relative).c_str(), &st), 0) << relative;
    return st;
  }

  // Sets a file's modification time, in seconds since the epoch plus nanoseconds.
  void set_mtime(const fs::path& relative, std::time_t seconds, long nanoseconds = 0) {
    const std::timespec times[2] = {{0, UTIME_OMIT}, {seconds, nanoseconds}};
    ASSERT_EQ(utimensat(AT_FDCWD, (root_ / relative).c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << relative;
  }

  precompress_totals run() {
    problems_.clear();
    const int fd = open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    precompress_totals totals =
        run_precompress(fd, options_, [this](std::string_view line) { problems_.emplace_back(line); });
    close(fd);
    return totals;
  }

  const precompress_coding_totals& totals_for(const precompress_totals& totals, std::string_view coding) {
    for (const auto& t : totals.codings) {
      if (t.coding == coding) return t;
    }
    ADD_FAILURE() << "no totals for " << coding;
    return totals.codings.front();
  }

  // Every sidecar of `relative` decodes to the file and carries its mode and modification time.
  void expect_sidecars(const fs::path& relative) {
    const auto original = read(relative);
    ASSERT_TRUE(original) << relative;
    const struct stat file = stat_of(relative);
    for (const std::string& coding : all_codings()) {
      const fs::path sidecar = relative.string() + std::string(precompress_suffix(coding));
      const auto compressed = read(sidecar);
      ASSERT_TRUE(compressed) << sidecar;
      EXPECT_LT(compressed->size(), original->size()) << sidecar;
#ifndef FERRY_TEST_ZSTD
      if (coding == "zstd") continue;
#endif
      EXPECT_EQ(decode(coding, *compressed), original) << sidecar;
      const struct stat st = stat_of(sidecar);
      EXPECT_EQ(st.st_mtim.tv_sec, file.st_mtim.tv_sec) << sidecar;
      EXPECT_EQ(st.st_mtim.tv_nsec, file.st_mtim.tv_nsec) << sidecar;
      EXPECT_EQ(st.st_mode & 07777, file.st_mode & 0777) << sidecar;
    }
  }

  void expect_no_sidecars(const fs::path& relative) {
    for (const std::string_view suffix : {".br", ".zst", ".gz"}) {
      EXPECT_FALSE(exists(relative.string() + std::string(suffix))) << relative << suffix;
    }
  }

  // No temporary files left anywhere under the root.
  void expect_no_temporaries() {
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      EXPECT_FALSE(entry.path().filename().string().starts_with(".precompress-")) << entry.path();
    }
  }

  fs::path base_;
  fs::path root_;
  precompress_options options_;
  std::vector<std::string> problems_;
};

TEST_F(PrecompressRun, WritesSidecarsForCompressibleFilesOnly) {
  write("index.html", text(5000, 1));
  write("css/site.css", text(20000, 2));
  write("js/deep/er/app.js", text(300000, 3));  // more than one read buffer
  write("photo.jpg", text(5000, 4));             // compressible bytes, but not a compressible type
  write("README", text(5000, 5));
  write("tiny.txt", "short");
  write("noise.js", random_bytes(8000));

  const precompress_totals totals = run();
  EXPECT_TRUE(problems_.empty()) << problems_.front();
  EXPECT_EQ(totals.errors, 0U);
  EXPECT_EQ(totals.walk.files, 7U);
  EXPECT_EQ(totals.walk.compressible, 5U);
  EXPECT_EQ(totals.below_min_size, 1U);
  for (const char* file : {"index.html", "css/site.css", "js/deep/er/app.js"}) expect_sidecars(file);
  for (const char* file : {"photo.jpg", "README", "tiny.txt", "noise.js"}) expect_no_sidecars(file);
  for (const std::string& coding : all_codings()) {
    const auto& t = totals_for(totals, coding);
    EXPECT_EQ(t.written, 3U) << coding;
    EXPECT_EQ(t.not_smaller, 1U) << coding;  // noise.js
    EXPECT_EQ(t.up_to_date, 0U);
    EXPECT_EQ(t.bytes_before, 5000U + 20000U + 300000U);
    EXPECT_GT(t.bytes_after, 0U);
    EXPECT_LT(t.bytes_after, t.bytes_before / 2);
  }
  expect_no_temporaries();
}

TEST_F(PrecompressRun, SecondRunFindsEverythingUpToDate) {
  write("a.js", text(4000, 1));
  write("b.css", text(4000, 2));
  run();
  const struct stat before = stat_of("a.js.br");

  const precompress_totals again = run();
  for (const std::string& coding : all_codings()) {
    const auto& t = totals_for(again, coding);
    EXPECT_EQ(t.written, 0U);
    EXPECT_EQ(t.up_to_date, 2U);
  }
  EXPECT_EQ(stat_of("a.js.br").st_ino, before.st_ino);  // not rewritten

  options_.check = true;
  const precompress_totals check = run();
  EXPECT_FALSE(check.changes_pending());
  EXPECT_TRUE(check.listing.empty());
}

TEST_F(PrecompressRun, ChangedFileMakesItsSidecarsStale) {
  write("app.js", text(6000, 1));
  set_mtime("app.js", 1700000000, 100);
  run();
  write("app.js", text(7000, 2));
  set_mtime("app.js", 1700000000, 101);  // one nanosecond newer is enough

  options_.check = true;
  const precompress_totals check = run();
  EXPECT_TRUE(check.changes_pending());
  std::vector<std::string> expected;
  for (const std::string& coding : all_codings()) {
    expected.push_back("stale " + (root_ / "app.js").string() + std::string(precompress_suffix(coding)));
    EXPECT_EQ(totals_for(check, coding).stale, 1U);
  }
  std::ranges::sort(expected);
  EXPECT_EQ(check.listing, expected);
  EXPECT_EQ(decode("gzip", *read("app.js.gz")), text(6000, 1));  // --check wrote nothing

  options_.check = false;
  const precompress_totals update = run();
  for (const std::string& coding : all_codings()) EXPECT_EQ(totals_for(update, coding).written, 1U);
  expect_sidecars("app.js");
  EXPECT_EQ(stat_of("app.js.br").st_mtim.tv_nsec, 101);
}

TEST_F(PrecompressRun, CheckListsMissingSidecarsOnlyWhereOneWouldBeWritten) {
  write("b.js", text(3000, 1));
  write("a.css", text(3000, 2));
  write("noise.js", random_bytes(3000));
  write("small.js", "x");
  options_.check = true;
  const precompress_totals check = run();
  EXPECT_TRUE(check.changes_pending());
  std::vector<std::string> expected;
  for (const char* name : {"a.css", "b.js"}) {
    for (const std::string& coding : all_codings()) {
      expected.push_back("missing " + (root_ / name).string() + std::string(precompress_suffix(coding)));
    }
  }
  std::ranges::sort(expected);
  EXPECT_EQ(check.listing, expected);
  for (const char* name : {"a.css", "b.js", "noise.js", "small.js"}) expect_no_sidecars(name);
  expect_no_temporaries();
}

TEST_F(PrecompressRun, StaleSidecarIsRemovedWhenNoneIsWorthKeeping) {
  write("data.json", text(5000, 1));
  write("small.txt", text(1000, 2));
  run();
  // data.json becomes incompressible; small.txt drops below the minimum.
  write("data.json", random_bytes(5000));
  options_.min_size = 2000;
  set_mtime("data.json.gz", 1000);
  set_mtime("small.txt.br", 1000);
  const precompress_totals totals = run();
  EXPECT_EQ(totals.errors, 0U);
  expect_no_sidecars("data.json");
  EXPECT_FALSE(exists("small.txt.br"));
  // small.txt's other sidecars are still fresh: left for the server.
  EXPECT_TRUE(exists("small.txt.gz"));
  EXPECT_EQ(totals_for(totals, "br").removed, 2U);
  EXPECT_EQ(totals_for(totals, "gzip").removed, 1U);
}

TEST_F(PrecompressRun, ForceRebuildsFreshSidecars) {
  write("a.js", text(4000, 1));
  run();
  write("a.js.gz", "not gzip at all");  // fresh by its time, wrong by its content
  set_mtime("a.js.gz", 2000000000);
  EXPECT_EQ(totals_for(run(), "gzip").up_to_date, 1U);
  options_.force = true;
  EXPECT_EQ(totals_for(run(), "gzip").written, 1U);
  expect_sidecars("a.js");
}

TEST_F(PrecompressRun, OnlyTheChosenEncodingsAreTouched) {
  write("a.js", text(4000, 1));
  options_.codings = {"gzip"};
  const precompress_totals totals = run();
  ASSERT_EQ(totals.codings.size(), 1U);
  EXPECT_TRUE(exists("a.js.gz"));
  EXPECT_FALSE(exists("a.js.br"));
  EXPECT_FALSE(exists("a.js.zst"));

  write("a.js.br", "stale");
  set_mtime("a.js.br", 1000);
  run();
  EXPECT_EQ(read("a.js.br"), "stale");  // br was not asked for
}

TEST_F(PrecompressRun, PreservesPermissionBits) {
  write("private.html", text(4000, 1));
  write("shared.html", text(4000, 2));
  fs::permissions(root_ / "private.html", fs::perms(0640));
  fs::permissions(root_ / "shared.html", fs::perms(0755));
  run();
  EXPECT_EQ(stat_of("private.html.br").st_mode & 07777, 0640U);
  EXPECT_EQ(stat_of("shared.html.gz").st_mode & 07777, 0755U);
}

TEST_F(PrecompressRun, NeverFollowsSymbolicLinks) {
  // A directory outside ROOT, reachable through a link inside it.
  const fs::path outside = base_ / "outside";
  fs::create_directory(outside);
  {
    std::ofstream(outside / "secret.js") << text(5000, 1);
  }
  fs::create_directory_symlink(outside, root_ / "linked");
  write("real.js", text(5000, 2));
  fs::create_symlink("real.js", root_ / "alias.js");
  fs::create_symlink(outside / "secret.js", root_ / "escape.js");

  const precompress_totals totals = run();
  EXPECT_EQ(totals.errors, 0U);
  EXPECT_EQ(totals.walk.links, 3U);
  EXPECT_EQ(totals.walk.compressible, 1U);
  EXPECT_FALSE(fs::exists(outside / "secret.js.br"));
  EXPECT_FALSE(fs::exists(outside / "secret.js.gz"));
  EXPECT_FALSE(exists("alias.js.br"));
  EXPECT_FALSE(exists("escape.js.br"));
  expect_sidecars("real.js");
}

TEST_F(PrecompressRun, SkipsDotfilesAndDotDirectories) {
  write(".env.js", text(5000, 1));
  write(".git/objects/app.js", text(5000, 2));
  write("ok.js", text(5000, 3));
  const precompress_totals totals = run();
  EXPECT_EQ(totals.walk.files, 1U);
  expect_no_sidecars(".env.js");
  expect_no_sidecars(".git/objects/app.js");
  expect_sidecars("ok.js");
}

TEST_F(PrecompressRun, LeavesASidecarNameThatIsNotARegularFileAlone) {
  write("a.js", text(5000, 1));
  fs::create_directory(root_ / "a.js.br");
  fs::create_symlink("a.js", root_ / "a.js.gz");
  const precompress_totals totals = run();
  EXPECT_EQ(totals.errors, 0U);  // a warning, not an error
  EXPECT_EQ(totals_for(totals, "br").not_regular, 1U);
  EXPECT_EQ(totals_for(totals, "gzip").not_regular, 1U);
  EXPECT_TRUE(fs::is_directory(root_ / "a.js.br"));
  EXPECT_TRUE(fs::is_symlink(root_ / "a.js.gz"));
  ASSERT_EQ(problems_.size(), 2U);
  EXPECT_NE(problems_.front().find("not a regular file"), std::string::npos) << problems_.front();
}

TEST_F(PrecompressRun, PerFileErrorsAreCountedAndTheRunGoesOn) {
  // The sidecar's name is longer than a file name may be: every sidecar of this file fails.
  const std::string long_name = std::string(250, 'n') + ".js";  // 253 characters; + ".br" is 256
  write(long_name, text(5000, 1));
  write("fine.js", text(5000, 2));
  const precompress_totals totals = run();
  EXPECT_EQ(totals.errors, all_codings().size());
  EXPECT_EQ(problems_.size(), all_codings().size());
  expect_sidecars("fine.js");
  expect_no_temporaries();
}

TEST_F(PrecompressRun, UnreadableFileIsAnError) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  write("locked.js", text(5000, 1));
  write("open.js", text(5000, 2));
  fs::permissions(root_ / "locked.js", fs::perms::none);
  const precompress_totals totals = run();
  EXPECT_EQ(totals.errors, 1U);
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_NE(problems_.front().find("locked.js"), std::string::npos);
  expect_sidecars("open.js");
}

TEST_F(PrecompressRun, EmptyFilesAndMinSizeZero) {
  write("empty.js", "");
  write("one.js", "x");
  options_.min_size = 0;
  const precompress_totals totals = run();
  EXPECT_EQ(totals.errors, 0U);
  expect_no_sidecars("empty.js");
  expect_no_sidecars("one.js");
  EXPECT_EQ(totals_for(totals, "br").not_smaller, 2U);
}

TEST_F(PrecompressRun, ResultDoesNotDependOnTheNumberOfJobs) {
  for (int i = 0; i < 12; ++i) write("f" + std::to_string(i) + ".js", text(3000 + 500 * static_cast<std::size_t>(i), 7));
  options_.jobs = 1;
  run();
  std::vector<std::string> serial;
  for (int i = 0; i < 12; ++i) serial.push_back(*read("f" + std::to_string(i) + ".js.br"));
  options_.jobs = 8;
  options_.force = true;
  const precompress_totals totals = run();
  EXPECT_EQ(totals.threads, 8U);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(*read("f" + std::to_string(i) + ".js.br"), serial[static_cast<std::size_t>(i)]);
}

TEST_F(PrecompressRun, CommandExitCodes) {
  write("a.js", text(4000, 1));
  const std::string root = root_.string();
  EXPECT_EQ(run_precompress_command({root, "--check", "--quiet"}), 1);  // missing sidecars
  EXPECT_EQ(run_precompress_command({root, "--quiet"}), 0);
  EXPECT_EQ(run_precompress_command({root, "--check", "--quiet"}), 0);
  EXPECT_EQ(run_precompress_command({(base_ / "nope").string(), "--quiet"}), 2);
  EXPECT_EQ(run_precompress_command({(root_ / "a.js").string(), "--quiet"}), 2);  // not a directory
  EXPECT_EQ(run_precompress_command({root, "--bogus"}), 2);
  EXPECT_EQ(run_precompress_command({"--help"}), 0);
}

}  // namespace
}  // namespace ferry
