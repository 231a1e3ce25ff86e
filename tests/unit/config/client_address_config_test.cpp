// [client_address] and the table form of listen entries ({ address, proxy_protocol }): what
// they load as, their defaults, and a file:line message for every kind of mistake.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_checks.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"

#ifndef FERRY_SOURCE_DIR
#define FERRY_SOURCE_DIR \
  (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path())
#endif

namespace ferry {
namespace {

const module_registry& no_modules() {
  static const module_registry registry;
  return registry;
}

config load(std::string_view text) {
  return load_config_string(text, "test.toml", no_modules());
}

std::vector<std::string> errors_of(std::string_view text) {
  try {
    load(text);
  } catch (const config_error& e) {
    std::vector<std::string> lines;
    std::istringstream in(e.what());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  return {};
}

std::string error_of(std::string_view text) {
  const auto errors = errors_of(text);
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? std::string() : errors.front();
}

// --- [client_address] -------------------------------------------------------------------------

TEST(ClientAddressConfig, DefaultsTrustNobody) {
  const config cfg = load("");
  EXPECT_TRUE(cfg.client_address.trusted_proxies.empty());
  EXPECT_EQ(cfg.client_address.header, client_address_header::x_forwarded_for);
  EXPECT_FALSE(cfg.client_address.resolves());
  // An empty table changes nothing.
  EXPECT_FALSE(load("[client_address]\n").client_address.resolves());
}

TEST(ClientAddressConfig, ReadsNetworksAndHeader) {
  const config cfg = load(
      "[client_address]\n"
      "trusted_proxies = [\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.7\", \"::ffff:10.0.0.0/104\"]\n"
      "header = \"forwarded\"\n");
  EXPECT_EQ(cfg.client_address.trusted_proxies,
            (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "::ffff:10.0.0.0/104"}));
  EXPECT_EQ(cfg.client_address.header, client_address_header::forwarded);
  EXPECT_TRUE(cfg.client_address.resolves());

  EXPECT_EQ(load("[client_address]\ntrusted_proxies = [\"10.0.0.0/8\"]\nheader = \"x-forwarded-for\"\n")
                .client_address.header,
            client_address_header::x_forwarded_for);
  const config none = load("[client_address]\ntrusted_proxies = [\"10.0.0.0/8\"]\nheader = \"none\"\n");
  EXPECT_EQ(none.client_address.header, client_address_header::none);
  EXPECT_FALSE(none.client_address.resolves());
  EXPECT_FALSE(load("[client_address]\ntrusted_proxies = []\n").client_address.resolves());
}

TEST(ClientAddressConfig, BadNetworksAreReportedAtTheirLines) {
  EXPECT_EQ(errors_of("[client_address]\n"
                      "trusted_proxies = [\n"
                      "  \"10.0.0.1/8\",\n"
                      "  \"10.0.0.0/33\",\n"
                      "  \"example.com\",\n"
                      "  \"fe80::1%eth0\",\n"
                      "  \"10.0.0.0/08\",\n"
                      "  \"2001:db8::/32\",\n"
                      "]\n"),
            (std::vector<std::string>{
                "test.toml:3: 'client_address.trusted_proxies[0]' = \"10.0.0.1/8\": has bits set after the prefix "
                "length (the network is 10.0.0.0/8)",
                "test.toml:4: 'client_address.trusted_proxies[1]' = \"10.0.0.0/33\": the prefix length after '/' "
                "must be a number from 0 to 32",
                "test.toml:5: 'client_address.trusted_proxies[2]' = \"example.com\": must be an IPv4 or IPv6 "
                "network such as \"10.0.0.0/8\" or \"fd00::/8\"",
                "test.toml:6: 'client_address.trusted_proxies[3]' = \"fe80::1%eth0\": must be an IPv4 or IPv6 "
                "network such as \"10.0.0.0/8\" or \"fd00::/8\"",
                "test.toml:7: 'client_address.trusted_proxies[4]' = \"10.0.0.0/08\": the prefix length after '/' "
                "must be a number from 0 to 32",
            }));
}

TEST(ClientAddressConfig, WrongTypesChoicesAndUnknownKeys) {
  EXPECT_EQ(error_of("client_address = 1\n"), "test.toml:1: 'client_address' must be a table (got integer)");
  EXPECT_EQ(error_of("[client_address]\ntrusted_proxies = \"10.0.0.0/8\"\n"),
            "test.toml:2: 'client_address.trusted_proxies' must be an array of strings (got string)");
  EXPECT_EQ(error_of("[client_address]\ntrusted_proxies = [10]\n"),
            "test.toml:2: 'client_address.trusted_proxies[0]' must be a string (got integer)");
  EXPECT_EQ(error_of("[client_address]\nheader = \"X-Forwarded-For\"\n"),
            "test.toml:2: 'client_address.header' must be one of \"x-forwarded-for\", \"forwarded\", \"none\" "
            "(got \"X-Forwarded-For\")");
  EXPECT_EQ(error_of("[client_address]\nheader = \"x-real-ip\"\n"),
            "test.toml:2: 'client_address.header' must be one of \"x-forwarded-for\", \"forwarded\", \"none\" "
            "(got \"x-real-ip\")");
  EXPECT_EQ(error_of("[client_address]\ntrusted = [\"10.0.0.0/8\"]\n"),
            "test.toml:2: unknown key 'client_address.trusted'");
  // A bad list is not applied, even in part.
  EXPECT_EQ(errors_of("[client_address]\ntrusted_proxies = [\"10.0.0.0/8\", \"bad\"]\n").size(), 1u);
}

TEST(ClientAddressConfig, ValidateConfigChecksHandBuiltNetworks) {
  config cfg;
  cfg.root = std::filesystem::temp_directory_path().string();
  cfg.source = "v.toml";
  cfg.client_address.trusted_proxies = {"10.0.0.0/8", "10.0.0.1/8"};
  try {
    validate_config(cfg);
    ADD_FAILURE() << "validate_config accepted a network with host bits";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "v.toml: 'client_address.trusted_proxies[1]' = \"10.0.0.1/8\": has bits set "
                                     "after the prefix length (the network is 10.0.0.0/8)");
  }
  cfg.client_address.trusted_proxies = {"10.0.0.0/8", "::1"};
  EXPECT_NO_THROW(validate_config(cfg));
}

// --- check_network ----------------------------------------------------------------------------

TEST(CheckNetwork, AcceptsNetworksAndSingleAddresses) {
  for (const char* good : {"0.0.0.0/0", "10.0.0.0/8", "192.0.2.7", "192.0.2.7/32", "::/0", "::1", "::1/128",
                           "2001:db8::/32", "fe80::/10", "::ffff:10.0.0.0/104", "::ffff:192.0.2.1"}) {
    EXPECT_EQ(check_network(good), "") << good;
  }
}

TEST(CheckNetwork, RefusesEverythingElse) {
  const std::string not_a_network = "must be an IPv4 or IPv6 network such as \"10.0.0.0/8\" or \"fd00::/8\"";
  for (const char* bad : {"", "/8", "10.0.0/8", "127.1", "010.0.0.0/8", "10.0.0.0 /8", " 10.0.0.0", "[::1]",
                          "[::1]/128", "fe80::1%eth0", "localhost", "10.0.0.0/8/8"}) {
    const std::string problem = check_network(bad);
    EXPECT_FALSE(problem.empty()) << bad;
  }
  EXPECT_EQ(check_network("10.0.0.0/"), "the prefix length after '/' must be a number from 0 to 32");
  EXPECT_EQ(check_network("10.0.0.0/+8"), "the prefix length after '/' must be a number from 0 to 32");
  EXPECT_EQ(check_network("10.0.0.0/0008"), "the prefix length after '/' must be a number from 0 to 32");
  EXPECT_EQ(check_network("::/129"), "the prefix length after '/' must be a number from 0 to 128");
  EXPECT_EQ(check_network("2001:db8::1/32"), "has bits set after the prefix length (the network is 2001:db8::/32)");
  EXPECT_EQ(check_network("10.1.2.3/12"), "has bits set after the prefix length (the network is 10.0.0.0/12)");
  EXPECT_EQ(check_network(std::string_view("10.0.0.0\0/8", 11)), not_a_network);
  EXPECT_EQ(check_network(std::string(5000, '1')), not_a_network);
  EXPECT_EQ(check_network("10.0.0.0/99999999999999999999"),
            "the prefix length after '/' must be a number from 0 to 32");
}

// --- listen entries as tables ---------------------------------------------------------------------

TEST(ListenEntries, StringsAndTablesMix) {
  const config cfg = load(
      "listen = [\"127.0.0.1:80\", { address = \"[::1]:81\", proxy_protocol = true },\n"
      "          { address = \"0.0.0.0:82\" }, { address = \"0.0.0.0:83\", proxy_protocol = false }]\n");
  ASSERT_EQ(cfg.listeners.size(), 4u);
  EXPECT_EQ(cfg.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(cfg.listeners[0].port, 80);
  EXPECT_FALSE(cfg.listeners[0].proxy_protocol);
  EXPECT_EQ(cfg.listeners[1].host, "::1");
  EXPECT_EQ(cfg.listeners[1].port, 81);
  EXPECT_TRUE(cfg.listeners[1].proxy_protocol);
  EXPECT_EQ(cfg.listeners[2].port, 82);
  EXPECT_FALSE(cfg.listeners[2].proxy_protocol);
  EXPECT_FALSE(cfg.listeners[3].proxy_protocol);
  EXPECT_FALSE(load("").listeners.front().proxy_protocol);
}

TEST(ListenEntries, TableMistakesAreReportedAtTheirLines) {
  EXPECT_EQ(error_of("listen = [\n  { proxy_protocol = true },\n]\n"),
            "test.toml:2: 'listen[0].address' is required");
  EXPECT_EQ(error_of("listen = [\n  { address = \"0.0.0.0:80\", proxy = true },\n]\n"),
            "test.toml:2: unknown key 'listen[0].proxy'");
  EXPECT_EQ(error_of("listen = [{ address = \"0.0.0.0:80\", proxy_protocol = \"yes\" }]\n"),
            "test.toml:1: 'listen[0].proxy_protocol' must be a boolean (true or false) (got string)");
  EXPECT_EQ(error_of("listen = [{ address = 80 }]\n"), "test.toml:1: 'listen[0].address' must be a string (got integer)");
  EXPECT_EQ(error_of("listen = [\"0.0.0.0:80\",\n  { address = \"0.0.0.0:70000\" }]\n"),
            "test.toml:2: 'listen[1].address' = \"0.0.0.0:70000\": port \"70000\" is out of range (0..65535)");
  // One address is one listener, whatever the form: it cannot be both with and without PROXY.
  EXPECT_EQ(error_of("listen = [\"0.0.0.0:80\",\n  { address = \"0.0.0.0:80\", proxy_protocol = true }]\n"),
            "test.toml:2: 'listen[1].address' = \"0.0.0.0:80\": listed twice");
  EXPECT_EQ(error_of("listen = [true]\n"),
            "test.toml:1: 'listen[0]' must be a listen address (\"HOST:PORT\") or a table { address = "
            "\"HOST:PORT\", ... } (got boolean)");
  EXPECT_EQ(error_of("listen = [[\"0.0.0.0:80\"]]\n"),
            "test.toml:1: 'listen[0]' must be a listen address (\"HOST:PORT\") or a table { address = "
            "\"HOST:PORT\", ... } (got array)");
  // Every bad entry is reported, and the list is not applied.
  EXPECT_EQ(errors_of("listen = [{ address = \"x\" },\n  { address = \"0.0.0.0:1\", bogus = 1 }]\n").size(), 2u);
}

// --- the example file and the reference -----------------------------------------------------------

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ClientAddressConfig, ExampleAndReferenceMentionIt) {
  const std::filesystem::path source(FERRY_SOURCE_DIR);
  std::string example = read_text(source / "config" / "ferry.toml");
  ASSERT_FALSE(example.empty());
  // The example's block, uncommented, loads and sets the table.
  const std::size_t start = example.find("#~ [client_address]");
  ASSERT_NE(start, std::string::npos);
  std::string block;
  std::istringstream in(example.substr(start));
  for (std::string line; std::getline(in, line) && line.rfind("#", 0) == 0;) {
    if (line.rfind("#~ ", 0) == 0) block += line.substr(3) + "\n";
  }
  const config cfg = load(block);
  EXPECT_TRUE(cfg.client_address.resolves());
  const std::string docs = read_text(source / "docs" / "configuration.md");
  for (const char* text : {"[client_address]", "`trusted_proxies`", "`header`", "`proxy_protocol`"}) {
    EXPECT_NE(docs.find(text), std::string::npos) << text << " is missing from docs/configuration.md";
  }
  for (const char* text : {"#~ [client_address]", "#~ trusted_proxies = ", "#~ header = ", "proxy_protocol = true"}) {
    EXPECT_NE(example.find(text), std::string::npos) << text << " is missing from config/ferry.toml";
  }
}

}  // namespace
}  // namespace ferry
