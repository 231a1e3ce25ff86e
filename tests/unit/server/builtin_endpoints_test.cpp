// /healthz and /readyz are answered by the request handler before the file system.
#include <gtest/gtest.h>

#include "server/request_handler.hpp"
#include "temp_dir.hpp"

namespace ferry {
namespace {

class BuiltinEndpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.write("readyz", "a file\n");
    auto cfg = std::make_shared<config>();
    cfg->root = root_.path().string();
    site_ = std::make_unique<site>(cfg);
    req_.method = http_method::get;
    req_.method_name = "GET";
  }
  response ask(std::string_view path, bool draining) {
    req_.path = path;
    req_.target = path;
    request_context ctx;
    ctx.remote_address = ctx.peer_address = "127.0.0.1";
    ctx.draining = draining;
    response out;
    EXPECT_TRUE(handler_.handle(req_, ctx, *site_, out));
    return out;
  }

  test::temp_dir root_;
  std::unique_ptr<site> site_;
  file_caches files_{0};
  request_handler handler_{files_};
  request req_;
};

TEST_F(BuiltinEndpoints, ReadinessFollowsDraining) {
  auto out = ask("/readyz", false);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.text, "ready\n");
  EXPECT_TRUE(out.skip_access_log);
  out = ask("/readyz", true);
  EXPECT_EQ(out.status, 503);
  EXPECT_EQ(out.text, "draining\n");
}

TEST_F(BuiltinEndpoints, LivenessStaysUpWhileDraining) {
  const auto out = ask("/healthz", true);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.text, "alive\n");
  EXPECT_EQ(out.get("Cache-Control"), "no-store");
}

TEST_F(BuiltinEndpoints, OtherPathsReachTheFiles) {
  EXPECT_EQ(ask("/readyz/", false).status, 404);
  EXPECT_EQ(ask("/Readyz", false).status, 404);
  EXPECT_FALSE(ask("/nothing", false).skip_access_log);
}

}  // namespace
}  // namespace ferry
