// End to end: an Application (store, mempool, CheckTx, proposal, finalize,
// commit) with the market and certificates runs a day of 24 hourly slots:
// three PV households sell to three consumers; every device's issued Wh
// equals its metered export to the Wh, slot by slot; a consumer claims
// daytime certificates against its evening import only within the match
// window, its score over the evening is matched / consumed as the JSON
// view reports it; a double cancel is refused.
#include <gtest/gtest.h>

#include "cert_test_util.h"
#include "chain/application.h"
#include "rpc/certificate_json.h"

namespace wattle::chain::testing {
namespace {

constexpr int kHouses = 6;  // 0..2 with PV and a solar device, 3..5 consumers
constexpr int kPv = 3;

// The day's profile, Wh per hour h = 0..23 (the slot's index in the day).
int64_t pv_export(int house, int h) {
  if (house >= kPv) return 0;
  const int64_t base = std::max(0, 1500 - 250 * std::abs(h - 12));
  return base * (10 + 2 * house) / 10;
}
int64_t import_of(int house, int h) {
  if (house < kPv) return pv_export(house, h) == 0 ? 200 : 0;
  return 300 + (h >= 17 && h <= 21 ? 900 : 0) + 50 * (house - kPv);
}

class CertDay : public ::testing::Test {
 protected:
  CertDay() {
    MarketParams m = example_market();
    m.slot_seconds = 3600;
    CertParams c;
    c.match_window_slots = 2;
    c.reward_per_mwh[static_cast<size_t>(Technology::kSolar)] = 1'000'000;
    genesis_ = cert_genesis(kHouses, c);
    genesis_.market = m;
    day0_ = m.slot_of(genesis_.genesis_time_ms) + 1;
    genesis_.genesis_time_ms = m.slot_start_ms(day0_ - 1);
    auto store = Store::open(dir_.sub("chain"));
    EXPECT_TRUE(store.is_ok());
    AppConfig config;
    config.env = &env_;
    app_ = std::move(Application::open(genesis_, std::move(*store), config).value());
  }

  const MarketParams& m() const { return *genesis_.market; }
  uint64_t slot(int h) const { return day0_ + static_cast<uint64_t>(h); }

  Tx sign(const KeyPair& k, Payload p) {
    uint64_t& n = nonces_[Address::of(k.public_key())];
    return Tx::make_signed(genesis_.chain_id, k, n++, std::move(p));
  }
  // Admits `txs` and commits them in one block at `time_ms`.
  void commit(const std::vector<Tx>& txs, uint64_t time_ms) {
    env_.set_now_ms(time_ms);
    for (const Tx& tx : txs) {
      auto r = app_->check_tx(encode_to_bytes(tx));
      EXPECT_TRUE(r.status.is_ok()) << r.status.to_string();
    }
    auto p = app_->prepare_proposal(app_->head().height + 1, time_ms, user_key(0).public_key());
    ASSERT_TRUE(p.is_ok());
    EXPECT_EQ(p->block.txs.size(), txs.size()) << "a tx was dropped";
    ASSERT_TRUE(app_->finalize_block(p->block));
    ASSERT_TRUE(app_->commit().is_ok());
  }
  // CheckTx's verdict on one tx (its nonce is not used up).
  Code check(int house, Payload p) {
    const Tx tx = sign(user_key(house), std::move(p));
    --nonces_[tx.sender_address()];
    return app_->check_tx(encode_to_bytes(tx)).status.code();
  }
  nlohmann::json view(rpc::CertificateRequest r) {
    auto j = rpc::certificate_json(*app_, r);
    EXPECT_TRUE(j.is_ok()) << j.status().to_string();
    return j ? *j : nlohmann::json();
  }

