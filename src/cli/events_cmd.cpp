// `wattle events`: the node's live event stream (WebSocket GET /v1/events)
// as JSON lines on stdout, one event per line, flushed as it arrives. With
// --from-height H, the committed events from block H on come first (each
// event's "cursor" says where to resume; docs/rpc.md).
#include <iostream>

#include "cli/commands.h"
#include "cli/host_port.h"
#include "cli/strict_int.h"
#include "core/address.h"
#include "rpc/event_client.h"

namespace wattle::cli {

void register_events_command(CLI::App& app) {
  static std::string rpc = "127.0.0.1:8645";
  static std::string account;
  static std::optional<uint64_t> count;
  static std::optional<uint64_t> from_height;
  auto* cmd = app.add_subcommand(
      "events",
      "Print the node's committed blocks, txs and market events as JSON lines, as they happen");
  cmd->add_option("--rpc", rpc, "Node HTTP API HOST:PORT")->capture_default_str();
  cmd->add_option("--count", count, "Exit 0 after this many events (default: run until stopped)")
      ->transform(decimal_in(1, UINT64_MAX));
  cmd->add_option("--account", account,
                  "Only txs sent or received by this address (wat1...); blocks are always shown");
  cmd->add_option("--from-height", from_height,
                  "Replay the committed events from this block height on (at most the last 1000 "
                  "blocks), then go on live")
      ->transform(decimal_in(0, UINT64_MAX));
  cmd->callback([] {
    auto [host, port] = parse_host_port(rpc);
    std::string query;
    if (!account.empty()) {
      auto addr = Address::parse(account);
      if (!addr) throw UserError("--account: " + addr.status().message());
      query += "account=" + addr->to_string();
    }
    if (from_height)
      query += (query.empty() ? "" : "&") + ("from_height=" + std::to_string(*from_height));
    const std::string target = "/v1/events" + (query.empty() ? "" : "?" + query);
    auto stream = rpc::EventClient::connect(host, port, target);
    if (!stream) throw UserError("cannot open the event stream: " + stream.status().message());
    for (uint64_t seen = 0; !count || seen < *count; ++seen) {
      auto message = stream->next();
      if (!message) throw UserError(message.status().message());
      std::cout << *message << std::endl;  // a line per event, visible at once
    }
    stream->close();
  });
}

}  // namespace wattle::cli
