#include "http/response.hpp"

#include <algorithm>
#include <cstring>

#include "http/request.hpp"
#include "http/short_bytes.hpp"

namespace ferry {

namespace {
constexpr std::size_t line_punctuation = 4;  // ": " and CRLF
}  // namespace

void response::add(std::string_view name, std::string_view value) {
  const std::size_t line_size = name.size() + value.size() + line_punctuation;
  if (field_text_.capacity() - field_text_.size() < line_size) {
    add_after_growing(std::string(name), std::string(value));
    return;
  }
  name_marks_ |= field_name_mark(name);
  char* at = field_text_.extend(line_size);
  // Names and most values are short: copied inline rather than by two memcpy calls.
  char* const value_at = short_bytes::copy(at, name) + 2;
  std::memcpy(value_at - 2, ": ", 2);
  std::memcpy(short_bytes::copy(value_at, value), "\r\n", 2);
  fields_.push_back({{at, name.size()}, {value_at, value.size()}});
}

// Growing moves the text, and the fields with it. `name` and `value` are copies: they may have
// been views of the text itself (set(a, get(b))).
void response::add_after_growing(const std::string& name, const std::string& value) {
  const char* old = field_text_.data();
  field_text_.reserve(
      std::max<std::size_t>(256, 2 * (field_text_.size() + name.size() + value.size() + line_punctuation)));
  const char* moved = field_text_.data();
  for (auto& f : fields_) {
    f = {{moved + (f.name.data() - old), f.name.size()}, {moved + (f.value.data() - old), f.value.size()}};
  }
  add(name, value);
}

void response::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void response::remove(std::string_view name) {
  if ((name_marks_ & field_name_mark(name)) == 0) return;
  if (std::erase_if(fields_, [&](const response_field& f) { return iequals(f.name, name); }) > 0) {
    lines_removed_ = true;
  }
}

bool response::field_lines(std::string_view& lines) const {
  if (lines_removed_) return false;
  lines = {field_text_.data(), field_text_.size()};
  return true;
}

std::string_view response::get(std::string_view name) const {
  if ((name_marks_ & field_name_mark(name)) == 0) return {};
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) return f.value;
  }
  return {};
}

void response::set_text_body(std::string_view body) {
  text.clear();
  segments.clear();
  add_text_segment(body);
}

void response::add_text_segment(std::string_view bytes) {
  const auto offset = text.size();
  text.append(bytes);
  segments.push_back({false, offset, bytes.size()});
}

void response::add_file_segment(std::uint64_t offset, std::uint64_t length) {
  segments.push_back({true, offset, length});
}

std::uint64_t response::content_length() const {
  std::uint64_t total = 0;
  for (const auto& s : segments) total += s.length;
  return total;
}

void response::clear() {
  status = 200;
  fields_.clear();
  field_text_.clear();
  name_marks_ = 0;
  lines_removed_ = false;
  text.clear();
  segments.clear();
  file.reset();
  encoder.reset();
  head_only = false;
  close = false;
  skip_access_log = false;
  principal.clear();
  tenant.clear();
}

}  // namespace ferry
