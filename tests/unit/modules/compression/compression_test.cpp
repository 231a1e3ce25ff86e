// On-the-fly encoders: streaming round trips through the reference decoders, level handling,
// stream-state errors, memory hygiene, and the factory's choice of what to compress.
#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

#include "modules/compression/brotli_encoder.hpp"
#include "modules/compression/codec_allocator.hpp"
#include "modules/compression/compression_config.hpp"
#include "modules/compression/compression_error.hpp"
#include "modules/compression/compression_factory.hpp"
#include "modules/compression/gzip_encoder.hpp"

namespace ferry {
namespace {

// --- reference decoders ------------------------------------------------------------------

// The whole gzip member, or nullopt when the stream is corrupt, truncated or has trailing bytes.
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
    result = BrotliDecoderDecompressStream(state, &available_in, &next_in, &available_out,
                                           &next_out, nullptr);
    out.append(reinterpret_cast<const char*>(buffer), sizeof buffer - available_out);
  }
  const bool complete = result == BROTLI_DECODER_RESULT_SUCCESS && available_in == 0;
  BrotliDecoderDestroyInstance(state);
  if (!complete) return std::nullopt;
  return out;
}

std::optional<std::string> decode(std::string_view coding, std::string_view compressed) {
  return coding == "gzip" ? gunzip(compressed) : unbrotli(compressed);
}

// --- inputs --------------------------------------------------------------------------------