  TempDir dir_;
  Genesis genesis_;
  InlineEnv env_;
  std::unique_ptr<Application> app_;
  uint64_t day0_ = 0;
  std::map<Address, uint64_t> nonces_;
};

TEST_F(CertDay, IssuedEqualsMeteredExportAndClaimsRespectTheWindow) {
  uint64_t t = genesis_.genesis_time_ms;
  std::vector<Tx> setup;
  for (int i = 0; i < kHouses; ++i)
    setup.push_back(sign(operator_key(), RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
  for (int i = 0; i < kPv; ++i) setup.push_back(sign(operator_key(), register_device(i)));
  commit(setup, t += 1000);
  // The whole day's orders, before the first gate.
  std::vector<Tx> orders;
  for (int h = 0; h < 24; ++h)
    for (int i = 0; i < kHouses; ++i) {
      if (i < kPv && pv_export(i, h) > 0)
        orders.push_back(
            sign(user_key(i), order(slot(h), market::Side::kSell, pv_export(i, h), 80'000)));
      if (i >= kPv)
        orders.push_back(
            sign(user_key(i), order(slot(h), market::Side::kBuy, import_of(i, h), 200'000)));
    }
  commit(orders, t += 1000);
  std::array<int64_t, kHouses> imp{}, exp{};
  for (int h = 0; h < 24; ++h) {
    std::vector<Tx> reads;
    for (int i = 0; i < kHouses; ++i) {
      imp[i] += import_of(i, h);
      exp[i] += pv_export(i, h);
      reads.push_back(sign(meter_key(i), reading(slot(h), imp[i], exp[i])));
    }
    commit(reads, m().slot_end_ms(slot(h)) + 1000);
    commit({}, m().settle_ms(slot(h)));
  }
  // Issued == metered export, per device and slot, to the Wh; ids tile.
  const StateReader& state = app_->committed_state();
  for (int i = 0; i < kPv; ++i) {
    int64_t issued_day = 0;
    for (int h = 0; h < 24; ++h) {
      auto rec =
          read_record<IssueRecord>(state, cert_keys::issue(meter_key(i).public_key(), slot(h)))
              .value();
      EXPECT_EQ(rec ? rec->issued.value() : 0, pv_export(i, h)) << "house " << i << " hour " << h;
      issued_day += rec ? rec->issued.value() : 0;
    }
    EXPECT_EQ(issued_day, exp[i]);
    auto device = view({rpc::CertificateRequest::Kind::kDevice, 0, meter_key(i).public_key()});
    EXPECT_EQ(device["technology"], "solar");
  }
  // Consumer 3 holds certificates of hour 17 (bought with the energy).
  const Address buyer = user_addr(3);
  auto held = account_certificates(state, buyer, slot(17), slot(17)).value();
  ASSERT_FALSE(held.empty());
  int64_t h17 = 0;
  for (const auto& v : held) h17 += v.bundle.wh.value();
  ASSERT_LE(h17, import_of(3, 19));
  // Hour 20 is three slots away: outside the window of 2.
  EXPECT_EQ(check(3, cert_cancel(held[0].id, 1, slot(20))), Code::kOutsideMatchWindow);
  std::vector<Tx> cancels;
  for (const auto& v : held)
    cancels.push_back(sign(user_key(3), cert_cancel(v.id, v.bundle.wh.value(), slot(19))));
  commit(cancels, m().settle_ms(slot(23)) + 1000);
  // A second cancel of the same bundle is refused.
  EXPECT_EQ(check(3, cert_cancel(held[0].id, 1, slot(19))), Code::kBundleInactive);
  // The evening score: matched only in hour 19, over hours 18..21's import.
  rpc::CertificateRequest r{rpc::CertificateRequest::Kind::kMatching};
  r.address = buyer;
  r.from = slot(18);
  r.to = slot(21);
  const nlohmann::json score = view(r);
  int64_t consumed = 0;
  for (int h = 18; h <= 21; ++h) consumed += import_of(3, h);
  EXPECT_EQ(score["consumed_wh"], consumed);
  EXPECT_EQ(score["matched_wh"], h17);
  const int64_t bp = h17 * 10'000 / consumed;
  EXPECT_EQ(score["score_pct"],
            std::to_string(bp / 100) + "." + (bp % 100 < 10 ? "0" : "") + std::to_string(bp % 100));
  for (const auto& s : score["slots"])
    if (s["slot"] != slot(19)) EXPECT_EQ(s["matched_wh"], 0);
}

}  // namespace
}  // namespace wattle::chain::testing
