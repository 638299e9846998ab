// A small strict CSV reader for the simulator's inputs (auction schedules,
// smart-meter series): comma-separated, no quoting, `#` comment lines and
// blank lines skipped, the first non-comment line is the header.
//
// Promise: every error names the file, line and (1-based) column, e.g.
// `load.csv:17:2: expected a number, got "abc"`.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace wattle::sim {

struct CsvRow {
  int line = 0;  // 1-based line number in the file
  std::vector<std::string> fields;
};

struct CsvFile {
  std::string path;
  std::vector<std::string> header;
  std::vector<CsvRow> rows;
  // "path:line:column: message".
  Status error(int line, int column, const std::string& message) const;
  // Parses a finite number in field `column` (0-based) of `row`.
  Result<double> number(const CsvRow& row, size_t column) const;
};

// Reads the whole file; the header must have `expected_columns` names
// (0: any) and every row the header's number of fields.
Result<CsvFile> read_csv(const std::string& path, size_t expected_columns = 0);

}  // namespace wattle::sim
