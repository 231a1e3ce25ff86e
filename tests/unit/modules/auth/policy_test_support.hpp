// Test support for authorization and audit: requests with owned storage, a temp directory that
// removes itself, and a strict JSON check by Debian's python3 (an independent parser).
#pragma once

#include "temp_dir.hpp"
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/policy_types.hpp"

namespace ferry::policy_test {

// request_attributes holds views; this keeps what they point to alive.
struct test_request {
  std::string vhost = "example.com";
  std::string path = "/";
  std::string method = "GET";
  std::string client_address = "192.0.2.10";
  bool tls = false;
  std::vector<std::pair<std::string, std::string>> header_storage;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::time_point(std::chrono::seconds(1764064800));
  std::vector<header_view> headers;  // rebuilt by attributes()

  test_request& header(std::string name, std::string value) {
    header_storage.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  request_attributes attributes() {
    headers.clear();
    for (const auto& [name, value] : header_storage) headers.push_back({name, value});
    request_attributes a;
    a.vhost = vhost;
    a.path = path;
    a.method = method;
    a.client_address = client_address;
    a.tls = tls;
    a.headers = headers;
    a.now = now;
    return a;
  }
};

// 2025-11-25 10:00:00 UTC (a Tuesday) plus an offset, for time-window tests.
inline std::chrono::system_clock::time_point utc(int year, unsigned month, unsigned day, int hour, int minute) {
  const std::chrono::sys_days d = std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day};
  return d + std::chrono::hours(hour) + std::chrono::minutes(minute);
}

inline principal user(auth_method method, std::string subject, std::vector<std::string> roles = {}) {
  principal p;
  p.method = method;
  p.subject = std::move(subject);
  p.roles = std::move(roles);
  return p;
}

using test::temp_dir;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

inline std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// Parses every line of `file` with python3's json module, strictly: the line must be valid UTF-8,
// one JSON object, no duplicate keys, no NaN/Infinity. Returns each object's members with string
// values as their UTF-8 bytes and numbers as decimal text; an empty vector (and a test failure)
// when any line is not such an object.
inline std::vector<std::map<std::string, std::string>> parse_json_lines(const std::string& file) {
  static constexpr const char* script =
      "import json,sys\n"
      "def pairs(p):\n"
      "  d={}\n"
      "  for k,v in p:\n"
      "    if k in d: raise ValueError('duplicate key '+k)\n"
      "    d[k]=v\n"
      "  return d\n"
      "def bad(c): raise ValueError(c)\n"
      "data=open(sys.argv[1],'rb').read()\n"
      "assert data.endswith(b'\\n'), 'no final newline'\n"
      "for raw in data[:-1].split(b'\\n'):\n"
      "  o=json.loads(raw.decode('utf-8'),object_pairs_hook=pairs,parse_constant=bad)\n"
      "  assert isinstance(o,dict), 'not an object'\n"
      "  print('OBJECT')\n"
      "  for k,v in o.items():\n"
      "    if isinstance(v,bool) or v is None: raise ValueError('unexpected literal')\n"
      "    t=v.encode('utf-8').hex() if isinstance(v,str) else str(v).encode().hex()\n"
      "    print(k.encode().hex(), t)\n";
  const std::string script_file = file + ".py";
  write_file(script_file, script);
  const std::string command = "/usr/bin/python3 " + script_file + " " + file + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  if (pipe != nullptr) {
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  }
  const int status = pipe != nullptr ? ::pclose(pipe) : -1;
  std::vector<std::map<std::string, std::string>> objects;
  if (status != 0) {
    ADD_FAILURE() << "python3 refused the JSON:\n" << output;
    return objects;
  }
  for (const std::string& line : split_lines(output)) {
    if (line == "OBJECT") {
      objects.emplace_back();
      continue;
    }
    const std::size_t space = line.find(' ');
    if (objects.empty() || space == std::string::npos) {
      ADD_FAILURE() << "unexpected checker output: " << line;
      return {};
    }
    objects.back()[unhex(line.substr(0, space))] = unhex(line.substr(space + 1));
  }
  return objects;
}

}  // namespace ferry::policy_test
