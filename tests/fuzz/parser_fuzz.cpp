// Fuzzes the HTTP/1.1 request parser: arbitrary bytes, fed whole and then split at a point
// chosen by the input, must give the same verdict and the same request, never crash, and keep
// every view inside the input buffer. A head split before its end is read by llhttp; whole, a
// simple one is read by http1_simple_head: the comparison holds the two readers to each other.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/http1_parser.hpp"

namespace {

struct verdict {
  ferry::parse_state state;
  int status;
  std::size_t consumed;
  std::string request;  // every field of a complete request, as text
};

std::string describe(const ferry::request& r) {
  std::string out;
  for (const std::string_view part : {r.method_name, r.target, r.path, r.query, r.authority}) {
    out.append(part).push_back('|');
  }
  for (const int flag : {static_cast<int>(r.method), int{r.has_query}, int{r.absolute_form}, r.version_major,
                         r.version_minor, int{r.keep_alive}, int{r.chunked}, int{r.expect_continue}}) {
    out += std::to_string(flag) + '|';
  }
  out += std::to_string(r.content_length);
  for (const auto& h : r.headers()) out.append("|").append(h.name).append(":").append(h.value);
  return out;
}

bool inside(std::string_view view, const char* begin, const char* end) {
  return view.empty() || (view.data() >= begin && view.data() + view.size() <= end);
}

verdict run(const std::string& input, std::size_t split) {
  ferry::http1_limits limits;
  limits.max_head = 4096;
  limits.max_header_count = 32;
  limits.max_uri_length = 1024;
  limits.max_body = 1 << 16;
  ferry::http1_parser parser(limits);
  verdict v{ferry::parse_state::incomplete, 0, 0, {}};
  std::size_t offset = 0;
  for (std::size_t end : {split, input.size()}) {
    if (end < offset || end > input.size()) continue;
    const auto r = parser.execute(input.data() + offset, end - offset);
    offset += r.consumed;
    v = {r.state, r.error_status, offset, {}};
    if (r.state != ferry::parse_state::incomplete) break;
  }
  const auto& req = parser.current();
  const char* begin = input.data();
  const char* finish = input.data() + input.size();
  if (!inside(req.target, begin, finish) || !inside(req.method_name, begin, finish)) __builtin_trap();
  if (v.state == ferry::parse_state::complete) {
    for (const auto& h : req.headers()) {
      if (!inside(h.name, begin, finish) || !inside(h.value, begin, finish)) __builtin_trap();
    }
    if (req.headers().size() > limits.max_header_count) __builtin_trap();
    if (req.target.size() > limits.max_uri_length) __builtin_trap();
    v.request = describe(req);
  }
  if (v.state == ferry::parse_state::error && (v.status < 400 || v.status > 505)) __builtin_trap();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = input.empty() ? 0 : data[0] % (input.size() + 1);
  const verdict whole = run(input, input.size());
  const verdict pieces = run(input, split);
  // Splitting the stream must not change what the parser decides.
  if (whole.state != pieces.state || whole.status != pieces.status) __builtin_trap();
  if (whole.state == ferry::parse_state::complete &&
      (whole.consumed != pieces.consumed || whole.request != pieces.request)) {
    __builtin_trap();
  }
  return 0;
}
