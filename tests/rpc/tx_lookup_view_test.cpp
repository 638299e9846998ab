// GET /v1/txs/{hash}'s view of a dropped tx: "status":"dropped" with the
// height of the block that dropped it and the rule's stable code.
#include <gtest/gtest.h>

#include "rpc/json_view.h"

namespace wattle::rpc {
namespace {

TEST(TxLookupView, DroppedCarriesHeightCodeAndMessage) {
  TxLookup lookup;
  lookup.state = TxState::kDropped;
  lookup.height = 41;
  lookup.reason = Status(Code::kSlotClosed, "slot 7 closed at its gate");
  Hash256 hash;
  hash.bytes[0] = 0xab;
  const nlohmann::json j = tx_lookup_json(hash, lookup);
  EXPECT_EQ(j.at("status"), "dropped");
  EXPECT_EQ(j.at("height"), 41);
  EXPECT_EQ(j.at("code"), "slot_closed");
  EXPECT_EQ(j.at("message"), "slot 7 closed at its gate");
  EXPECT_EQ(j.at("hash"), hash.hex());
  EXPECT_FALSE(j.contains("index"));
}

TEST(TxLookupView, PendingAndCommittedAreUnchanged) {
  TxLookup pending;
  pending.state = TxState::kPending;
  EXPECT_EQ(tx_lookup_json(Hash256{}, pending).at("status"), "pending");
  EXPECT_FALSE(tx_lookup_json(Hash256{}, pending).contains("code"));
  TxLookup committed;
  committed.state = TxState::kCommitted;
  committed.height = 3;
  committed.index = 2;
  const nlohmann::json j = tx_lookup_json(Hash256{}, committed);
  EXPECT_EQ(j.at("status"), "committed");
  EXPECT_EQ(j.at("index"), 2);
  EXPECT_FALSE(j.contains("code"));
}

}  // namespace
}  // namespace wattle::rpc
