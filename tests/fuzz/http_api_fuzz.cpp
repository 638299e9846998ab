// Fuzzes the HTTP API's routing and request validation (rpc::Api::handle):
// any method, target and body must produce a well-formed JSON response with
// a status code and never crash, throw or hang. Input layout: first byte
// picks the method, then the target up to the first '\n', then the body.
#include <nlohmann/json.hpp>

#include "rpc/api.h"
#include "rpc/fake_chain_service.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static wattle::rpc::testing::FakeChainService chain;
  static const wattle::rpc::Api api(chain, 64);
  if (size == 0) return 0;
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "HEAD"};
  std::string_view method = kMethods[data[0] % 5];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nl = rest.find('\n');
  std::string_view target = rest.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  wattle::rpc::ApiResponse r = api.handle(method, target, body);
  if (r.status < 200 || r.status > 599) __builtin_trap();
  if (r.content_type.find("json") != std::string::npos &&
      nlohmann::json::parse(r.body, nullptr, false).is_discarded())
    __builtin_trap();  // every JSON response must parse
  return 0;
}
