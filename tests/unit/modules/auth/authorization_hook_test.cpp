// Authorization hooks: an embedder's check after the rules. Registration, veto, fail-closed on
// exceptions, and that hooks never see (or reopen) what the rules refused.
#include "modules/auth/authorization_hook.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "modules/auth/authorization_policy.hpp"
#include "policy_test_support.hpp"

namespace ferry {
namespace {

using policy_test::test_request;
using policy_test::user;

// Refuses subjects on a blocklist; counts its calls.
class blocklist_hook : public authorization_hook {
 public:
  explicit blocklist_hook(std::string blocked, int status = 403) : blocked_(std::move(blocked)), status_(status) {}
  authorization_decision decide(const principal& who, const request_attributes&) override {
    calls.fetch_add(1);
    if (who.subject != blocked_) return authorization_decision::allow("not blocked");
    return status_ == 401 ? authorization_decision::unauthenticated("subject must log in again")
                          : authorization_decision::forbid("subject is blocked");
  }
  std::atomic<int> calls{0};

 private:
  std::string blocked_;
  int status_;
};

class throwing_hook : public authorization_hook {
 public:
  authorization_decision decide(const principal&, const request_attributes&) override {
    throw std::runtime_error("backend down");
  }
};

policy_spec open_and_closed() {
  policy_spec spec;
  policy_rule_spec open;
  open.name = "open";
  open.path = "/open/**";
  open.action = rule_action::allow;
  spec.rules.push_back(open);
  policy_rule_spec closed;
  closed.name = "closed";
  closed.path = "/closed/**";
  closed.action = rule_action::deny;
  spec.rules.push_back(closed);
  return spec;
}

TEST(authorization_hook, registry_add_remove_snapshot) {
  authorization_hook_registry registry;
  auto a = std::make_shared<blocklist_hook>("x");
  EXPECT_EQ(registry.add("a", a), "");
  EXPECT_NE(registry.add("a", a), "");  // names are unique
  EXPECT_NE(registry.add("", a), "");
  EXPECT_NE(registry.add("null", nullptr), "");
  EXPECT_EQ(registry.add("b", std::make_shared<throwing_hook>()), "");
  auto snap = registry.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].name, "a");
  EXPECT_EQ(snap[1].name, "b");
  EXPECT_TRUE(registry.remove("a"));
  EXPECT_FALSE(registry.remove("a"));
  EXPECT_EQ(registry.snapshot().size(), 1u);
  EXPECT_EQ(snap.size(), 2u);  // a snapshot does not change under its holder
}

TEST(authorization_hook, registered_hook_vetoes_after_the_rules) {
  auto hook = std::make_shared<blocklist_hook>("mallory");
  ASSERT_EQ(register_authorization_hook("test-blocklist", hook), "");
  auto built = authorization_policy::build(open_and_closed(), authorization_hooks().snapshot());
  ASSERT_TRUE(built) << built.error;
  EXPECT_TRUE(authorization_hooks().remove("test-blocklist"));  // the policy keeps its copy
  const authorization_policy& policy = built.value;

  test_request r;
  r.path = "/open/x";
  auto d = policy.decide(user(auth_method::jwt, "alice"), r.attributes());
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule_name, "open");
  EXPECT_EQ(hook->calls.load(), 1);

  d = policy.decide(user(auth_method::jwt, "mallory"), r.attributes());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.source, decision_source::hook);
  EXPECT_EQ(d.rule_name, "test-blocklist");
  EXPECT_EQ(d.rule_index, 0);  // the rule that had allowed it
  EXPECT_EQ(d.reason, "subject is blocked");
  EXPECT_EQ(hook->calls.load(), 2);

  // What the rules refuse never reaches the hook.
  r.path = "/closed/x";
  d = policy.decide(user(auth_method::jwt, "alice"), r.attributes());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.source, decision_source::rule);
  EXPECT_EQ(hook->calls.load(), 2);
}

TEST(authorization_hook, hook_may_ask_for_authentication_and_order_holds) {
  authorization_hook_registry registry;
  auto first = std::make_shared<blocklist_hook>("eve", 401);
  auto second = std::make_shared<blocklist_hook>("eve", 403);
  ASSERT_EQ(registry.add("first", first), "");
  ASSERT_EQ(registry.add("second", second), "");
  policy_spec spec = open_and_closed();
  spec.default_action = rule_action::allow;  // hooks also see default allows
  auto built = authorization_policy::build(std::move(spec), registry.snapshot());
  ASSERT_TRUE(built);
  test_request r;
  r.path = "/elsewhere";
  const auto d = built.value.decide(user(auth_method::basic, "eve"), r.attributes());
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.outcome, authorization_outcome::unauthenticated);
  EXPECT_EQ(d.rule_name, "first");
  EXPECT_EQ(second->calls.load(), 0);  // the first refusal ends it
}

TEST(authorization_hook, throwing_hook_fails_closed) {
  authorization_hook_registry registry;
  ASSERT_EQ(registry.add("broken", std::make_shared<throwing_hook>()), "");
  auto built = authorization_policy::build(open_and_closed(), registry.snapshot());
  ASSERT_TRUE(built);
  test_request r;
  r.path = "/open/x";
  const auto d = built.value.decide(principal{}, r.attributes());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.source, decision_source::hook);
}

}  // namespace
}  // namespace ferry
