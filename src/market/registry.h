// The catalogue of clearing mechanisms: names, parameters, guarantees.
//
// Callers (CLI, ledger, simulator, benches) look a mechanism up by name and
// call `clear`; parameter keys and ranges are checked against `params` first,
// so a mechanism only ever sees keys it declared.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "market/book/book.h"
#include "market/clearing/workspace.h"

namespace wattle::market {

struct ParamSpec {
  std::string name;
  int64_t default_value = 0;
  int64_t min = 0;
  int64_t max = 0;
  std::string doc;
};

struct MechanismInfo {
  std::string name;     // e.g. "uniform", "pay-as-bid", "cda"
  std::string summary;  // one line
  std::vector<ParamSpec> params;
  std::vector<std::string> properties;  // guarantees, e.g. "individual rationality"
  std::function<Result<Clearing>(const Book&, const Params&)> clear;
};

// Every mechanism, in display order.
const std::vector<MechanismInfo>& mechanisms();
// nullptr if unknown.
const MechanismInfo* find_mechanism(const std::string& name);
// Validates the book and params (unknown key, out of range) and clears it.
Result<Clearing> clear(const std::string& mechanism, const Book& book, const Params& params);

// The same into caller-owned buffers (workspace.h). `uniform` runs
// allocation-free in steady state; the other mechanisms build their result
// and move it into `out`. Validation of the book (validate()) is the
// caller's when `book_validated` is true (the chain validates at admission).
Status clear_into(const std::string& mechanism, const Book& book, const Params& params,
                  ClearingWorkspace& ws, Clearing& out, bool book_validated = false);

// Mechanisms contributed by registry_extra.cpp (McAfee, stable matching,
// community pricing, MUDA, average); registry.cpp appends them.
std::vector<MechanismInfo> extra_mechanisms();

}  // namespace wattle::market
