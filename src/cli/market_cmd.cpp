// `wattle market clear|mechanisms|compare`: the market library on JSON books.
// The logic lives in src/market (book_json.h: clear_book_text, compare.h) so
// it is tested there; this file only reads files and prints.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <vector>

#include "cli/commands.h"
#include "market/compare.h"
#include "market/demo/sample_book.h"
#include "market/io/book_json.h"
#include "market/mechanisms/community.h"
#include "market/registry.h"

namespace wattle::cli {

namespace {

// Reads at most the size cap plus one chunk, so a huge file (or an endless
// stdin) is refused without being read into memory.
std::string read_input(const std::string& path) {
  const size_t cap = market::BookLimits{}.max_input_bytes;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw UserError("cannot read book \"" + path + "\"");
    in = &file;
  }
  std::string text;
  std::vector<char> chunk(1 << 16);
  while (in->read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in->gcount() > 0) {
    text.append(chunk.data(), static_cast<size_t>(in->gcount()));
    if (text.size() > cap)
      throw UserError("book \"" + path + "\": over the size cap of " + std::to_string(cap) +
                      " bytes");
  }
  return text;
}

void print_mechanisms(std::ostream& out) {
  for (const market::MechanismInfo& m : market::mechanisms()) {
    out << m.name << ": " << m.summary << "\n";
    if (m.params.empty()) out << "  parameters: none\n";
    for (const market::ParamSpec& p : m.params)
      out << "  --param " << p.name << "=N  (default "
          << (p.default_value == market::kMissingTariff ? std::string("none")
                                                        : std::to_string(p.default_value))
          << ", " << p.min << ".." << p.max << ") " << p.doc << "\n";
    out << "  guarantees:\n";
    for (const std::string& g : m.properties) out << "    - " << g << "\n";
    out << "\n";
  }
}

// Tariffs the community-pricing rows need; the same as the demo's unless given.
market::Params compare_params(const std::vector<std::string>& key_values) {
  auto p = market::parse_params(key_values);
  if (!p) throw UserError(p.status().message());
  for (const auto& [key, value] : p->values) {
    bool declared = false;
    for (const market::MechanismInfo& m : market::mechanisms())
      for (const market::ParamSpec& s : m.params) declared = declared || s.name == key;
    if (!declared) throw UserError("unknown parameter \"" + key + "\": no mechanism declares it");
  }
  p->values.emplace("grid_buy", market::kSampleGridBuy);
  p->values.emplace("grid_sell", market::kSampleGridSell);
  return *p;
}

}  // namespace

void register_market_commands(CLI::App& app) {
  auto* market = app.add_subcommand("market", "Clear order books with the market mechanisms");
  market->require_subcommand(1);

  static std::string mechanism, clear_path, compare_path;
  static std::vector<std::string> clear_params, compare_params_kv;

  auto* clear = market->add_subcommand(
      "clear", "Clear a JSON order book; prints the clearing as JSON (see docs/market.md)");
  clear->add_option("--mechanism,-m", mechanism, "Mechanism (wattle market mechanisms)")
      ->required();
  clear->add_option("--param,-p", clear_params, "Parameter KEY=VALUE (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  clear->add_option("book", clear_path, "Book file, or - for stdin")->required();
  clear->callback([] {
    std::string text = read_input(clear_path);
    auto out = market::clear_book_text(mechanism, clear_params, text);
    if (!out) throw UserError(out.status().message());
    std::cout << *out;
  });

  auto* list = market->add_subcommand("mechanisms", "List mechanisms, parameters, guarantees");
  list->callback([] { print_mechanisms(std::cout); });

  auto* compare = market->add_subcommand(
      "compare", "Clear one book with every mechanism and print a comparison table");
  compare->add_option("book", compare_path, "Book file, or - for stdin")->required();
  compare
      ->add_option("--param,-p", compare_params_kv,
                   "Parameter KEY=VALUE, passed to the mechanisms that declare it (default "
                   "grid_buy=250000 grid_sell=50000)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  compare->callback([] {
    market::Params params = compare_params(compare_params_kv);
    auto book = market::parse_book(read_input(compare_path));
    if (!book) throw UserError(book.status().message());
    std::cout << market::compare_table(*book, params);
  });
}

void print_market_demo(std::ostream& out) {
  market::Params params;
  params.values["grid_buy"] = market::kSampleGridBuy;
  params.values["grid_sell"] = market::kSampleGridSell;
  out << "One 15-minute slot of a 20-household community (8 PV prosumers, 12 consumers),\n"
         "cleared by every market mechanism:\n\n"
      << market::compare_table(market::sample_community_book(), params);
}

}  // namespace wattle::cli
