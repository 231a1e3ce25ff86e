// A response as the request path builds it and every protocol writer consumes it. The object
// is reused per connection: clear() keeps the capacity of its fields and buffers, so a warm
// connection builds responses without allocating.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "files/open_file.hpp"
#include "modules/content_encoder.hpp"
#include "modules/output_buffer.hpp"

namespace ferry {

// Views into the response's own field text: valid until the response's fields change.
struct response_field {
  std::string_view name;
  std::string_view value;
};

// One piece of the body: bytes of `text` or a range of the file.
struct body_segment {
  bool from_file = false;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

class response {
 public:
  int status = 200;

  void add(std::string_view name, std::string_view value);
  // Replaces every field of that name with one (or adds it).
  void set(std::string_view name, std::string_view value);
  void remove(std::string_view name);
  std::string_view get(std::string_view name) const;  // "" when absent
  std::span<const response_field> fields() const { return fields_; }
  // The fields as HTTP/1.1 field lines ("Name: value\r\n" each, in order) in one piece, which
  // is how the response keeps them: false once a field was removed (its line stays behind in
  // the text until clear(), so the lines must be written from fields()).
  bool field_lines(std::string_view& lines) const;

  // Body: nothing, generated text, a file (whole or ranges), or a file encoded on the fly.
  std::string text;                      // storage for text segments
  std::vector<body_segment> segments;    // in order
  std::shared_ptr<const open_file> file;  // the file the file segments read from
  std::unique_ptr<content_encoder> encoder;  // when set: body = encoder(file segments), length unknown
  bool head_only = false;                // HEAD: headers as for GET, body not sent
  bool close = false;                    // close the connection after this response
  bool skip_access_log = false;          // a health check the config keeps out of the access log
  std::string principal;                 // who the auth module found ("" = anonymous), for the log
  std::string tenant;                    // the principal's tenant ("" = none), for rate limits

  void set_text_body(std::string_view body);
  void add_text_segment(std::string_view bytes);
  void add_file_segment(std::uint64_t offset, std::uint64_t length);
  // Total body length; meaningless when an encoder is set.
  std::uint64_t content_length() const;
  bool has_body() const { return !segments.empty(); }

  void clear();

 private:
  // Each field is copied into one buffer that clear() keeps, as the HTTP/1.1 line it becomes
  // (the views skip ": " and CRLF): a field costs two copies, not two strings, and an HTTP/1.1
  // head copies all the lines at once. Removed fields leave their lines there until clear().
  void add_after_growing(const std::string& name, const std::string& value);
  std::vector<response_field> fields_;
  output_buffer field_text_;
  bool lines_removed_ = false;  // a removed field's line is in field_text_
  // field_name_mark of every name added since clear() (removed ones too): set() of a field the
  // response does not have, and get() of one, compare no names.
  std::uint64_t name_marks_ = 0;
};

}  // namespace ferry
