#include "market/io/book_json.h"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "market/registry.h"

namespace wattle::market {

namespace {

using nlohmann::json;

// First pass over the text: syntax errors with their position, duplicate keys
// (which the DOM parser would silently merge) and nesting deeper than the
// format (so no hostile input can make the DOM deep).
class Checker : public nlohmann::json_sax<json> {
 public:
  explicit Checker(size_t max_entries) : max_entries_(max_entries) {}
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (depth_ == 2 && ++entry_ >= static_cast<long long>(max_entries_)) {
      // Stop at the first entry over the limit: no tree is ever built for it.
      error_ = "book: orders has more than " + std::to_string(max_entries_) +
               " entries, over the maximum of " + std::to_string(max_entries_);
      too_large_ = true;
      return false;
    }
    return push(true);
  }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second) return fail("duplicate field \"" + k + "\"");
    return true;
  }
  bool end_object() override { return pop(); }
  bool start_array(std::size_t) override { return push(false); }
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    auto close = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && close != std::string::npos)
      what = what.substr(close + 2);
    error_ = "invalid JSON: " + what;
    return false;
  }

  const std::string& error() const { return error_; }
  bool too_large() const { return too_large_; }

 private:
  bool push(bool object) {
    if (++depth_ > 4) return fail("nested deeper than the book format allows");
    keys_.emplace_back();
    (void)object;
    return true;
  }
  bool pop() {
    --depth_;
    keys_.pop_back();
    return true;
  }
  bool fail(const std::string& what) {
    error_ = (entry_ >= 0 && depth_ >= 3 ? "orders[" + std::to_string(entry_) + "]" : "book") +
             ": " + what;
    return false;
  }

  size_t max_entries_;
  bool too_large_ = false;
  int depth_ = 0;
  long long entry_ = -1;  // index of the current entry of "orders"
  std::vector<std::set<std::string>> keys_;
  std::string error_;
};

Status err(Code code, const std::string& who, const std::string& what) {
  return Status(code, who + ": " + what);
}

std::string type_of(const json& v) {
  if (v.is_number_float()) return "a float (" + v.dump() + ")";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "a " + std::string(v.type_name());
}

// An integer field in [min, max]; floats, strings, booleans are type errors.
Status get_int(const json& v, const std::string& who, const char* field, int64_t min, int64_t max,
               int64_t* out) {
  if (!v.is_number_integer())
    return err(Code::kMalformed, who,
               std::string(field) + " must be an integer, got " + type_of(v));
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max))
    return err(Code::kInvalidArgument, who,
               std::string(field) + " " + v.dump() + " over the maximum of " + std::to_string(max));
  int64_t x = v.get<int64_t>();
  if (x < min)
    return err(Code::kInvalidArgument, who,
               std::string(field) + " must be >= " + std::to_string(min) + " (got " +
                   std::to_string(x) + ")");
  if (x > max)
    return err(Code::kInvalidArgument, who,
               std::string(field) + " " + std::to_string(x) + " over the maximum of " +
                   std::to_string(max));
  *out = x;
  return Status::ok();
}

Status get_string(const json& v, const std::string& who, const char* field, std::string* out) {
  if (!v.is_string())
    return err(Code::kMalformed, who, std::string(field) + " must be a string, got " + type_of(v));
  *out = v.get<std::string>();
  return Status::ok();
}

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

// The name an entry's errors carry: orders[pos] until its id is read, then
// its kind and id (cut to the id length limit).
std::string entry_name(bool is_cancel, const std::string& id, const BookLimits& limits) {
  if (id.size() > limits.max_id_length)
    return std::string(is_cancel ? "cancel" : "order") + " \"" +
           id.substr(0, limits.max_id_length) + "...\"";
  return std::string(is_cancel ? "cancel" : "order") + " \"" + id + "\"";
}

// Every key of the entry is one its kind knows.
Status check_fields(const json& e, bool is_cancel, const std::string& who) {
  static const std::set<std::string> kOrderFields = {
      "id",       "side",      "energy_wh", "price",    "time",
      "location", "green_pct", "owner",     "partners", "require_green"};
  static const std::set<std::string> kCancelFields = {"id", "cancel", "time"};
  const auto& allowed = is_cancel ? kCancelFields : kOrderFields;
  for (const auto& [key, value] : e.items())
    if (allowed.count(key) == 0)
      return err(Code::kMalformed, who,
                 "unknown field \"" + key + "\"" + (is_cancel ? " in a cancel entry" : ""));
  return Status::ok();
}