std::string text(std::size_t size, std::uint32_t seed = 1) {
  static const std::vector<std::string_view> words{
      "the",           "server", "sends", "static",     "files",   "over",  "HTTP",
      "with",          "ranges", "and",   "caching",    "headers", "while", "a",
      "client",        "asks",   "for",   "compressed", "bytes",   "<div>", "</div>",
      "class=\"row\"", "{",      "}",     "function",   "return",  "42,",   "\n"};
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

std::string repetitive(std::size_t size) {
  const std::string_view line =
      "<li class=\"item\">Repeated list entry, identical every time</li>\n";
  std::string out;
  out.reserve(size + line.size());
  while (out.size() < size) out += line;
  out.resize(size);
  return out;
}

std::unique_ptr<content_encoder> make_encoder(std::string_view coding, int level = -1,
                                              const codec_allocator& allocator = {}) {
  std::error_code error;
  std::unique_ptr<content_encoder> encoder =
      coding == "gzip" ? make_gzip_encoder(level < 0 ? 6 : level, error, allocator)
                       : make_brotli_encoder(level < 0 ? 4 : level, error, allocator);
  EXPECT_FALSE(error) << error.message();
  EXPECT_NE(encoder, nullptr);
  return encoder;
}

// Feeds `input` in random chunk sizes (empty chunks included) and finishes either with the
// last chunk or with a separate empty call.
std::string encode_in_chunks(content_encoder& encoder, std::string_view input, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> kind(0, 9);
  std::string output;
  std::size_t offset = 0;
  while (offset < input.size()) {
    std::size_t size = 0;
    switch (kind(rng)) {
      case 0:
        size = 0;
        break;
      case 1:
        size = 1;
        break;
      case 2:
        size = 200 * 1024;
        break;
      default:
        size = std::uniform_int_distribution<std::size_t>(1, 20000)(rng);
        break;
    }
    size = std::min(size, input.size() - offset);
    const bool last = offset + size == input.size() && size != 0 && (rng() & 1) != 0;
    const std::error_code ec = encoder.encode(input.substr(offset, size), last, output);
    EXPECT_FALSE(ec) << ec.message();
    offset += size;
    if (last) return output;
  }
  const std::error_code ec = encoder.encode({}, true, output);
  EXPECT_FALSE(ec) << ec.message();
  return output;
}

std::string encode_whole(std::string_view coding, std::string_view input, int level = -1) {
  auto encoder = make_encoder(coding, level);
  std::string output;
  EXPECT_FALSE(encoder->encode(input, true, output));
  return output;
}

// --- round trips ---------------------------------------------------------------------------

struct round_trip_case {
  const char* name;
  std::string (*make)();
};

const round_trip_case round_trip_cases[] = {
    {"empty", [] { return std::string(); }},
    {"one_byte", [] { return std::string("x"); }},
    {"text_1KiB", [] { return text(1024); }},
    {"random_1MiB", [] { return random_bytes(1 << 20); }},
    {"repetitive_5MiB", [] { return repetitive(5 << 20); }},
};

class round_trip : public ::testing::TestWithParam<std::tuple<std::string_view, round_trip_case>> {
};

TEST_P(round_trip, DecodesToInputWhateverTheChunking) {
  const auto& [coding, data] = GetParam();
  const std::string input = data.make();
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    auto encoder = make_encoder(coding);
    const std::string compressed = encode_in_chunks(*encoder, input, seed);
    const std::optional<std::string> decoded = decode(coding, compressed);
    ASSERT_TRUE(decoded.has_value()) << "seed " << seed;
    EXPECT_EQ(decoded->size(), input.size()) << "seed " << seed;
    EXPECT_TRUE(*decoded == input) << "seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(codings, round_trip,
                         ::testing::Combine(::testing::Values(std::string_view("gzip"),
                                                              std::string_view("br")),
                                            ::testing::ValuesIn(round_trip_cases)),
                         [](const auto& test) {
                           return std::string(std::get<0>(test.param) == "br" ? "br" : "gzip") +
                                  "_" + std::get<1>(test.param).name;
                         });

TEST(compression, RepetitiveInputShrinks) {
  const std::string input = repetitive(5 << 20);
  EXPECT_LT(encode_whole("gzip", input).size(), input.size() / 50);
  EXPECT_LT(encode_whole("br", input).size(), input.size() / 50);
}

TEST(compression, EveryChunkSizeFromOneByte) {
  const std::string input = text(3000, 7);
  for (std::string_view coding : {"gzip", "br"}) {
    auto encoder = make_encoder(coding);
    std::string output;
    for (char c : input) ASSERT_FALSE(encoder->encode(std::span<const char>(&c, 1), false, output));
    ASSERT_FALSE(encoder->encode({}, true, output));
    EXPECT_EQ(decode(coding, output), input) << coding;
  }
}

TEST(compression, OnlyEmptyFinishGivesValidEmptyStream) {
  for (std::string_view coding : {"gzip", "br"}) {
    auto encoder = make_encoder(coding);
    std::string output;
    ASSERT_FALSE(encoder->encode({}, false, output));
    ASSERT_FALSE(encoder->encode({}, false, output));
    ASSERT_FALSE(encoder->encode({}, true, output));
    EXPECT_FALSE(output.empty()) << coding;
    EXPECT_EQ(decode(coding, output), std::string()) << coding;
  }
}

TEST(compression, AppendsAfterExistingOutput) {
  for (std::string_view coding : {"gzip", "br"}) {
    auto encoder = make_encoder(coding);
    std::string output = "already here";
    const std::string input = text(5000);
    ASSERT_FALSE(encoder->encode(input, true, output));
    ASSERT_TRUE(output.starts_with("already here"));
    EXPECT_EQ(decode(coding, std::string_view(output).substr(12)), input) << coding;
  }
}

// The caller reuses its read buffer between calls, so no encoder may keep pointing into it.
TEST(compression, CallerMayReuseInputBufferBetweenCalls) {
  const std::string input = text(150 * 1024, 8);
  const std::pair<std::string_view, int> cases[] = {{"gzip", 1}, {"gzip", 9}, {"br", 0},
                                                    {"br", 1},   {"br", 4},   {"br", 11}};
  for (const auto& [coding, level] : cases) {
    auto encoder = make_encoder(coding, level);
    std::string output;
    std::string buffer;
    for (std::size_t offset = 0; offset < input.size(); offset += 7000) {
      buffer.assign(input, offset, 7000);
      ASSERT_FALSE(encoder->encode(buffer, false, output));
      buffer.assign(buffer.size(), '#');
    }
    ASSERT_FALSE(encoder->encode({}, true, output));
    EXPECT_EQ(decode(coding, output), input) << coding << " level " << level;
  }
}

// Incompressible input must come out while it streams in, not all at finish: memory per
// response is bounded by the codec window, not by the file.
TEST(compression, OutputStreamsBeforeFinish) {
  const std::string input = random_bytes(2 << 20, 9);
  for (std::string_view coding : {"gzip", "br"}) {
    auto encoder = make_encoder(coding);
    std::string output;
    for (std::size_t offset = 0; offset < input.size(); offset += 64 * 1024) {
      ASSERT_FALSE(
          encoder->encode(std::string_view(input).substr(offset, 64 * 1024), false, output));
    }
    EXPECT_GT(output.size(), input.size() - 512 * 1024) << coding;
    ASSERT_FALSE(encoder->encode({}, true, output));
    EXPECT_EQ(decode(coding, output), input) << coding;
  }
}

// --- format and levels ---------------------------------------------------------------------

TEST(compression, GzipOutputHasGzipHeader) {
  const std::string output = encode_whole("gzip", "hello");
  ASSERT_GE(output.size(), 18u);  // 10-byte header + data + 8-byte trailer
  EXPECT_EQ(static_cast<unsigned char>(output[0]), 0x1fu);
  EXPECT_EQ(static_cast<unsigned char>(output[1]), 0x8bu);
  EXPECT_EQ(static_cast<unsigned char>(output[2]), 8u);  // deflate
}

TEST(compression, GzipLevelsHonoured) {
  const std::string input = text(512 * 1024, 3);
  const std::string fast = encode_whole("gzip", input, 1);
  const std::string best = encode_whole("gzip", input, 9);
  EXPECT_LT(best.size(), fast.size());
  // The header's XFL byte records the extremes: 4 for the fastest level, 2 for the best.
  EXPECT_EQ(fast[8], 4);
  EXPECT_EQ(best[8], 2);
  EXPECT_EQ(gunzip(fast), input);
  EXPECT_EQ(gunzip(best), input);
}

TEST(compression, BrotliLevelsHonoured) {
  const std::string input = text(256 * 1024, 4);
  const std::string fast = encode_whole("br", input, 0);
  const std::string best = encode_whole("br", input, 11);
  EXPECT_LT(best.size() * 10, fast.size() * 9);  // at least 10% smaller
  EXPECT_EQ(unbrotli(fast), input);
  EXPECT_EQ(unbrotli(best), input);
}

TEST(compression, OutOfRangeLevelsAreClamped) {
  const std::string input = text(10000);
  EXPECT_EQ(gunzip(encode_whole("gzip", input, 0)), input);
  EXPECT_EQ(gunzip(encode_whole("gzip", input, 99)), input);
  EXPECT_EQ(unbrotli(encode_whole("br", input, 99)), input);
}

// --- stream state and errors -------------------------------------------------------------

TEST(compression, EncodeAfterFinishIsAnError) {
  for (std::string_view coding : {"gzip", "br"}) {
    auto encoder = make_encoder(coding);
    std::string output;
    ASSERT_FALSE(encoder->encode(std::string_view("data"), true, output));
    const std::string finished = output;
    EXPECT_EQ(encoder->encode(std::string_view("more"), false, output), compression_errc::finished);
    EXPECT_EQ(encoder->encode({}, true, output), compression_errc::finished);
    EXPECT_EQ(output, finished) << "nothing may be appended after the end";
    EXPECT_EQ(decode(coding, output), "data");
  }
}

TEST(compression, ErrorCategory) {
  const std::error_code ec = compression_errc::out_of_memory;
  EXPECT_STREQ(ec.category().name(), "ferry.compression");
  EXPECT_FALSE(ec.message().empty());
  EXPECT_NE(std::error_code(compression_errc::finished).message(),
            std::error_code(compression_errc::codec_failure).message());
  EXPECT_FALSE(std::error_code(compression_errc{}).message().empty());
}

// --- memory --------------------------------------------------------------------------------

struct allocation_log {
  std::map<void*, std::size_t> live;
  std::size_t total = 0;
  std::size_t fail_from = SIZE_MAX;  // allocations with this index or later fail
  std::size_t current = 0;
  std::size_t peak = 0;

  static void* allocate(void* opaque, std::size_t size) {
    auto* log = static_cast<allocation_log*>(opaque);
    if (log->total++ >= log->fail_from) return nullptr;
    void* p = std::malloc(size);
    if (p != nullptr) {
      log->live[p] = size;
      log->current += size;
      log->peak = std::max(log->peak, log->current);
    }
    return p;
  }
  static void release(void* opaque, void* address) {
    auto* log = static_cast<allocation_log*>(opaque);
    if (address != nullptr) {
      const auto found = log->live.find(address);
      EXPECT_NE(found, log->live.end()) << "freed twice or unknown";
      if (found != log->live.end()) {
        log->current -= found->second;
        log->live.erase(found);
      }
    }
    std::free(address);
  }
  codec_allocator allocator() { return {&allocate, &release, this}; }
};

TEST(compression, EncodersReleaseEverythingTheyAllocate) {
  for (std::string_view coding : {"gzip", "br"}) {
    allocation_log log;
    {
      auto finished = make_encoder(coding, -1, log.allocator());
      auto abandoned = make_encoder(coding, -1, log.allocator());
      std::string output;
      ASSERT_FALSE(finished->encode(text(300 * 1024), true, output));
      ASSERT_FALSE(abandoned->encode(text(300 * 1024), false, output));  // dropped mid-stream
      EXPECT_GT(log.live.size(), 0u);
    }
    EXPECT_TRUE(log.live.empty()) << coding << ": " << log.live.size() << " blocks leaked";
  }
}

// The window settings bound what one response costs, however the caller chunks the file
// (brotli's defaults would take 4 MiB for the window alone).
TEST(compression, MemoryPerEncoderIsBoundedWhateverTheChunking) {
  const std::string input = text(4 << 20, 5);
  for (std::string_view coding : {"gzip", "br"}) {
    for (std::size_t chunk : {std::size_t{4} << 20, std::size_t{64} << 10}) {
      allocation_log log;
      auto encoder = make_encoder(coding, -1, log.allocator());
      std::string output;
      for (std::size_t offset = 0; offset < input.size(); offset += chunk) {
        ASSERT_FALSE(encoder->encode(std::string_view(input).substr(offset, chunk), false, output));
      }
      ASSERT_FALSE(encoder->encode({}, true, output));
      // zlib: 32 KiB window + memLevel 8 ≈ 270 KiB; brotli: 256 KiB window, quality 4 ≈ 4 MiB.
      const std::size_t bound = coding == "gzip" ? std::size_t{512} << 10 : std::size_t{5} << 20;
      EXPECT_LT(log.peak, bound) << coding << " chunk " << chunk;
    }
  }
}

TEST(compression, ThousandEncodersSequentially) {
  const std::string input = text(4096);
  for (std::string_view coding : {"gzip", "br"}) {
    allocation_log log;
    for (int i = 0; i < 1000; ++i) {
      auto encoder = make_encoder(coding, -1, log.allocator());
      std::string output;
      ASSERT_FALSE(encoder->encode(input, (i % 2) == 0, output));
    }
    EXPECT_TRUE(log.live.empty()) << coding;
  }
  // The production path (malloc): leaks here show up under FERRY_SANITIZE.
  const compression_factory factory{compression_config{}};
  for (int i = 0; i < 1000; ++i) {
    auto encoder = factory.create((i % 2) == 0 ? "gzip" : "br");
    ASSERT_NE(encoder, nullptr);
    std::string output;
    ASSERT_FALSE(encoder->encode(input, (i % 4) < 2, output));
  }
}

TEST(compression, GzipAllocationFailureIsAnErrorValue) {
  bool succeeded = false;
  for (std::size_t fail_from = 0; fail_from < 32 && !succeeded; ++fail_from) {
    allocation_log log;
    log.fail_from = fail_from;
    std::error_code error;
    auto encoder = make_gzip_encoder(6, error, log.allocator());
    if (encoder == nullptr) {
      EXPECT_EQ(error, compression_errc::out_of_memory) << fail_from;
    } else {
      EXPECT_FALSE(error);
      std::string output;
      ASSERT_FALSE(encoder->encode(std::string_view("works"), true, output));
      EXPECT_EQ(gunzip(output), "works");
      succeeded = true;
    }
    encoder.reset();
    EXPECT_TRUE(log.live.empty()) << "leak after failing allocation " << fail_from;
  }
  EXPECT_TRUE(succeeded);
}

TEST(compression, BrotliStateAllocationFailureIsAnErrorValue) {
  allocation_log log;
  log.fail_from = 0;
  std::error_code error;
  EXPECT_EQ(make_brotli_encoder(4, error, log.allocator()), nullptr);
  EXPECT_EQ(error, compression_errc::out_of_memory);
  EXPECT_TRUE(log.live.empty());
}

// --- factory ---------------------------------------------------------------------------------

TEST(compression_factory, OffersBrotliThenGzip) {
  const compression_factory factory{compression_config{}};
  const auto codings = factory.codings();
  ASSERT_EQ(codings.size(), 2u);
  EXPECT_EQ(codings[0], "br");
  EXPECT_EQ(codings[1], "gzip");
}

TEST(compression_factory, CreatesOnlyOfferedCodings) {
  const compression_factory factory{compression_config{}};
  for (std::string_view coding : {"gzip", "br", "GZIP", "Br"}) {
    auto encoder = factory.create(coding);
    ASSERT_NE(encoder, nullptr) << coding;
    std::string output;
    ASSERT_FALSE(encoder->encode(std::string_view("abc"), true, output));
    const bool gzip = coding.size() == 4;
    EXPECT_EQ(decode(gzip ? "gzip" : "br", output), "abc") << coding;
  }
  for (std::string_view coding :
       std::initializer_list<std::string_view>{"", "identity", "zstd", "deflate", "x-gzip", "gzip ",
                                               "b", "*", std::string_view("br\0", 3)}) {
    EXPECT_EQ(factory.create(coding), nullptr) << coding;
  }
}

TEST(compression_factory, UsesConfiguredLevels) {
  const std::string input = text(256 * 1024, 6);
  compression_config fast;
  fast.gzip_level = 1;
  fast.brotli_level = 0;
  compression_config best;
  best.gzip_level = 9;
  best.brotli_level = 11;
  const auto run = [&](const compression_config& config, std::string_view coding) {
    auto encoder = compression_factory(config).create(coding);
    std::string output;
    EXPECT_FALSE(encoder->encode(input, true, output));
    return output;
  };
  const std::string gzip_fast = run(fast, "gzip");
  const std::string gzip_best = run(best, "gzip");
  EXPECT_EQ(gzip_fast[8], 4);
  EXPECT_EQ(gzip_best[8], 2);
  EXPECT_LT(run(best, "br").size() * 10, run(fast, "br").size() * 9);
}

// Under CPU pressure the worker asks for the cheapest level: the same bytes a level-1 encoder
// makes, whatever the configured level, and still a complete stream.
TEST(compression_factory, CheapestUsesTheFastestLevels) {
  const std::string input = text(256 * 1024, 7);
  compression_config best;
  best.gzip_level = 9;
  best.brotli_level = 11;
  const compression_factory factory{best};
  const auto run = [&](std::unique_ptr<content_encoder> encoder) {
    std::string output;
    EXPECT_NE(encoder, nullptr);
    if (encoder) {
      EXPECT_FALSE(encoder->encode(input, true, output));
    }
    return output;
  };
  const std::string gzip_cheap = run(factory.create_cheapest("gzip"));
  const std::string gzip_configured = run(factory.create("gzip"));
  ASSERT_GT(gzip_cheap.size(), 10u);
  EXPECT_EQ(gzip_cheap[8], 4);  // XFL: fastest
  EXPECT_EQ(gzip_configured[8], 2);
  EXPECT_EQ(gzip_cheap, encode_whole("gzip", input, cheapest_gzip_level));
  EXPECT_EQ(gunzip(gzip_cheap), input);
  const std::string br_cheap = run(factory.create_cheapest("br"));
  EXPECT_EQ(br_cheap, encode_whole("br", input, cheapest_brotli_level));
  EXPECT_NE(br_cheap, run(factory.create("br")));
  EXPECT_EQ(unbrotli(br_cheap), input);
}

TEST(compression_factory, CheapestIsNeverAboveTheConfiguredLevel) {
  const std::string input = text(64 * 1024, 8);
  compression_config fast;
  fast.brotli_level = 0;
  const compression_factory factory{fast};
  auto encoder = factory.create_cheapest("BR");
  ASSERT_NE(encoder, nullptr);
  std::string output;
  ASSERT_FALSE(encoder->encode(input, true, output));
  EXPECT_EQ(output, encode_whole("br", input, 0));
}

TEST(compression_factory, CheapestCreatesOnlyOfferedCodings) {
  const compression_factory factory{compression_config{}};
  EXPECT_NE(factory.create_cheapest("GZIP"), nullptr);
  for (std::string_view coding : {"", "identity", "zstd", "deflate", "gzip ", "*"}) {
    EXPECT_EQ(factory.create_cheapest(coding), nullptr) << coding;
  }
}

TEST(compression_factory, YieldsToCpuPressureUnlessIgnored) {
  EXPECT_TRUE(compression_factory{compression_config{}}.yields_to_cpu_pressure());
  compression_config ignore;
  ignore.under_pressure = compression_pressure_policy::ignore;
  EXPECT_FALSE(compression_factory{ignore}.yields_to_cpu_pressure());
}

// A factory that knows no levels keeps the interface's defaults: create_cheapest() is its one
// level, and it yields to pressure.
TEST(compression_factory, InterfaceDefaultsKeepTheOneLevel) {
  class one_level final : public content_encoder_factory {
   public:
    std::span<const std::string_view> codings() const override { return {}; }
    bool should_compress(std::string_view, std::uint64_t) const override { return true; }
    std::unique_ptr<content_encoder> create(std::string_view coding) const override {
      std::error_code error;
      return coding == "gzip" ? make_gzip_encoder(9, error) : nullptr;
    }
  };
  const one_level factory;
  EXPECT_TRUE(factory.yields_to_cpu_pressure());
  EXPECT_EQ(factory.create_cheapest("br"), nullptr);
  auto encoder = factory.create_cheapest("gzip");
  ASSERT_NE(encoder, nullptr);
  std::string output;
  ASSERT_FALSE(encoder->encode(std::string_view("abcabcabc"), true, output));
  ASSERT_GT(output.size(), 10u);
  EXPECT_EQ(output[8], 2);  // level 9, as create() makes
}

TEST(compression_factory, DefaultTypes) {
  const compression_factory factory{compression_config{}};
  for (std::string_view type :
       {"text/html", "text/css", "text/plain", "text/javascript", "text/csv",
        "application/javascript", "application/json", "application/xml", "application/wasm",
        "image/svg+xml", "application/manifest+json", "application/ld+json", "application/rss+xml",
        "application/atom+xml", "image/x-icon", "font/ttf", "font/otf",
        "application/vnd.ms-fontobject"}) {
    EXPECT_TRUE(factory.should_compress(type, 4096)) << type;
  }
  for (std::string_view type :
       {"image/png", "image/jpeg", "image/webp", "video/mp4", "font/woff2",
        "application/octet-stream", "application/zip", "application/gzip", "application/pdf"}) {
    EXPECT_FALSE(factory.should_compress(type, 4096)) << type;
  }
}

TEST(compression_factory, TypeMatchingIsCaseInsensitiveAndIgnoresParameters) {
  const compression_factory factory{compression_config{}};
  EXPECT_TRUE(factory.should_compress("TEXT/HTML", 4096));
  EXPECT_TRUE(factory.should_compress("Application/JSON", 4096));
  EXPECT_TRUE(factory.should_compress("text/html; charset=utf-8", 4096));
  EXPECT_TRUE(factory.should_compress(" image/SVG+xml ;q=1", 4096));
}

TEST(compression_factory, WildcardCoversWholeTypeOnly) {
  const compression_factory factory{compression_config{}};
  for (std::string_view type : std::initializer_list<std::string_view>{
           "", "text", "text/", "/html", "/", "texts/html", "tex/html", "xtext/html",
           std::string_view("text\0/html", 10), "*/*", "application/json5", "application/jsonx",
           "image/svg", "application/*"}) {
    EXPECT_FALSE(factory.should_compress(type, 4096)) << type;
  }
}

TEST(compression_factory, MinSizeIsInclusive) {
  compression_config config;
  config.min_size = 1000;
  const compression_factory factory{config};
  EXPECT_FALSE(factory.should_compress("text/html", 0));
  EXPECT_FALSE(factory.should_compress("text/html", 999));
  EXPECT_TRUE(factory.should_compress("text/html", 1000));
  EXPECT_TRUE(factory.should_compress("text/html", UINT64_MAX));
  config.min_size = 0;
  EXPECT_TRUE(compression_factory{config}.should_compress("text/css", 0));
}

TEST(compression_factory, ConfiguredTypesReplaceDefaults) {
  compression_config config;
  config.types = {"application/*", "image/bmp"};
  const compression_factory factory{config};
  EXPECT_TRUE(factory.should_compress("application/octet-stream", 4096));
  EXPECT_TRUE(factory.should_compress("IMAGE/BMP", 4096));
  EXPECT_FALSE(factory.should_compress("text/html", 4096));
  EXPECT_FALSE(factory.should_compress("image/bmpx", 4096));
  config.types.clear();
  EXPECT_FALSE(compression_factory{config}.should_compress("text/html", 4096));
}

TEST(compression_factory, LongHostileMediaTypeIsJustNoMatch) {
  const compression_factory factory{compression_config{}};
  EXPECT_FALSE(factory.should_compress(std::string(1 << 20, 'a'), 4096));
  EXPECT_TRUE(factory.should_compress("text/" + std::string(1 << 20, 'a'), 4096));
  EXPECT_FALSE(factory.should_compress(std::string(1 << 20, '/'), 4096));
}

}  // namespace
}  // namespace ferry
