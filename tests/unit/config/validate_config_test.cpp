// validate_config: the final checks after command-line overrides.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/toml_values.hpp"

namespace ferry {
namespace {

namespace fs = std::filesystem;

class ValidateConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ferry_validate_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "www");
    std::ofstream(dir_ / "file.txt") << "x";
    cfg_.root = (dir_ / "www").string();
    cfg_.source = "v.toml";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The message validate_config throws, or "" when it accepts the config.
  std::string error() const {
    try {
      validate_config(cfg_);
    } catch (const config_error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
  config cfg_;
};

TEST_F(ValidateConfig, AcceptsDefaultsWithAnExistingRoot) {
  EXPECT_EQ(error(), "");
}

TEST_F(ValidateConfig, RootMustExistAndBeADirectory) {
  cfg_.root = (dir_ / "missing").string();
  // Quoted as a TOML string: a Windows path's backslashes appear escaped.
  EXPECT_EQ(error(), "v.toml: 'root' = " + quote_for_message(cfg_.root) + ": does not exist");
  cfg_.root = (dir_ / "file.txt").string();
  EXPECT_EQ(error(), "v.toml: 'root' = " + quote_for_message(cfg_.root) + ": is not a directory");
  cfg_.root = "";
  EXPECT_EQ(error(), "v.toml: 'root' is empty");
}

TEST_F(ValidateConfig, ListenersMustNotBeEmptyOrRepeated) {
  cfg_.listeners.clear();
  EXPECT_EQ(error(), "v.toml: 'listen' must list at least one address");
  cfg_.listeners = {{"::1", 80}, {"::1", 80}};
  EXPECT_EQ(error(), "v.toml: 'listen' has \"[::1]:80\" twice");
  cfg_.listeners = {{"", 80}};
  EXPECT_NE(error().find("missing host"), std::string::npos);
}

TEST_F(ValidateConfig, CommandLineValues) {
  cfg_.workers = 5000;
  EXPECT_EQ(error(), "v.toml: 'workers' must be between 0 and 1024 (got 5000)");
  cfg_.workers = 0;
  cfg_.logging.level = "verbose";
  EXPECT_EQ(
      error(),
      "v.toml: 'log.level' = \"verbose\": must be one of trace, debug, info, warn, error, critical, off");
  cfg_.logging.level = "warn";
  cfg_.logging.access_log = "";
  EXPECT_EQ(error(),
            "v.toml: 'log.access_log' = \"\": must be \"off\", \"stdout\", \"stderr\" or a file path");
}

TEST_F(ValidateConfig, IndexNamesAndPaths) {
  cfg_.index_files = {"index.html", "sub/index.html"};
  EXPECT_EQ(error(), "v.toml: 'files.index[1]' = \"sub/index.html\": must be a file name without '/'");
  cfg_.index_files = {};
  cfg_.spa_fallback = "app.html";
  EXPECT_EQ(error(),
            "v.toml: 'files.spa_fallback' = \"app.html\": must be an absolute path starting with '/'");
}

TEST_F(ValidateConfig, ErrorPageStatuses) {
  cfg_.error_pages[302] = "/moved.html";
  EXPECT_EQ(error(), "v.toml: 'error_pages.302': the status must be from 400 to 599");
}

TEST_F(ValidateConfig, HeaderRulesAndCors) {
  header_rule rule;
  rule.path = "/**";
  rule.has_cors = true;
  rule.cors.allow_origins = {"*"};
  rule.cors.allow_credentials = true;
  cfg_.headers.push_back(rule);
  EXPECT_EQ(error(),
            "v.toml: 'headers[0].cors': allow_credentials = true cannot be combined with the origin \"*\"");
  cfg_.headers[0].has_cors = false;
  cfg_.headers[0].set = {{"X-A", "a\nb"}};
  EXPECT_EQ(error(), "v.toml: 'headers[0].set.X-A' = \"a\\x0ab\": a header value must not contain CR or LF");
}

TEST_F(ValidateConfig, LimitsAndTimeouts) {
  cfg_.limits.max_uri_length = 10000;
  EXPECT_EQ(error(), "v.toml: 'limits.max_uri_length' must be between 16B and max_request_head (8KiB)");
  cfg_.limits.max_uri_length = 4096;
  cfg_.timeouts.idle = std::chrono::milliseconds(0);
  EXPECT_EQ(error(), "v.toml: 'timeouts.idle' must be between 1ms and 24h");
}

TEST_F(ValidateConfig, ReportsEveryProblem) {
  cfg_.listeners.clear();
  cfg_.workers = 2000;
  cfg_.server_header = "a\r\nb";
  const std::string message = error();
  EXPECT_NE(message.find("'listen'"), std::string::npos);
  EXPECT_NE(message.find("'workers'"), std::string::npos);
  EXPECT_NE(message.find("'server_header'"), std::string::npos);
}

TEST_F(ValidateConfig, LoadedConfigWithOverridesValidates) {
  config loaded = load_config_string("listen = [\"127.0.0.1:0\"]\n", "v.toml", module_registry{});
  loaded.root = cfg_.root;
  EXPECT_NO_THROW(validate_config(loaded));
}

}  // namespace
}  // namespace ferry
