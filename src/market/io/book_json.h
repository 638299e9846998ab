// The JSON forms of books, clearings and parameters (the `wattle market` CLI,
// docs/market.md). Text in, text out: no files, no streams.
//
// Book input (integers only; see docs/market.md):
//   {"orders": [{"id": "b1", "side": "buy", "energy_wh": 1500, "price": 250000},
//               {"id": "s1", "side": "sell", "energy_wh": 2000, "price": 80000, "time": 2,
//                "location": [120, 40], "green_pct": 100},
//               {"id": "c1", "cancel": "b1", "time": 3}]}
// Promise: parse_book() accepts exactly this format. It rejects invalid JSON,
// duplicate keys, unknown or missing fields, wrong types (a float, string or
// bool where an integer is due), nesting beyond the format, then everything
// validate() rejects. Every message names the entry (`order "b1"`, or
// `orders[3]` before an id is known) and the field. `time` defaults to the
// entry's position in the array. No exceptions escape.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "market/book/book.h"

namespace wattle::market {

Result<Book> parse_book(std::string_view text, const BookLimits& limits = {});

// The clearing as the output JSON: orders by their ids, "grid" for the grid,
// clearing_price null where the mechanism has none. One trade / fill per line.
std::string clearing_to_json(const Book& book, const Clearing& clearing);

// "KEY=VALUE" strings (VALUE a decimal int64) into Params; rejects a missing
// '=', an empty key, a non-integer value and a key given twice.
Result<Params> parse_params(const std::vector<std::string>& key_values);

// The whole of `wattle market clear`: parameters, book text -> output JSON.
// Any error is the message the CLI prints (exit 1, nothing on stdout).
Result<std::string> clear_book_text(const std::string& mechanism,
                                    const std::vector<std::string>& key_values,
                                    std::string_view book_text);

}  // namespace wattle::market
