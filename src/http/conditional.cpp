#include "http/conditional.hpp"

#include "http/char_classes.hpp"
#include "http/http_date.hpp"

namespace ferry {

namespace {

struct entity_tag {
  bool weak = false;
  std::string_view opaque;  // with its quotes
};

using char_class::is_ows;
using char_class::trim_ows;

// etagc = %x21 / %x23-7E / obs-text: visible characters except DQUOTE.
bool is_etagc(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u != 0x7F);
}

// Reads one entity-tag from the front of `text`, advancing past it. nullopt when malformed
// (no opening quote, an unterminated quote, or a character not allowed in a tag).
std::optional<entity_tag> take_entity_tag(std::string_view& text) {
  entity_tag tag;
  if (text.starts_with("W/")) {
    tag.weak = true;
    text.remove_prefix(2);
  }
  if (text.empty() || text.front() != '"') return std::nullopt;
  std::size_t end = 1;
  while (end < text.size() && text[end] != '"') {
    if (!is_etagc(text[end])) return std::nullopt;
    ++end;
  }
  if (end == text.size()) return std::nullopt;
  tag.opaque = text.substr(0, end + 1);
  text.remove_prefix(end + 1);
  return tag;
}

// The whole of `text` as exactly one entity-tag.
std::optional<entity_tag> parse_entity_tag(std::string_view text) {
  text = trim_ows(text);
  auto tag = take_entity_tag(text);
  if (!tag || !text.empty()) return std::nullopt;
  return tag;
}

// Whether any tag of the list `field` satisfies `matches`. "*" matches anything (the
// representation exists whenever we evaluate). A malformed list matches nothing, even if a
// tag before the damage would have matched: we do not guess what a broken header meant.
// Linear in the field length; empty list elements are skipped (RFC 9110 §5.6.1.2).
template <typename Predicate>
bool list_matches(std::string_view field, Predicate matches) {
  field = trim_ows(field);
  if (field == "*") return true;
  bool matched = false;
  bool saw_tag = false;
  while (true) {
    while (!field.empty() && (is_ows(field.front()) || field.front() == ',')) {
      field.remove_prefix(1);
    }
    if (field.empty()) break;
    const auto tag = take_entity_tag(field);
    if (!tag) return false;
    saw_tag = true;
    if (!matched && matches(*tag)) matched = true;
    while (!field.empty() && is_ows(field.front())) field.remove_prefix(1);
    if (!field.empty() && field.front() != ',') return false;
  }
  return saw_tag && matched;
}

// RFC 9110 §8.8.3.2: strong comparison needs both tags strong and the opaque tags equal.
bool strong_match(const entity_tag& a, const std::optional<entity_tag>& b) {
  return b && !a.weak && !b->weak && a.opaque == b->opaque;
}

// Weak comparison: opaque tags equal, W/ ignored on both sides.
bool weak_match(const entity_tag& a, const std::optional<entity_tag>& b) {
  return b && a.opaque == b->opaque;
}

}  // namespace

precondition evaluate_preconditions(const conditional_headers& headers, const validators& current,
                                    bool get_or_head) {
  // Parsed only for a request that names tags (most name none).
  std::optional<entity_tag> current_tag;
  if (headers.if_match || headers.if_none_match) current_tag = parse_entity_tag(current.etag);

  // Step 1 and 2: If-Match, or else If-Unmodified-Since.
  if (headers.if_match) {
    if (!list_matches(*headers.if_match,
                      [&](const entity_tag& tag) { return strong_match(tag, current_tag); })) {
      return precondition::failed;
    }
  } else if (headers.if_unmodified_since) {
    const auto date = parse_http_date(*headers.if_unmodified_since);
    if (date && current.last_modified > *date) return precondition::failed;
  }

  // Step 3 and 4: If-None-Match, or else If-Modified-Since (GET and HEAD only).
  if (headers.if_none_match) {
    if (list_matches(*headers.if_none_match,
                     [&](const entity_tag& tag) { return weak_match(tag, current_tag); })) {
      return get_or_head ? precondition::not_modified : precondition::failed;
    }
  } else if (get_or_head && headers.if_modified_since) {
    const auto date = parse_http_date(*headers.if_modified_since);
    if (date && current.last_modified <= *date) return precondition::not_modified;
  }
  return precondition::proceed;
}

bool if_range_matches(std::string_view if_range, const validators& current) {
  if_range = trim_ows(if_range);
  // §13.1.5: a DQUOTE (or W/) up front marks an entity-tag, anything else an HTTP-date.
  if (if_range.starts_with('"') || if_range.starts_with("W/")) {
    const auto tag = parse_entity_tag(if_range);
    return tag && strong_match(*tag, parse_entity_tag(current.etag));
  }
  const auto date = parse_http_date(if_range);
  return date && *date == current.last_modified;
}

}  // namespace ferry
