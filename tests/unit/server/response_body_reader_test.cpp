#include "server/response_body_reader.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "platform/file_io.hpp"
#include "temp_dir.hpp"

namespace ferry {
namespace {

// A file with `content`, open for reading. The directory goes when the test binary ends (on
// Windows an open file cannot be removed).
std::shared_ptr<open_file> temp_file(const std::string& content) {
  static const test::temp_dir dir;
  static int count = 0;
  const std::string name = "body-" + std::to_string(++count);
  dir.write(name, content);
  const int fd = platform::root_directory(dir.path().string()).open(name, platform::link_rule::refuse, false);
  EXPECT_GE(fd, 0);
  auto file = std::make_shared<open_file>(fd);
  file->size = content.size();
  return file;
}

// Reads everything with reads of `step` bytes; fails the test on an error.
std::string drain(response_body_reader& reader, std::size_t step, int* calls = nullptr) {
  std::string out;
  std::string buffer(step, '\0');
  for (int guard = 0; guard < 100000; ++guard) {
    bool eof = false;
    const auto n = reader.read(buffer, eof);
    EXPECT_GE(n, 0);
    if (n < 0) return out;
    out.append(buffer.data(), static_cast<std::size_t>(n));
    if (calls != nullptr) ++*calls;
    if (eof) return out;
  }
  ADD_FAILURE() << "no eof";
  return out;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

TEST(response_body_reader, text_and_file_ranges_in_order_with_any_read_size) {
  const std::string content = pattern(100000);
  response r;
  r.file = temp_file(content);
  r.add_text_segment("--head--");
  r.add_file_segment(10, 50000);
  r.add_text_segment("--mid--");
  r.add_file_segment(99990, 10);
  const std::string expected = "--head--" + content.substr(10, 50000) + "--mid--" + content.substr(99990, 10);
  std::string scratch;
  for (std::size_t step : {1u, 7u, 16384u, 200000u}) {
    response_body_reader reader;
    reader.reset(r, scratch);
    EXPECT_EQ(drain(reader, step), expected) << step;
  }
}

TEST(response_body_reader, eof_comes_with_the_last_bytes) {
  response r;
  r.set_text_body("hello");
  std::string scratch;
  response_body_reader reader;
  reader.reset(r, scratch);
  char buffer[16];
  bool eof = false;
  EXPECT_EQ(reader.read(buffer, eof), 5);
  EXPECT_TRUE(eof);
}

TEST(response_body_reader, in_memory_files_are_copied_from_memory) {
  response r;
  auto file = std::make_shared<open_file>();  // no fd at all: a read would fail
  file->content = "cached body";
  file->size = file->content.size();
  r.file = file;
  r.add_file_segment(7, 4);
  std::string scratch;
  response_body_reader reader;
  reader.reset(r, scratch);
  EXPECT_EQ(drain(reader, 3), "body");
}

TEST(response_body_reader, a_file_that_shrank_is_an_error) {
  response r;
  r.file = temp_file("short");
  r.add_file_segment(0, 100);  // promised more than the file holds
  std::string scratch;
  response_body_reader reader;
  reader.reset(r, scratch);
  char buffer[64];
  bool eof = false;
  EXPECT_EQ(reader.read(buffer, eof), 5);  // what there was
  EXPECT_EQ(reader.read(buffer, eof), -1);
}

// Upper-cases its input and frames the end, so the test sees every input byte and the finish.
class upper_encoder : public content_encoder {
 public:
  explicit upper_encoder(int& finishes) : finishes_(finishes) {}
  std::error_code encode(std::span<const char> input, bool finish, std::string& output) override {
    for (char c : input) output.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c));
    if (finish) {
      output += "<end>";
      ++finishes_;
    }
    return {};
  }

 private:
  int& finishes_;
};

TEST(response_body_reader, encoded_bodies_pass_every_file_byte_through_the_encoder_once) {
  const std::string content = pattern(200000);  // several 64 KiB input chunks
  response r;
  r.file = temp_file(content);
  r.add_file_segment(1000, 150000);
  int finishes = 0;
  r.encoder = std::make_unique<upper_encoder>(finishes);
  std::string expected = content.substr(1000, 150000);
  for (char& c : expected) c = static_cast<char>(c - 32);
  expected += "<end>";
  std::string scratch;
  response_body_reader reader;
  reader.reset(r, scratch);
  EXPECT_EQ(drain(reader, 16384), expected);
  EXPECT_EQ(finishes, 1);
}

}  // namespace
}  // namespace ferry
