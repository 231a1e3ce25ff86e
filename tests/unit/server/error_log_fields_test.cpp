// Error-log lines written while a request is being handled carry its id and trace.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "log/logging.hpp"

namespace ferry {
namespace {

class ErrorLogFields : public ::testing::TestWithParam<log_format> {
 protected:
  void SetUp() override {
    char name[] = "/tmp/ferry-error-log-XXXXXX";
    const int fd = ::mkstemp(name);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = name;
    logging_config cfg;
    cfg.error_log = path_;
    cfg.error_format = GetParam();
    log::configure(cfg);
  }
  void TearDown() override {
    log::configure(logging_config{});  // back to stderr
    std::remove(path_.c_str());
  }
  std::string contents() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string path_;
};

TEST_P(ErrorLogFields, InsideAndOutsideARequest) {
  request_identity identity;
  const std::string id = "req-1";
  std::copy(id.begin(), id.end(), identity.id_storage.begin());
  identity.id_length = static_cast<std::uint8_t>(id.size());
  identity.traced = true;
  identity.trace_id.fill('a');
  identity.span_id.fill('b');
  {
    const log::request_scope scope(identity);
    log::warn("inside");
  }
  log::warn("outside");
  const std::string text = contents();
  const auto inside = text.substr(0, text.find('\n'));
  const auto outside = text.substr(text.find('\n') + 1);
  const std::string trace(32, 'a');
  const std::string span(16, 'b');
  if (GetParam() == log_format::json) {
    EXPECT_NE(inside.find(R"("message":"inside","request_id":"req-1","trace_id":")" + trace + R"(","span_id":")" +
                          span + "\"}"),
              std::string::npos)
        << inside;
  } else {
    EXPECT_NE(inside.find("inside request_id=req-1 trace_id=" + trace + " span_id=" + span), std::string::npos)
        << inside;
  }
  EXPECT_EQ(outside.find("req-1"), std::string::npos) << outside;
  EXPECT_NE(outside.find("outside"), std::string::npos) << outside;
}

INSTANTIATE_TEST_SUITE_P(Formats, ErrorLogFields, ::testing::Values(log_format::text, log_format::json));

}  // namespace
}  // namespace ferry
