// Virtual hosts: which site serves an authority (exact names, the longest wildcard, the default
// host; case and a trailing dot ignored; anything odd goes to the default), the server-name
// check. The per-tenant caps' counting: tenant_admission_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "config/config_checks.hpp"
#include "server/file_caches.hpp"
#include "server/site.hpp"
#include "temp_dir.hpp"

namespace ferry {
namespace {

std::shared_ptr<config> host_settings(const config& top, std::size_t max_inflight = 0) {
  auto settings = std::make_shared<config>(top);
  settings->tenant_caps.max_inflight = max_inflight;
  return settings;
}

class VirtualHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = std::make_shared<config>();
    cfg->root = root_.path().string();
    cfg->vhosts.push_back({"shop", {"shop.example", "*.shop.example"}, host_settings(*cfg, 2)});
    cfg->vhosts.push_back({"eu", {"*.eu.shop.example"}, host_settings(*cfg)});
    cfg->vhosts.push_back({"api", {"api.example", "10.0.0.1"}, host_settings(*cfg)});
    top_ = std::make_unique<site>(cfg);
  }

  std::string route(std::string_view host) const { return top_->route(host).name; }

  test::temp_dir root_;
  std::unique_ptr<site> top_;
};

TEST_F(VirtualHosts, ExactNamesThenTheLongestWildcardThenTheDefault) {
  EXPECT_EQ(route("shop.example"), "shop");
  EXPECT_EQ(route("www.shop.example"), "shop");
  EXPECT_EQ(route("a.b.shop.example"), "shop");
  EXPECT_EQ(route("x.eu.shop.example"), "eu");  // longer wildcard wins
  EXPECT_EQ(route("eu.shop.example"), "shop");  // *.eu... does not cover eu... itself
  EXPECT_EQ(route("api.example"), "api");
  EXPECT_EQ(route("10.0.0.1"), "api");
  EXPECT_EQ(route("www.api.example"), "");
  EXPECT_EQ(route("xshop.example"), "");  // a wildcard matches whole labels only
  EXPECT_EQ(route("example"), "");
}

TEST_F(VirtualHosts, CaseAndATrailingDotDoNotMatter) {
  EXPECT_EQ(route("SHOP.Example"), "shop");
  EXPECT_EQ(route("Www.Shop.Example."), "shop");
  EXPECT_EQ(route("api.example."), "api");
}

TEST_F(VirtualHosts, OddAuthoritiesGoToTheDefaultHost) {
  EXPECT_EQ(route(""), "");
  EXPECT_EQ(route("."), "");
  EXPECT_EQ(route(std::string(300, 'a') + ".shop.example"), "");  // longer than any DNS name
  EXPECT_EQ(route(std::string("shop.example\0x", 14)), "");
  EXPECT_EQ(route("::1"), "");
}

TEST_F(VirtualHosts, EachHostHasItsOwnFileCache) {
  file_caches caches(0);
  auto& shop = caches.for_site(top_->route("shop.example"));
  auto& api = caches.for_site(top_->route("api.example"));
  auto& fallback = caches.for_site(*top_);
  EXPECT_NE(&shop, &api);
  EXPECT_NE(&shop, &fallback);
  EXPECT_EQ(&shop, &caches.for_site(top_->route("www.shop.example")));
}

TEST_F(VirtualHosts, EachHostDescribesItsFilesAndAnOlderConfigurationsCacheIsMadeAgain) {
  root_.write("a.txt", "alpha");
  auto cfg = std::make_shared<config>();
  cfg->root = root_.path().string();
  cfg->vhosts.push_back({"shop", {"shop.example"}, host_settings(*cfg)});
  cfg->vhosts.back().settings->mime_types["txt"] = "text/x-shop";
  const site old_top(cfg);
  const site& old_shop = old_top.route("shop.example");

  file_caches caches(0);
  EXPECT_EQ(caches.for_site(old_shop).open(old_shop.resolver, "/a.txt").facts.content_type, "text/x-shop");
  EXPECT_EQ(caches.for_site(old_top).open(old_top.resolver, "/a.txt").facts.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(caches.stats().misses, 2u);

  // The same host index in another configuration: its own cache, its own descriptions; the
  // counts of the cache it replaced are kept.
  cfg = std::make_shared<config>(*cfg);
  cfg->vhosts.back().settings = host_settings(*cfg);
  cfg->vhosts.back().settings->mime_types["txt"] = "text/x-new";
  const site new_top(cfg);
  const site& new_shop = new_top.route("shop.example");
  ASSERT_EQ(new_shop.index, old_shop.index);
  EXPECT_EQ(caches.for_site(new_shop).open(new_shop.resolver, "/a.txt").facts.content_type, "text/x-new");
  EXPECT_EQ(caches.stats().misses, 3u);
}

TEST_F(VirtualHosts, TenantIdsFollowTheNameAcrossConfigurations) {
  auto cfg = std::make_shared<config>();
  cfg->root = root_.path().string();
  cfg->vhosts.push_back({"api", {"api.example"}, host_settings(*cfg)});
  cfg->vhosts.push_back({"shop", {"shop.example"}, host_settings(*cfg)});
  const site reloaded(cfg);
  EXPECT_EQ(reloaded.route("shop.example").tenant_id, top_->route("shop.example").tenant_id);
  EXPECT_EQ(reloaded.route("api.example").tenant_id, top_->route("api.example").tenant_id);
  EXPECT_NE(reloaded.route("api.example").tenant_id, reloaded.route("shop.example").tenant_id);
  EXPECT_EQ(reloaded.tenant_id, 0u);
}

TEST(ServerNames, DnsNamesAndOneLeadingWildcard) {
  for (const char* good : {"example.com", "a-b.example", "*.example.com", "x", "10.0.0.1", "xn--bcher-kva.example"}) {
    EXPECT_EQ(check_server_name(good), "") << good;
  }
  for (const char* bad : {"", "*", "*.", "a.*.com", "*example.com", "a..b", ".a", "a.", "-a.b", "a-.b", "a_b.c",
                          "Example.com", "a b", "[::1]", "**.a"}) {
    EXPECT_NE(check_server_name(bad), "") << bad;
  }
  EXPECT_NE(check_server_name(std::string(64, 'a') + ".b"), "");
  EXPECT_NE(check_server_name(std::string(254, 'a')), "");
}

}  // namespace
}  // namespace ferry
