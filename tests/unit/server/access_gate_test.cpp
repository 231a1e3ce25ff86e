// The request handler asks the auth module before any file lookup: refusals are 401/403 with
// the module's challenges whether or not the file exists, and the principal reaches the log.
#include <gtest/gtest.h>

#include <algorithm>

#include "server/request_handler.hpp"
#include "temp_dir.hpp"

namespace ferry {
namespace {

// Refuses everything under /private: 401 without an "Authorization: let-me-in" header.
class fake_checker final : public access_checker {
 public:
  void check(const access_request& r, access_decision& out) override {
    ++calls;
    last_path = std::string(r.path);
    if (!r.path.starts_with("/private/")) return;
    if (r.req->header("authorization") == "let-me-in") {
      out.principal = "alice";
      return;
    }
    out.status = 401;
    out.challenges = {"Bearer realm=\"test\"", "Basic realm=\"test\""};
  }
  int calls = 0;
  std::string last_path;
};

class AccessGate : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.write("private/a.txt", "secret\n");
    auto cfg = std::make_shared<config>();
    cfg->root = root_.path().string();
    site_ = std::make_unique<site>(cfg);
  }

  response ask(std::string_view target, std::string_view authorization = "") {
    request req;
    req.method = http_method::get;
    req.method_name = "GET";
    req.path = target;
    req.target = target;
    if (!authorization.empty()) req.add_header("authorization", authorization);
    request_context ctx;
    ctx.access = &checker_;
    response out;
    EXPECT_TRUE(handler_.handle(req, ctx, *site_, out));
    return out;
  }

  test::temp_dir root_;
  std::unique_ptr<site> site_;
  file_caches files_{0};
  request_handler handler_{files_};
  fake_checker checker_;
};

TEST_F(AccessGate, RefusedBeforeAnyLookup) {
  for (const auto* target : {"/private/a.txt", "/private/missing.txt"}) {
    const auto out = ask(target);
    EXPECT_EQ(out.status, 401) << target;  // the same answer: no existence oracle
    const auto fields = out.fields();
    const auto challenges = std::count_if(fields.begin(), fields.end(),
                                          [](const response_field& f) { return f.name == "WWW-Authenticate"; });
    EXPECT_EQ(challenges, 2);
    EXPECT_EQ(out.file, nullptr);
  }
  EXPECT_EQ(files_.stats().misses + files_.stats().hits, 0u);
}

TEST_F(AccessGate, AllowedRequestsCarryThePrincipal) {
  const auto out = ask("/private/a.txt", "let-me-in");
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.principal, "alice");
  EXPECT_EQ(ask("/private/missing.txt", "let-me-in").status, 404);
}

TEST_F(AccessGate, TheModuleSeesTheNormalisedPath) {
  EXPECT_EQ(ask("/public/../private/./a.txt").status, 401);
  EXPECT_EQ(checker_.last_path, "/private/a.txt");
  EXPECT_EQ(ask("/%70rivate/a.txt").status, 401);  // percent-decoded
}

}  // namespace
}  // namespace ferry
