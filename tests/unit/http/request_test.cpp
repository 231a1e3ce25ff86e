#include "http/request.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace ferry {
namespace {

TEST(request, FindsEveryFieldAddedInEitherCaseAndNothingElse) {
  request r;
  const std::string names[] = {"Host", "accept", "If-None-Match", "X-A", "x", "", "Accept-Encoding"};
  for (const auto& name : names) r.add_header(name, name);
  for (const auto& name : names) {
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const std::string& asked : {name, upper}) {
      bool found = false;
      r.header(asked, &found);
      EXPECT_TRUE(found) << asked;
    }
  }
  // Names of the same length and first letter as present ones share their mark: they are
  // still told apart by comparing.
  for (const std::string absent : {"Hast", "accepT-", "If-None-Matck", "X-B", "y", "Range", "te", "Referer"}) {
    bool found = true;
    EXPECT_EQ(r.header(absent, &found), "");
    EXPECT_FALSE(found) << absent;
  }
}

TEST(request, ClearingForgetsTheFields) {
  request r;
  r.add_header("Range", "bytes=0-1");
  EXPECT_EQ(r.header("range"), "bytes=0-1");
  r.clear_headers();
  bool found = true;
  r.header("range", &found);
  EXPECT_FALSE(found);
  r.add_header("Referer", "x");
  r.clear();
  EXPECT_TRUE(r.headers().empty());
  r.header("referer", &found);
  EXPECT_FALSE(found);
}

}  // namespace
}  // namespace ferry
