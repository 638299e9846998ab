// The certificates module's commands (docs/certificates.md, "Commands"):
//   wattle tx register-device --meter HEX --account wat1... --technology T --capacity-w W --key K
//   wattle tx cert transfer --bundle ID --wh WH --to wat1... --key K
//   wattle tx cert cancel --bundle ID --wh WH --slot S --key K
//   wattle query certificates wat1... [--slot S | --from S1 --to S2]
//   wattle query matching wat1... --from S1 --to S2
#include <iostream>

#include "cli/client_call.h"
#include "cli/commands.h"
#include "cli/strict_int.h"
#include "modules/certificates/cert_txs.h"

namespace wattle::cli {

namespace {

using modules::CertCancel;
using modules::CertTransfer;
using modules::RegisterDevice;
using nlohmann::json;

Endpoint cert_ep;

Address parse_address(const std::string& flag, const std::string& text) {
  auto a = Address::parse(text);
  if (!a) throw UserError(flag + ": " + a.status().message());
  return *a;
}

void add_register_device(CLI::App* tx) {
  auto* c = tx->add_subcommand("register-device",
                               "Operator only: a production device behind a registered meter");
  static TxFlags f;
  static std::string meter, account, technology;
  static uint64_t capacity = 0;
  c->add_option("--meter", meter, "The meter's public key (64 hex)")->required();
  c->add_option("--account", account, "The meter's household address (wat1...)")->required();
  c->add_option("--technology", technology, "solar, wind, battery or other")
      ->required()
      ->check(CLI::IsMember({"solar", "wind", "battery", "other"}));
  c->add_option("--capacity-w", capacity, "Rated capacity in W")
      ->required()
      ->transform(decimal_in(1, modules::kMaxCapacityW));
  add_tx_flags(c, f, cert_ep, "The market operator's key file");
  c->callback([] {
    auto pk = PublicKey::from_hex(meter);
    if (!pk) throw UserError("--meter: " + pk.status().message());
    const RegisterDevice d{*pk, parse_address("--account", account),
                           *modules::technology_from_name(technology), capacity};
    std::cout << submit_tx(cert_ep, f, modules::to_payload(d)).dump(2) << "\n";
  });
}

void add_cert_transfer(CLI::App* cert) {
  auto* c = cert->add_subcommand("transfer", "Move Wh of a bundle you hold (splits it)");
  static TxFlags f;
  static uint64_t bundle = 0;
  static int64_t wh = 0;
  static std::string to;
  c->add_option("--bundle", bundle, "Bundle id")->required()->transform(decimal_in(0, UINT64_MAX));
  c->add_option("--wh", wh, "Wh to move (> 0)")->required()->transform(decimal_in(1, INT64_MAX));
  c->add_option("--to", to, "Recipient address (wat1...)")->required();
  add_tx_flags(c, f, cert_ep, "The holder's key file");
  c->callback([] {
    const CertTransfer t{bundle, Energy(wh), parse_address("--to", to)};
    std::cout << submit_tx(cert_ep, f, modules::to_payload(t)).dump(2) << "\n";
  });
}

void add_cert_cancel(CLI::App* cert) {
  auto* c = cert->add_subcommand("cancel",
                                 "Claim Wh of a bundle against your own metered import in a slot");
  static TxFlags f;
  static uint64_t bundle = 0, slot = 0;
  static int64_t wh = 0;
  c->add_option("--bundle", bundle, "Bundle id")->required()->transform(decimal_in(0, UINT64_MAX));
  c->add_option("--wh", wh, "Wh to cancel (> 0)")->required()->transform(decimal_in(1, INT64_MAX));
  c->add_option("--slot", slot, "Your consumption slot")
      ->required()
      ->transform(decimal_in(0, UINT64_MAX));
  add_tx_flags(c, f, cert_ep, "The holder's key file");
  c->callback([] {
    const CertCancel t{bundle, Energy(wh), slot};
    std::cout << submit_tx(cert_ep, f, modules::to_payload(t)).dump(2) << "\n";
  });
}

// "?from=A&to=B", "?slot=S" or "" from the range flags.
std::string range_query(const std::optional<uint64_t>& slot, const std::optional<uint64_t>& from,
                        const std::optional<uint64_t>& to) {
  if (slot) {
    if (from || to) throw UserError("give --slot or --from and --to, not both");
    return "?slot=" + std::to_string(*slot);
  }
  if (from.has_value() != to.has_value()) throw UserError("give both --from and --to");
  if (!from) return "";
  return "?from=" + std::to_string(*from) + "&to=" + std::to_string(*to);
}

void add_certificates_query(CLI::App* query) {
  auto* c = query->add_subcommand("certificates",
                                  "An account's certificate bundles: device, slot, Wh, status");
  static std::string address;
  static std::optional<uint64_t> slot, from, to;
  c->add_option("--rpc", cert_ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  c->add_option("address", address, "address")->required();
  c->add_option("--slot", slot, "Only this production (or claimed) slot")
      ->transform(decimal_in(0, UINT64_MAX));
  c->add_option("--from", from, "First slot of the range")->transform(decimal_in(0, UINT64_MAX));
  c->add_option("--to", to, "Last slot of the range")->transform(decimal_in(0, UINT64_MAX));
  c->callback([] {
    parse_address("address", address);
    std::cout << call(cert_ep.rpc, "GET",
                      "/v1/certificates/holdings/" + address + range_query(slot, from, to))
                     .dump(2)
              << "\n";
  });
}

void add_matching_query(CLI::App* query) {
  auto* c = query->add_subcommand(
      "matching", "Per slot: consumed Wh, Wh matched by cancelled certificates, score %");
  static std::string address;
  static std::optional<uint64_t> from, to;
  c->add_option("--rpc", cert_ep.rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  c->add_option("address", address, "address")->required();
  c->add_option("--from", from, "First slot")->required()->transform(decimal_in(0, UINT64_MAX));
  c->add_option("--to", to, "Last slot")->required()->transform(decimal_in(0, UINT64_MAX));
  c->callback([] {
    parse_address("address", address);
    std::cout << call(cert_ep.rpc, "GET",
                      "/v1/accounts/" + address + "/matching" + range_query({}, from, to))
                     .dump(2)
              << "\n";
  });
}

}  // namespace

void add_certificate_txs(CLI::App* tx) {
  add_register_device(tx);
  auto* cert = tx->add_subcommand("cert", "Transfer or cancel energy certificates");
  cert->require_subcommand(1);
  add_cert_transfer(cert);
  add_cert_cancel(cert);
}

void add_certificate_queries(CLI::App* query) {
  add_certificates_query(query);
  add_matching_query(query);
}

}  // namespace wattle::cli