// The required fields of an order: side, energy_wh and price.
Status parse_side_energy_price(const json& e, const std::string& who, const BookLimits& limits,
                               Order& o) {
  for (const char* f : {"side", "energy_wh", "price"})
    if (!e.contains(f))
      return err(Code::kMalformed, who, "missing field \"" + std::string(f) + "\"");
  std::string side;
  WATTLE_RETURN_IF_ERROR(get_string(e["side"], who, "side", &side));
  if (side == "buy")
    o.side = Side::kBuy;
  else if (side == "sell")
    o.side = Side::kSell;
  else
    return err(Code::kInvalidArgument, who,
               "side must be \"buy\" or \"sell\" (got " +
                   json(side).dump(-1, ' ', false, json::error_handler_t::replace) + ")");
  int64_t v = 0;
  WATTLE_RETURN_IF_ERROR(get_int(e["energy_wh"], who, "energy_wh", 1, limits.max_energy_wh, &v));
  o.energy = Energy(v);
  WATTLE_RETURN_IF_ERROR(get_int(e["price"], who, "price", 0, limits.max_price, &v));
  o.price = Price(v);
  return Status::ok();
}

// "partners": a bounded list of owners.
Status parse_partners(const json& ps, const std::string& who, Order& o) {
  if (!ps.is_array())
    return err(Code::kMalformed, who, "partners must be a list of owners, got " + type_of(ps));
  if (ps.size() > kMaxPartners)
    return err(Code::kInvalidArgument, who,
               "partners has " + std::to_string(ps.size()) + " owners, over the maximum of " +
                   std::to_string(kMaxPartners));
  for (size_t k = 0; k < ps.size(); ++k) {
    std::string partner;
    WATTLE_RETURN_IF_ERROR(
        get_string(ps[k], who, ("partners[" + std::to_string(k) + "]").c_str(), &partner));
    o.partners.push_back(std::move(partner));
  }
  return Status::ok();
}

// The optional fields of an order: location, green_pct, owner, partners,
// require_green.
Status parse_order_options(const json& e, const std::string& who, const BookLimits& limits,
                           Order& o) {
  if (auto l = e.find("location"); l != e.end()) {
    if (!l->is_array() || l->size() != 2)
      return err(Code::kMalformed, who, "location must be an array [x, y] of two integers");
    Location loc;
    WATTLE_RETURN_IF_ERROR(get_int((*l)[0], who, "location x", -limits.max_coordinate_m,
                                   limits.max_coordinate_m, &loc.x));
    WATTLE_RETURN_IF_ERROR(get_int((*l)[1], who, "location y", -limits.max_coordinate_m,
                                   limits.max_coordinate_m, &loc.y));
    o.location = loc;
  }
  if (auto g = e.find("green_pct"); g != e.end()) {
    int64_t v = 0;
    WATTLE_RETURN_IF_ERROR(get_int(*g, who, "green_pct", 0, 100, &v));
    o.green_pct = v;
  }
  if (auto w = e.find("owner"); w != e.end()) {
    WATTLE_RETURN_IF_ERROR(get_string(*w, who, "owner", &o.owner));
    if (o.owner.empty() || o.owner.size() > kMaxOwnerLength)
      return err(Code::kInvalidArgument, who,
                 "owner must be 1.." + std::to_string(kMaxOwnerLength) + " bytes (got " +
                     std::to_string(o.owner.size()) + ")");
  }
  if (auto ps = e.find("partners"); ps != e.end())
    WATTLE_RETURN_IF_ERROR(parse_partners(*ps, who, o));
  if (auto g = e.find("require_green"); g != e.end()) {
    if (!g->is_boolean())
      return err(Code::kMalformed, who, "require_green must be true or false, got " + type_of(*g));
    o.require_green = g->get<bool>();
  }
  return Status::ok();
}

Status parse_entry(const json& e, size_t pos, const BookLimits& limits, Book* book) {
  std::string who = "orders[" + std::to_string(pos) + "]";
  if (!e.is_object()) return err(Code::kMalformed, who, "must be an object, got " + type_of(e));
  auto id_it = e.find("id");
  if (id_it == e.end()) return err(Code::kMalformed, who, "missing field \"id\"");
  std::string id;
  WATTLE_RETURN_IF_ERROR(get_string(*id_it, who, "id", &id));
  const bool is_cancel = e.contains("cancel");
  who = entry_name(is_cancel, id, limits);
  WATTLE_RETURN_IF_ERROR(check_fields(e, is_cancel, who));
  int64_t time = static_cast<int64_t>(pos);
  if (auto t = e.find("time"); t != e.end())
    WATTLE_RETURN_IF_ERROR(get_int(*t, who, "time", 0, kI64Max, &time));

  if (is_cancel) {
    Cancel c;
    c.id = std::move(id);
    WATTLE_RETURN_IF_ERROR(get_string(e["cancel"], who, "cancel", &c.target));
    c.time = static_cast<uint64_t>(time);
    c.orders_before = static_cast<uint32_t>(book->orders.size());
    book->cancels.push_back(std::move(c));
    return Status::ok();
  }
  Order o;
  o.id = std::move(id);
  WATTLE_RETURN_IF_ERROR(parse_side_energy_price(e, who, limits, o));
  o.time = static_cast<uint64_t>(time);
  WATTLE_RETURN_IF_ERROR(parse_order_options(e, who, limits, o));
  book->orders.push_back(std::move(o));
  return Status::ok();
}

