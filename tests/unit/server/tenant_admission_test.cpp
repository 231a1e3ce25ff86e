// Per-tenant admission: a host's own in-flight and connection caps, and fair shares of the
// worker's admission limit while the worker is full and several tenants are active.
#include "server/tenant_admission.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "server/admission_control.hpp"
#include "server/site.hpp"
#include "temp_dir.hpp"

namespace ferry {
namespace {

struct idle_waiter final : admission_waiter {
  void admitted() override {}
  void timed_out() override {}
};

class TenantAdmission : public ::testing::Test {
 protected:
  void build(bool fair_share, std::size_t shop_cap = 0, std::size_t shop_connections = 0) {
    auto cfg = std::make_shared<config>();
    cfg->root = root_.path().string();
    cfg->admission.adaptive = false;
    cfg->admission.max_inflight = 4;
    cfg->admission.queue_size = 4;
    cfg->admission.fair_share = fair_share;
    auto shop = std::make_shared<config>(*cfg);
    shop->tenant_caps.max_inflight = shop_cap;
    shop->tenant_caps.max_connections = shop_connections;
    cfg->vhosts.push_back({"shop", {"shop.example"}, shop});
    cfg->vhosts.push_back({"api", {"api.example"}, std::make_shared<config>(*cfg)});
    top_ = std::make_unique<site>(cfg);
    admission_ = std::make_unique<admission_control>(cfg->admission);
    tenants_.configure(*top_);
  }

  const site& shop() const { return top_->route("shop.example"); }
  const site& api() const { return top_->route("api.example"); }

  // Enters `host` as a connection would: tenant counts first, then the worker's admission.
  bool enter(const site& host) {
    std::uint32_t taken = 0;
    if (!tenants_.enter_request(host, *admission_, taken)) return false;
    taken_.push_back(taken);
    waiters_.push_back(std::make_unique<idle_waiter>());
    admission_->enter(*waiters_.back(), admission_control::clock::now());
    return true;
  }

  test::temp_dir root_;
  std::unique_ptr<site> top_;
  std::unique_ptr<admission_control> admission_;
  tenant_admission tenants_;
  std::vector<std::uint32_t> taken_;
  std::vector<std::unique_ptr<idle_waiter>> waiters_;
};

TEST_F(TenantAdmission, OwnInFlightCapCountsPerTenant) {
  build(false, 2);
  std::uint32_t a = 0, b = 0, c = 0, free_one = 0;
  EXPECT_TRUE(tenants_.enter_request(shop(), *admission_, a));
  EXPECT_TRUE(tenants_.enter_request(shop(), *admission_, b));
  EXPECT_FALSE(tenants_.enter_request(shop(), *admission_, c));  // max_inflight = 2
  EXPECT_EQ(c, 0u);
  EXPECT_EQ(tenants_.refused(), 1u);
  // No cap and no fair shares: never counted, never refused.
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(tenants_.enter_request(api(), *admission_, free_one));
  EXPECT_EQ(free_one, 0u);
  tenants_.leave_request(a);
  EXPECT_EQ(a, 0u);
  tenants_.leave_request(a);  // giving back twice is harmless
  EXPECT_TRUE(tenants_.enter_request(shop(), *admission_, c));
  EXPECT_FALSE(tenants_.enter_request(shop(), *admission_, a));
}

TEST_F(TenantAdmission, OwnConnectionCap) {
  build(false, 0, 1);
  std::uint32_t first = 0, second = 0, other = 0;
  EXPECT_TRUE(tenants_.enter_connection(shop(), first));
  EXPECT_TRUE(tenant_admission::counts_connection_for(shop(), first));
  EXPECT_FALSE(tenant_admission::counts_connection_for(api(), first));
  EXPECT_FALSE(tenants_.enter_connection(shop(), second));
  EXPECT_TRUE(tenants_.enter_connection(api(), other));  // no cap: nothing counted
  EXPECT_EQ(other, 0u);
  EXPECT_TRUE(tenant_admission::counts_connection_for(api(), other));
  tenants_.leave_connection(first);
  EXPECT_TRUE(tenants_.enter_connection(shop(), second));
}

TEST_F(TenantAdmission, ATenantAloneMayUseEverySlotAndHalfTheQueue) {
  build(true);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(enter(shop())) << i;  // 4 in flight, 2 queued
  EXPECT_EQ(admission_->queued(), 2u);
  EXPECT_EQ(tenants_.refused(), 0u);
  EXPECT_EQ(tenants_.active_tenants(), 1u);
  EXPECT_FALSE(enter(shop()));  // share 4 + 4 / 2: the rest of the queue is kept for others
  EXPECT_TRUE(enter(api()));    // which find room
  EXPECT_EQ(admission_->queued(), 3u);
}

TEST_F(TenantAdmission, WhileTheWorkerIsFullATenantPastItsShareIsRefused) {
  build(true);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(enter(shop()));
  ASSERT_TRUE(admission_->would_wait());
  EXPECT_TRUE(enter(api()));  // below its share: it waits in the queue
  EXPECT_EQ(tenants_.active_tenants(), 2u);
  EXPECT_FALSE(enter(shop()));  // 4 held, share ⌈4 / 2⌉ + 4 / 3 = 3
  EXPECT_EQ(admission_->rejected(), 1u);
  EXPECT_EQ(tenants_.refused(), 1u);
  EXPECT_TRUE(enter(api()));
  EXPECT_TRUE(enter(api()));
  EXPECT_FALSE(enter(api()));  // 3 = its share
  // The default host is a tenant too: share ⌈4 / 3⌉ + 4 / 4 = 3.
  EXPECT_TRUE(enter(*top_));
  EXPECT_EQ(tenants_.active_tenants(), 3u);
}

TEST_F(TenantAdmission, BelowTheLimitNobodyIsRefused) {
  build(true);
  ASSERT_TRUE(enter(api()));
  ASSERT_TRUE(enter(shop()));
  ASSERT_TRUE(enter(shop()));
  EXPECT_TRUE(enter(shop()));  // three of four slots: over its share, but the worker has room
  EXPECT_EQ(tenants_.refused(), 0u);
}

TEST_F(TenantAdmission, ATenantStopsCountingAsActiveASecondAfterItsLastRequest) {
  build(true);
  std::uint32_t api_request = 0;
  ASSERT_TRUE(tenants_.enter_request(api(), *admission_, api_request));
  tenants_.leave_request(api_request);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(enter(shop()));
  EXPECT_FALSE(enter(shop()));  // api was active just now: share 3
  for (std::uint32_t i = 0; i <= tenant_admission::active_ticks; ++i) tenants_.tick();
  EXPECT_EQ(tenants_.active_tenants(), 1u);
  EXPECT_TRUE(enter(shop()));  // alone: share 6
}

TEST_F(TenantAdmission, FairShareOffOrWithoutVirtualHosts) {
  build(false);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(enter(shop()));
  ASSERT_TRUE(enter(api()));
  EXPECT_TRUE(enter(shop()));
  EXPECT_EQ(tenants_.refused(), 0u);

  auto plain = std::make_shared<config>();
  plain->root = root_.path().string();
  const site alone(plain);
  tenant_admission tenants;
  tenants.configure(alone);
  std::uint32_t taken = 0;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(tenants.enter_request(alone, *admission_, taken));
  EXPECT_EQ(taken, 0u);  // nothing counted at all: the fast path
}

}  // namespace
}  // namespace ferry
