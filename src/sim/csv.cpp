#include "sim/csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

namespace wattle::sim {

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    std::string f =
        line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
    size_t lead = 0;
    while (lead < f.size() && (f[lead] == ' ' || f[lead] == '\t')) ++lead;
    out.push_back(f.substr(lead));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

Status CsvFile::error(int line, int column, const std::string& message) const {
  return Status(Code::kInvalidArgument,
                path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message);
}

Result<double> CsvFile::number(const CsvRow& row, size_t column) const {
  const std::string& f = row.fields[column];
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(f.c_str(), &end);
  if (f.empty() || end != f.c_str() + f.size() || errno == ERANGE || !std::isfinite(v))
    return error(row.line, static_cast<int>(column) + 1, "expected a number, got \"" + f + "\"");
  return v;
}

Result<CsvFile> read_csv(const std::string& path, size_t expected_columns) {
  std::ifstream in(path);
  if (!in) return Status(Code::kIoError, path + ": cannot open file");
  CsvFile file;
  file.path = path;
  std::string line;
  int n = 0;
  bool have_header = false;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = split(line);
    if (!have_header) {
      if (expected_columns != 0 && fields.size() != expected_columns)
        return file.error(n, 1,
                          "header has " + std::to_string(fields.size()) + " columns, expected " +
                              std::to_string(expected_columns));
      file.header = std::move(fields);
      have_header = true;
      continue;
    }
    if (fields.size() != file.header.size())
      return file.error(n, static_cast<int>(std::min(fields.size(), file.header.size())) + 1,
                        "row has " + std::to_string(fields.size()) + " fields, header has " +
                            std::to_string(file.header.size()));
    file.rows.push_back(CsvRow{n, std::move(fields)});
  }
  if (!have_header) return file.error(std::max(n, 1), 1, "empty file (no header)");
  return file;
}

}  // namespace wattle::sim
