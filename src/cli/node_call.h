// One request to a node's HTTP API, answered as JSON: shared by every CLI
// command that talks to a node (tx, query, demo).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "rpc/http_client.h"

namespace wattle::cli {

// Sends the request and parses the JSON answer. Throws UserError when the
// node cannot be reached or answers with an error body ("code: message"),
// and std::runtime_error when the answer is not JSON (a bug in the node).
inline nlohmann::json node_call(rpc::HttpClient& client, const std::string& method,
                                const std::string& target, const std::string& body = "") {
  auto r = client.request(method, target, body);
  if (!r) throw UserError("cannot reach node: " + r.status().to_string());
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded())
    throw std::runtime_error("node sent invalid JSON: " + r->body.substr(0, 200));
  if (r->status >= 400)
    throw UserError(j.value("code", std::string("error")) + ": " +
                    j.value("message", std::string()));
  return j;
}

}  // namespace wattle::cli