std::string quote(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Result<Book> parse_book(std::string_view text, const BookLimits& limits) {
  if (text.size() > limits.max_input_bytes)
    return Status(Code::kTooLarge, "book: " + std::to_string(text.size()) +
                                       " bytes, over the size cap of " +
                                       std::to_string(limits.max_input_bytes) + " bytes");
  Checker checker(limits.max_entries);
  if (!json::sax_parse(text, &checker))
    return Status(checker.too_large() ? Code::kTooLarge : Code::kMalformed, checker.error());
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status(Code::kMalformed, "invalid JSON");
  if (!doc.is_object())
    return Status(Code::kMalformed, "book: must be an object {\"orders\": [...]}");
  for (const auto& [key, value] : doc.items())
    if (key != "orders") return Status(Code::kMalformed, "book: unknown field \"" + key + "\"");
  auto orders = doc.find("orders");
  if (orders == doc.end()) return Status(Code::kMalformed, "book: missing field \"orders\"");
  if (!orders->is_array())
    return Status(Code::kMalformed, "book: orders must be an array, got " + type_of(*orders));
  if (orders->size() > limits.max_entries)
    return Status(Code::kTooLarge, "book: orders has " + std::to_string(orders->size()) +
                                       " entries, over the maximum of " +
                                       std::to_string(limits.max_entries));
  Book book;
  book.orders.reserve(orders->size());
  for (size_t i = 0; i < orders->size(); ++i)
    WATTLE_RETURN_IF_ERROR(parse_entry((*orders)[i], i, limits, &book));
  WATTLE_RETURN_IF_ERROR(validate(book, limits));
  return book;
}

std::string clearing_to_json(const Book& book, const Clearing& c) {
  auto name = [&](uint32_t idx) {
    return idx == kGrid || idx >= book.orders.size() ? std::string("\"grid\"")
                                                     : quote(book.orders[idx].id);
  };
  std::string out;
  out += "{\"mechanism\": " + quote(c.mechanism) + ", \"clearing_price\": ";
  out += c.clearing_price ? std::to_string(c.clearing_price->value()) : "null";
  out += ",\n \"trades\": [";
  for (size_t i = 0; i < c.trades.size(); ++i) {
    const Trade& t = c.trades[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out += "{\"buy\": " + name(t.buy) + ", \"sell\": " + name(t.sell) +
           ", \"energy_wh\": " + std::to_string(t.energy.value()) +
           ", \"buy_price\": " + std::to_string(t.buy_price.value()) +
           ", \"sell_price\": " + std::to_string(t.sell_price.value()) + "}";
  }
  out += c.trades.empty() ? "],\n" : "\n ],\n";
  out += " \"fills\": [";
  for (size_t i = 0; i < c.fills.size(); ++i) {
    const Fill& f = c.fills[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out += "{\"id\": " + name(f.order) + ", \"energy_wh\": " + std::to_string(f.energy.value()) +
           ", \"amount\": " + std::to_string(f.amount.value()) + "}";
  }
  out += c.fills.empty() ? "],\n" : "\n ],\n";
  const Totals& t = c.totals;
  out += " \"totals\": {\"energy_wh\": " + std::to_string(t.energy.value()) +
         ", \"buyers_pay\": " + std::to_string(t.buyers_pay.value()) +
         ", \"sellers_get\": " + std::to_string(t.sellers_get.value()) +
         ", \"grid_net\": " + std::to_string(t.grid_net.value()) +
         ", \"surplus\": " + std::to_string(t.surplus.value()) + "}}\n";
  return out;
}

Result<Params> parse_params(const std::vector<std::string>& key_values) {
  Params p;
  for (const std::string& kv : key_values) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status(Code::kInvalidArgument, "parameter \"" + kv + "\": expected KEY=VALUE");
    const std::string key = kv.substr(0, eq);
    const std::string value = kv.substr(eq + 1);
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size())
      return Status(Code::kInvalidArgument,
                    "parameter \"" + key + "\": value \"" + value + "\" is not an integer");
    if (!p.values.emplace(key, v).second)
      return Status(Code::kInvalidArgument, "parameter \"" + key + "\" given twice");
  }
  return p;
}

Result<std::string> clear_book_text(const std::string& mechanism,
                                    const std::vector<std::string>& key_values,
                                    std::string_view book_text) {
  Result<Params> params = parse_params(key_values);
  if (!params) return params.status();
  if (find_mechanism(mechanism) == nullptr) {
    // Reported before reading the book, so a typo is the first thing the user sees.
    Result<Clearing> r = clear(mechanism, Book{}, *params);
    return r.status();
  }
  Result<Book> book = parse_book(book_text);
  if (!book) return book.status();
  Result<Clearing> c = clear(mechanism, *book, *params);
  if (!c) return c.status();
  return clearing_to_json(*book, *c);
}

}  // namespace wattle::market
