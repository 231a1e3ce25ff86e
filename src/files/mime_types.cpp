// The built-in extension → media type table and the charset/compressibility rules.
#include "files/mime_types.hpp"

#include <array>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <utility>

namespace ferry {
namespace {

constexpr std::string_view octet_stream = "application/octet-stream";
constexpr std::string_view utf8_charset = "; charset=utf-8";

struct extension_entry {
  std::string_view extension;  // lower case, no dot
  std::string_view media_type;
};

// IANA-registered types where one exists; otherwise the type browsers and other servers
// (nginx, Apache) agree on. "; charset=utf-8" is added by rule (wants_charset), not here.
constexpr extension_entry builtin_types[] = {
    // Web documents and code.
    {"html", "text/html"},
    {"htm", "text/html"},
    {"xhtml", "application/xhtml+xml"},
    {"css", "text/css"},
    {"js", "text/javascript"},  // RFC 9239
    {"mjs", "text/javascript"},
    {"cjs", "text/javascript"},
    {"json", "application/json"},
    {"map", "application/json"},  // source maps
    {"jsonld", "application/ld+json"},
    {"webmanifest", "application/manifest+json"},
    {"geojson", "application/geo+json"},
    {"xml", "application/xml"},
    {"xsd", "application/xml"},
    {"xsl", "application/xslt+xml"},
    {"xslt", "application/xslt+xml"},
    {"dtd", "application/xml-dtd"},
    {"rss", "application/rss+xml"},
    {"atom", "application/atom+xml"},
    {"rdf", "application/rdf+xml"},
    {"wasm", "application/wasm"},
    // Plain text and data.
    {"txt", "text/plain"},
    {"text", "text/plain"},
    {"log", "text/plain"},
    {"csv", "text/csv"},
    {"tsv", "text/tab-separated-values"},
    {"md", "text/markdown"},
    {"markdown", "text/markdown"},
    {"ics", "text/calendar"},
    {"vcf", "text/vcard"},
    {"vcard", "text/vcard"},
    {"vtt", "text/vtt"},
    {"srt", "application/x-subrip"},  // not registered; legacy files are often not UTF-8
    {"yaml", "application/yaml"},     // RFC 9512
    {"yml", "application/yaml"},
    {"toml", "application/toml"},
    {"sql", "application/sql"},
    {"rtf", "application/rtf"},
    {"eml", "message/rfc822"},
    {"mbox", "application/mbox"},
    // Images.
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},  // browsers expect this over image/vnd.microsoft.icon
    {"cur", "image/x-icon"},
    {"png", "image/png"},
    {"apng", "image/apng"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"jpe", "image/jpeg"},
    {"jfif", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"heic", "image/heic"},
    {"heif", "image/heif"},
    {"jxl", "image/jxl"},
    {"jp2", "image/jp2"},
    {"psd", "image/vnd.adobe.photoshop"},
    // Fonts.
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"ttc", "font/collection"},
    {"eot", "application/vnd.ms-fontobject"},
    // Audio.
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"oga", "audio/ogg"},
    {"opus", "audio/ogg"},  // RFC 7845: Ogg Opus files are audio/ogg
    {"spx", "audio/ogg"},
    {"wav", "audio/wav"},
    {"flac", "audio/flac"},
    {"aac", "audio/aac"},
    {"m4a", "audio/mp4"},
    {"weba", "audio/webm"},
    {"mka", "audio/matroska"},  // RFC 9559
    {"mid", "audio/midi"},
    {"midi", "audio/midi"},
    {"aif", "audio/aiff"},
    {"aiff", "audio/aiff"},
    // Video and streaming.
    {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},
    {"webm", "video/webm"},
    {"mov", "video/quicktime"},
    {"mkv", "video/matroska"},  // RFC 9559
    {"avi", "video/x-msvideo"},
    {"ogv", "video/ogg"},
    {"mpeg", "video/mpeg"},
    {"mpg", "video/mpeg"},
    {"3gp", "video/3gpp"},
    {"3g2", "video/3gpp2"},
    {"ts", "video/mp2t"},  // HLS segments, as nginx does (not TypeScript)
    {"flv", "video/x-flv"},
    {"wmv", "video/x-ms-wmv"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"mpd", "application/dash+xml"},
    // Archives and compressed data.
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tgz", "application/gzip"},
    {"br", "application/x-brotli"},
    {"zst", "application/zstd"},  // RFC 8878
    {"bz2", "application/x-bzip2"},
    {"xz", "application/x-xz"},
    {"tar", "application/x-tar"},
    {"7z", "application/x-7z-compressed"},
    {"rar", "application/vnd.rar"},
    {"jar", "application/java-archive"},
    // Documents.
    {"pdf", "application/pdf"},
    {"epub", "application/epub+zip"},
    {"ps", "application/postscript"},
    {"eps", "application/postscript"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"odg", "application/vnd.oasis.opendocument.graphics"},
    // Packages, executables, disk images.
    {"apk", "application/vnd.android.package-archive"},
    {"exe", "application/vnd.microsoft.portable-executable"},
    {"dll", "application/vnd.microsoft.portable-executable"},
    {"msi", "application/x-msi"},
    {"deb", "application/vnd.debian.binary-package"},
    {"rpm", "application/x-rpm"},
    {"dmg", "application/x-apple-diskimage"},
    {"iso", "application/x-iso9660-image"},
    {"bin", "application/octet-stream"},
    {"torrent", "application/x-bittorrent"},
    // Keys, certificates, signatures.
    {"pem", "application/x-pem-file"},
    {"crt", "application/pkix-cert"},
    {"cer", "application/pkix-cert"},
    {"crl", "application/pkix-crl"},
    {"asc", "application/pgp-signature"},
    {"sig", "application/pgp-signature"},
    // Maps.
    {"gpx", "application/gpx+xml"},
    {"kml", "application/vnd.google-earth.kml+xml"},
    {"kmz", "application/vnd.google-earth.kmz"},
};

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool is_one_of(std::string_view media_type, std::initializer_list<std::string_view> list) {
  for (std::string_view candidate : list) {
    if (iequals(media_type, candidate)) return true;
  }
  return false;
}

