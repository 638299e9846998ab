// A book's orders and cancels as one stream in arrival order, for the
// continuous mechanisms (cda, two-stage).
//
// Promise: sorted by `time`; equal times keep the input's order (orders by
// index, a cancel right before the order that followed it in the file, see
// Cancel::orders_before). Deterministic; O(n log n).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "market/book/book.h"
#include "market/book/id_index.h"

namespace wattle::market {

inline constexpr uint32_t kNoOrder = 0xffffffffu;

struct BookEvent {
  uint64_t time = 0;
  uint32_t pos = 0;  // order index, or orders_before for a cancel
  bool is_order = false;
  uint32_t index = 0;  // into Book::orders or Book::cancels
};

inline std::vector<BookEvent> events_in_time_order(const Book& book) {
  std::vector<BookEvent> ev;
  ev.reserve(book.orders.size() + book.cancels.size());
  for (uint32_t i = 0; i < book.orders.size(); ++i)
    ev.push_back(BookEvent{book.orders[i].time, i, true, i});
  for (uint32_t i = 0; i < book.cancels.size(); ++i)
    ev.push_back(BookEvent{book.cancels[i].time, book.cancels[i].orders_before, false, i});
  // A cancel with orders_before == i came before order i in the file.
  std::stable_sort(ev.begin(), ev.end(), [](const BookEvent& a, const BookEvent& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.pos != b.pos) return a.pos < b.pos;
    return !a.is_order && b.is_order;
  });
  return ev;
}

// For each cancel, the index of the order it names; kNoOrder if none (only
// in a book that fails validate()).
inline std::vector<uint32_t> cancel_targets(const Book& book) {
  std::vector<uint32_t> out;
  if (book.cancels.empty()) return out;
  IdIndex index_of(book.orders.size());
  for (uint32_t i = 0; i < book.orders.size(); ++i) index_of.insert(book.orders[i].id, i);
  out.reserve(book.cancels.size());
  for (const Cancel& c : book.cancels) out.push_back(index_of.find(c.target).value_or(kNoOrder));
  return out;
}

}  // namespace wattle::market
