#include "files/mime_types.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>

namespace ferry {
namespace {

constexpr std::string_view octet = "application/octet-stream";

class MimeTable : public ::testing::Test {
 protected:
  mime_table table_;
};

TEST_F(MimeTable, CommonWebTypes) {
  EXPECT_EQ(table_.content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(table_.content_type("index.htm"), "text/html; charset=utf-8");
  EXPECT_EQ(table_.content_type("site.css"), "text/css; charset=utf-8");
  EXPECT_EQ(table_.content_type("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(table_.content_type("app.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(table_.content_type("data.json"), "application/json; charset=utf-8");
  EXPECT_EQ(table_.content_type("app.js.map"), "application/json; charset=utf-8");
  EXPECT_EQ(table_.content_type("feed.xml"), "application/xml; charset=utf-8");
  EXPECT_EQ(table_.content_type("readme.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(table_.content_type("table.csv"), "text/csv; charset=utf-8");
  EXPECT_EQ(table_.content_type("README.md"), "text/markdown; charset=utf-8");
  EXPECT_EQ(table_.content_type("logo.svg"), "image/svg+xml; charset=utf-8");
  EXPECT_EQ(table_.content_type("module.wasm"), "application/wasm");
  EXPECT_EQ(table_.content_type("site.webmanifest"),
            "application/manifest+json; charset=utf-8");
  EXPECT_EQ(table_.content_type("data.jsonld"), "application/ld+json; charset=utf-8");
  EXPECT_EQ(table_.content_type("feed.rss"), "application/rss+xml; charset=utf-8");
  EXPECT_EQ(table_.content_type("feed.atom"), "application/atom+xml; charset=utf-8");
  EXPECT_EQ(table_.content_type("cal.ics"), "text/calendar; charset=utf-8");
  EXPECT_EQ(table_.content_type("subs.vtt"), "text/vtt; charset=utf-8");
  EXPECT_EQ(table_.content_type("config.yaml"), "application/yaml; charset=utf-8");
  EXPECT_EQ(table_.content_type("config.yml"), "application/yaml; charset=utf-8");
  EXPECT_EQ(table_.content_type("Cargo.toml"), "application/toml; charset=utf-8");
}

TEST_F(MimeTable, BinaryTypesHaveNoCharset) {
  EXPECT_EQ(table_.content_type("favicon.ico"), "image/x-icon");
  EXPECT_EQ(table_.content_type("a.png"), "image/png");
  EXPECT_EQ(table_.content_type("a.jpg"), "image/jpeg");
  EXPECT_EQ(table_.content_type("a.jpeg"), "image/jpeg");
  EXPECT_EQ(table_.content_type("a.gif"), "image/gif");
  EXPECT_EQ(table_.content_type("a.webp"), "image/webp");
  EXPECT_EQ(table_.content_type("a.avif"), "image/avif");
  EXPECT_EQ(table_.content_type("a.bmp"), "image/bmp");
  EXPECT_EQ(table_.content_type("a.tif"), "image/tiff");
  EXPECT_EQ(table_.content_type("a.tiff"), "image/tiff");
  EXPECT_EQ(table_.content_type("a.heic"), "image/heic");
  EXPECT_EQ(table_.content_type("f.woff"), "font/woff");
  EXPECT_EQ(table_.content_type("f.woff2"), "font/woff2");
  EXPECT_EQ(table_.content_type("f.ttf"), "font/ttf");
  EXPECT_EQ(table_.content_type("f.otf"), "font/otf");
  EXPECT_EQ(table_.content_type("f.eot"), "application/vnd.ms-fontobject");
  EXPECT_EQ(table_.content_type("d.pdf"), "application/pdf");
  EXPECT_EQ(table_.content_type("d.zip"), "application/zip");
  EXPECT_EQ(table_.content_type("d.gz"), "application/gzip");
  EXPECT_EQ(table_.content_type("d.zst"), "application/zstd");
  EXPECT_EQ(table_.content_type("d.tar"), "application/x-tar");
  EXPECT_EQ(table_.content_type("d.7z"), "application/x-7z-compressed");
  EXPECT_EQ(table_.content_type("d.rar"), "application/vnd.rar");
  EXPECT_EQ(table_.content_type("s.mp3"), "audio/mpeg");
  EXPECT_EQ(table_.content_type("s.ogg"), "audio/ogg");
  EXPECT_EQ(table_.content_type("s.opus"), "audio/ogg");
  EXPECT_EQ(table_.content_type("s.wav"), "audio/wav");
  EXPECT_EQ(table_.content_type("s.flac"), "audio/flac");
  EXPECT_EQ(table_.content_type("s.m4a"), "audio/mp4");
  EXPECT_EQ(table_.content_type("v.mp4"), "video/mp4");
  EXPECT_EQ(table_.content_type("v.webm"), "video/webm");
  EXPECT_EQ(table_.content_type("v.mov"), "video/quicktime");
  EXPECT_EQ(table_.content_type("v.ogv"), "video/ogg");
  EXPECT_EQ(table_.content_type("b.epub"), "application/epub+zip");
  EXPECT_EQ(table_.content_type("d.docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(table_.content_type("d.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(table_.content_type("d.odt"), "application/vnd.oasis.opendocument.text");
  EXPECT_EQ(table_.content_type("app.apk"), "application/vnd.android.package-archive");
  EXPECT_EQ(table_.content_type("disk.iso"), "application/x-iso9660-image");
  EXPECT_EQ(table_.content_type("fw.bin"), octet);
}

TEST_F(MimeTable, EveryListedExtensionIsKnown) {
  for (std::string_view ext :
       {"html", "htm", "css", "js", "mjs", "json", "map", "xml", "txt", "csv", "md", "svg", "ico",
        "png", "jpg", "jpeg", "gif", "webp", "avif", "bmp", "tif", "tiff", "heic", "woff",
        "woff2", "ttf", "otf", "eot", "wasm", "pdf", "zip", "gz", "br", "zst", "tar", "7z", "rar",
        "mp3", "ogg", "oga", "opus", "wav", "flac", "aac", "m4a", "mp4", "m4v", "webm", "mov",
        "mkv", "avi", "ogv", "webmanifest", "jsonld", "rss", "atom", "ics", "vtt", "srt", "epub",
        "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "apk", "exe", "dmg", "iso", "yaml",
        "yml", "toml"}) {
    EXPECT_NE(table_.content_type("file." + std::string(ext)), octet) << ext;
  }
}

TEST_F(MimeTable, ExtensionIsCaseInsensitive) {
  EXPECT_EQ(table_.content_type("INDEX.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(table_.content_type("Photo.JpG"), "image/jpeg");
  EXPECT_EQ(table_.content_type("x.WebManifest"), "application/manifest+json; charset=utf-8");
}

TEST_F(MimeTable, UsesTheLastExtensionOfTheLastSegment) {
  EXPECT_EQ(table_.content_type("archive.tar.gz"), "application/gzip");
  EXPECT_EQ(table_.content_type("page.html.bak"), octet);
  EXPECT_EQ(table_.content_type("/static/css/site.css"), "text/css; charset=utf-8");
  EXPECT_EQ(table_.content_type("/dir.html/file"), octet);
  EXPECT_EQ(table_.content_type("/dir.html/"), octet);
  EXPECT_EQ(table_.content_type("/a.b/c.png"), "image/png");
}

TEST_F(MimeTable, NoOrUnknownExtensionIsOctetStream) {
  EXPECT_EQ(table_.content_type(""), octet);
  EXPECT_EQ(table_.content_type("Makefile"), octet);
  EXPECT_EQ(table_.content_type("file."), octet);
  EXPECT_EQ(table_.content_type("."), octet);
  EXPECT_EQ(table_.content_type(".."), octet);
  EXPECT_EQ(table_.content_type("x.php"), octet);
  EXPECT_EQ(table_.content_type("x.unknownext"), octet);
  EXPECT_EQ(table_.content_type("x.h\xc3\xa9"), octet);
  EXPECT_EQ(table_.content_type(std::string("x.ht\0ml", 7)), octet);
}

TEST_F(MimeTable, DotfilesHaveNoExtension) {
  EXPECT_EQ(table_.content_type(".bashrc"), octet);
  EXPECT_EQ(table_.content_type("/home/.html"), octet);
  EXPECT_EQ(table_.content_type(".json"), octet);
  EXPECT_EQ(table_.content_type("..json"), octet);
  EXPECT_EQ(table_.content_type(".eslintrc.json"), "application/json; charset=utf-8");
  EXPECT_EQ(table_.content_type("/.well-known/x.txt"), "text/plain; charset=utf-8");
}

TEST_F(MimeTable, LongExtensionsAreUnknown) {
  const std::string long_ext(mime_table::max_extension_length + 1, 'a');
  EXPECT_EQ(table_.content_type("x." + long_ext), octet);
  EXPECT_EQ(table_.content_type("x." + std::string(1 << 20, 'h') + ".html"),
            "text/html; charset=utf-8");
  EXPECT_EQ(table_.content_type("x." + std::string(1 << 20, 'h')), octet);
}

TEST(MimeTableOverrides, OverrideWinsVerbatimAndIsCaseInsensitive) {
  const mime_table table({{"html", "text/html; charset=iso-8859-1"},
                          {"MD", "text/plain"},
                          {"foo", "application/x-foo"}});
  EXPECT_EQ(table.content_type("a.html"), "text/html; charset=iso-8859-1");
  EXPECT_EQ(table.content_type("a.HTML"), "text/html; charset=iso-8859-1");
  EXPECT_EQ(table.content_type("a.md"), "text/plain");  // verbatim: no charset added
  EXPECT_EQ(table.content_type("a.Md"), "text/plain");
  EXPECT_EQ(table.content_type("a.FOO"), "application/x-foo");
  EXPECT_EQ(table.content_type("a.css"), "text/css; charset=utf-8");  // others untouched
}

TEST(MimeTableOverrides, ViewStaysValidWhileTableLives) {
  std::string_view view;
  const mime_table table({{"x", std::string(100, 'y')}});
  view = table.content_type("a.x");
  const mime_table other;  // unrelated tables do not disturb it
  EXPECT_EQ(other.content_type("a.x"), octet);
  EXPECT_EQ(view, std::string(100, 'y'));
}

TEST(MediaTypeOf, StripsParametersAndWhitespace) {
  EXPECT_EQ(media_type_of("text/html; charset=utf-8"), "text/html");
  EXPECT_EQ(media_type_of("text/html;charset=utf-8"), "text/html");
  EXPECT_EQ(media_type_of("  text/html \t; charset=utf-8"), "text/html");
  EXPECT_EQ(media_type_of("image/png"), "image/png");
  EXPECT_EQ(media_type_of(" image/png\t"), "image/png");
  EXPECT_EQ(media_type_of(""), "");
  EXPECT_EQ(media_type_of("   "), "");
  EXPECT_EQ(media_type_of(";charset=utf-8"), "");
  EXPECT_EQ(media_type_of("a/b;c;d"), "a/b");
}

TEST(CompressibleMediaType, TextLikeTypes) {
  for (std::string_view type :
       {"text/html", "text/css", "text/plain", "text/javascript", "text/csv", "TEXT/HTML",
        "application/javascript", "application/x-javascript", "application/json",
        "application/xml", "application/wasm", "image/svg+xml", "application/manifest+json",
        "application/ld+json", "application/rss+xml", "application/atom+xml",
        "application/vnd.api+json", "application/xhtml+xml", "font/ttf", "font/otf",
        "application/vnd.ms-fontobject", "image/x-icon", "image/bmp", "application/yaml"}) {
    EXPECT_TRUE(is_compressible_media_type(type)) << type;
  }
}

TEST(CompressibleMediaType, AlreadyCompressedOrOpaqueTypes) {
  for (std::string_view type :
       {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "font/woff",
        "font/woff2", "application/zip", "application/gzip", "application/zstd",
        "application/x-brotli", "application/epub+zip", "video/mp4", "video/webm", "audio/mpeg",
        "audio/ogg", "application/pdf", "application/octet-stream", "", "text", "json", "+json",
        "application/jsonx", "application/json+zip", "texts/html", "xtext/html"}) {
    EXPECT_FALSE(is_compressible_media_type(type)) << type;
  }
}

TEST_F(MimeTable, BuiltInTextTypesCarryCharsetAndCompress) {
  // Consistency between the table and the two predicates, over a sample of extensions.
  for (std::string_view name : {"a.html", "a.css", "a.js", "a.json", "a.svg", "a.xml", "a.txt",
                                "a.webmanifest", "a.rss", "a.atom", "a.jsonld", "a.csv"}) {
    const std::string_view value = table_.content_type(name);
    EXPECT_NE(value.find("; charset=utf-8"), std::string_view::npos) << name;
    EXPECT_TRUE(is_compressible_media_type(media_type_of(value))) << name;
  }
  for (std::string_view name : {"a.png", "a.jpg", "a.woff2", "a.zip", "a.gz", "a.mp4", "a.br"}) {
    const std::string_view value = table_.content_type(name);
    EXPECT_EQ(value.find(';'), std::string_view::npos) << name;
    EXPECT_FALSE(is_compressible_media_type(media_type_of(value))) << name;
  }
}

}  // namespace
}  // namespace ferry