// Structured-syntax suffixes (RFC 6839): "+json" and "+xml" types are text.
bool has_text_suffix(std::string_view media_type) {
  const std::size_t slash = media_type.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view subtype = media_type.substr(slash + 1);
  return iends_with(subtype, "+json") || iends_with(subtype, "+xml");
}

// Types whose files are text and which browsers decode by charset.
bool wants_charset(std::string_view media_type) {
  return istarts_with(media_type, "text/") || has_text_suffix(media_type) ||
         is_one_of(media_type, {"application/javascript", "application/json", "application/xml",
                                "application/xml-dtd", "application/yaml", "application/toml"});
}

std::string lower(std::string_view s) {
  std::string result(s);
  for (char& c : result) c = to_lower(c);
  return result;
}

// The extension of the last path segment, or "" when there is none. Leading dots mark a
// hidden file (".bashrc", "..cfg"), not an extension.
std::string_view extension_of(std::string_view file_name) {
  const std::size_t slash = file_name.rfind('/');
  std::string_view segment =
      slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
  const std::size_t first = segment.find_first_not_of('.');
  if (first == std::string_view::npos) return {};
  segment.remove_prefix(first);
  const std::size_t dot = segment.rfind('.');
  if (dot == std::string_view::npos) return {};
  return segment.substr(dot + 1);
}

}  // namespace

mime_table::mime_table(const std::map<std::string, std::string>& overrides) {
  by_extension_.reserve(std::size(builtin_types) + overrides.size());
  for (const extension_entry& e : builtin_types) {
    std::string value(e.media_type);
    if (wants_charset(e.media_type)) value += utf8_charset;
    by_extension_.insert_or_assign(std::string(e.extension), std::move(value));
  }
  for (const auto& [extension, value] : overrides) {
    by_extension_.insert_or_assign(lower(extension), value);
  }
}

std::string_view mime_table::content_type(std::string_view file_name) const {
  const std::string_view extension = extension_of(file_name);
  if (extension.empty() || extension.size() > max_extension_length) return octet_stream;
  std::array<char, max_extension_length> buffer{};
  for (std::size_t i = 0; i < extension.size(); ++i) buffer[i] = to_lower(extension[i]);
  const auto it = by_extension_.find(std::string_view(buffer.data(), extension.size()));
  if (it == by_extension_.end()) return octet_stream;
  return it->second;
}

std::string_view media_type_of(std::string_view content_type) {
  std::string_view media_type = content_type.substr(0, content_type.find(';'));
  constexpr std::string_view whitespace = " \t";
  const std::size_t begin = media_type.find_first_not_of(whitespace);
  if (begin == std::string_view::npos) return {};
  const std::size_t end = media_type.find_last_not_of(whitespace);
  return media_type.substr(begin, end - begin + 1);
}

bool is_compressible_media_type(std::string_view media_type) {
  if (istarts_with(media_type, "text/") || has_text_suffix(media_type)) return true;
  // Text-based or uncompressed binary formats. Already-compressed formats (PNG, JPEG, WOFF2,
  // zip, gzip, MP4, …) are deliberately absent: compressing them again only costs CPU.
  return is_one_of(media_type, {
                                   "application/javascript",
                                   "application/x-javascript",
                                   "application/json",
                                   "application/xml",
                                   "application/xml-dtd",
                                   "application/wasm",
                                   "application/yaml",
                                   "application/toml",
                                   "application/sql",
                                   "application/rtf",
                                   "application/postscript",
                                   "application/x-subrip",
                                   "application/x-pem-file",
                                   "application/vnd.apple.mpegurl",
                                   "application/vnd.ms-fontobject",
                                   "font/ttf",
                                   "font/otf",
                                   "font/collection",
                                   "image/x-icon",
                                   "image/vnd.microsoft.icon",
                                   "image/bmp",
                                   "message/rfc822",
                               });
}

}  // namespace ferry
