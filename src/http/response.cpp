#include "http/response.hpp"

#include "http/request.hpp"

namespace ferry {

void response::add(std::string_view name, std::string_view value) {
  if (count_ == fields_.size()) fields_.emplace_back();
  auto& f = fields_[count_++];
  f.name.assign(name);
  f.value.assign(value);
}

void response::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void response::remove(std::string_view name) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    if (iequals(fields_[i].name, name)) continue;
    if (kept != i) std::swap(fields_[kept], fields_[i]);
    ++kept;
  }
  count_ = kept;
}

std::string_view response::get(std::string_view name) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (iequals(fields_[i].name, name)) return fields_[i].value;
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
  count_ = 0;
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
