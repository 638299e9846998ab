// libFuzzer target: the JSON book reader and the clearings behind it.
// Any bytes must either be rejected with a Status or parse into a book that
// validate() accepts and that every mechanism clears without error, with the
// grid as counterparty (so community pricing runs too and every order is
// closed); nothing may crash, leak or trip a sanitizer. Corpus:
// tests/fuzz/corpus/book_reader/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "market/io/book_json.h"
#include "market/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wattle;
  using namespace wattle::market;
  BookLimits limits;
  limits.max_entries = 2000;  // keep each run fast; size limits are tested elsewhere
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Book> book = parse_book(text, limits);
  if (!book) return 0;
  if (!validate(*book, limits)) std::abort();  // the reader let an invalid book through
  Params tariffs;
  tariffs.values = {{"grid_buy", 250000}, {"grid_sell", 50000}};
  for (const MechanismInfo& m : mechanisms()) {
    Result<Clearing> c = clear(m.name, *book, tariffs);
    if (!c) std::abort();  // a valid book must clear with every mechanism
    (void)clearing_to_json(*book, *c);
  }
  return 0;
}
