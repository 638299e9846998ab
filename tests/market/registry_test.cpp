#include "market/registry.h"
#include "market/mechanisms/community.h"

#include <gtest/gtest.h>

#include <set>

#include "test_books.h"

namespace wattle::market {
namespace {

TEST(Registry, ListsOwnMechanismsFirstWithUniqueNames) {
  const auto& all = mechanisms();
  ASSERT_GE(all.size(), 5u);
  std::vector<std::string> first;
  for (size_t i = 0; i < 5; ++i) first.push_back(all[i].name);
  EXPECT_EQ(first,
            (std::vector<std::string>{"uniform", "pay-as-bid", "cda", "two-stage", "pro-rata"}));
  std::set<std::string> names;
  for (const auto& m : all) EXPECT_TRUE(names.insert(m.name).second) << m.name;
  for (size_t i = 0; i < 5; ++i) {
    const MechanismInfo& m = all[i];
    EXPECT_FALSE(m.summary.empty()) << m.name;
    EXPECT_FALSE(m.properties.empty()) << m.name;
    EXPECT_TRUE(m.clear) << m.name;
    for (const auto& p : m.params) {
      if (p.default_value == kMissingTariff) continue;  // optional tariffs: absent by default
      EXPECT_LE(p.min, p.default_value) << m.name << "." << p.name;
      EXPECT_LE(p.default_value, p.max) << m.name << "." << p.name;
    }
  }
  EXPECT_EQ(find_mechanism("nope"), nullptr);
  ASSERT_NE(find_mechanism("cda"), nullptr);
}

TEST(Registry, ClearValidatesTheBookFirst) {
  Book b = testing::book_of({testing::buy("b", 0, 1)});
  auto r = clear("uniform", b, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("energy_wh"), std::string::npos);
}

// The order-book mechanisms clear an empty book and a one-pair book with
// their default parameters.
TEST(Registry, OrderBookMechanismsClearTrivialBooks) {
  Book pair = testing::book_of({testing::buy("b", 1000, 200000), testing::sell("s", 1000, 100000)});
  for (const char* name : {"uniform", "pay-as-bid", "cda", "two-stage", "pro-rata"}) {
    const MechanismInfo& m = *find_mechanism(name);
    EXPECT_TRUE(clear(m.name, Book{}, {})) << m.name;
    auto r = clear(m.name, pair, {});
    EXPECT_TRUE(r) << m.name << ": " << r.status().to_string();
  }
}

}  // namespace
}  // namespace wattle::market
