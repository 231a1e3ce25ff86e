// Test support for the credential checks: a temp directory that removes itself, running an
// external program (python3, htpasswd) and reading its output, and building requests.
#pragma once

#include "temp_dir.hpp"
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace ferry::credential_test {

using test::temp_dir;

inline bool executable(const char* path) { return ::access(path, X_OK) == 0; }

// Runs `command` through the shell and returns its stdout, or nullopt when it fails.
inline std::optional<std::string> run(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), got);
  const int status = ::pclose(pipe);
  if (status != 0) return std::nullopt;
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

inline std::string hex_of(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(digits[u >> 4]);
    out.push_back(digits[u & 15U]);
  }
  return out;
}

// A request whose header views point into `storage` (kept alive by the caller).
struct test_request {
  std::vector<std::pair<std::string, std::string>> storage;
  request req;

  test_request() = default;
  test_request(std::initializer_list<std::pair<std::string, std::string>> headers) : storage(headers) {
    for (const auto& [name, value] : storage) req.add_header(name, value);
  }
  test_request(const test_request&) = delete;
  test_request& operator=(const test_request&) = delete;
};

}  // namespace ferry::credential_test
