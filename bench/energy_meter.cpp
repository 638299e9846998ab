#include "energy_meter.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wattle::bench {

namespace {

namespace fs = std::filesystem;

Result<uint64_t> parse_u64(std::string_view s, const std::string& what) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    return Status(Code::kMalformed, what + ": not an unsigned integer: \"" + std::string(s) + "\"");
  return v;
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kNotFound, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status(Code::kIoError, "cannot read " + path);
  return ss.str();
}

}  // namespace

Result<double> parse_proc_stat_cpu_seconds(std::string_view stat, long clock_ticks_per_second) {
  if (clock_ticks_per_second <= 0) return Status(Code::kInvalidArgument, "bad clock tick rate");
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || stat.find('(') > close)
    return Status(Code::kMalformed, "proc stat: no (comm) field");
  // After "(comm)": field 3 (state) is token 0, so utime (14) is 11, stime (15) is 12.
  std::string_view rest = stat.substr(close + 1);
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < rest.size() && tokens.size() < 13) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\n')) ++i;
    const size_t start = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\n') ++i;
    if (i > start) tokens.push_back(rest.substr(start, i - start));
  }
  if (tokens.size() < 13) return Status(Code::kMalformed, "proc stat: fewer than 15 fields");
  auto utime = parse_u64(tokens[11], "proc stat utime");
  if (!utime) return utime.status();
  auto stime = parse_u64(tokens[12], "proc stat stime");
  if (!stime) return stime.status();
  return static_cast<double>(*utime + *stime) / static_cast<double>(clock_ticks_per_second);
}

Result<double> processes_cpu_seconds(const std::vector<pid_t>& pids) {
  const long ticks = sysconf(_SC_CLK_TCK);
  double total = 0;
  for (pid_t pid : pids) {
    auto text = read_text("/proc/" + std::to_string(pid) + "/stat");
    if (!text) return Status(Code::kNotFound, "process " + std::to_string(pid) + " is gone");
    auto s = parse_proc_stat_cpu_seconds(*text, ticks);
    if (!s) return s.status();
    total += *s;
  }
  return total;
}

uint64_t rapl_delta_uj(uint64_t before, uint64_t after, uint64_t max_range_uj) {
  if (after >= before) return after - before;
  // Wrapped: from `before` up to the range, then from 0 to `after`.
  return max_range_uj >= before ? (max_range_uj - before) + after : after;
}

std::vector<RaplCounter> find_rapl_counters(const std::string& root) {
  std::vector<RaplCounter> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    const std::string prefix = "intel-rapl:";
    if (name.rfind(prefix, 0) != 0 || name.find(':', prefix.size()) != std::string::npos) continue;
    const std::string energy = (e.path() / "energy_uj").string();
    auto now = read_text(energy);
    auto max = read_text((e.path() / "max_energy_range_uj").string());
    if (!now || !max) return {};
    auto now_v = parse_u64(*now, energy);
    auto max_v = parse_u64(*max, "max_energy_range_uj");
    if (!now_v || !max_v) return {};
    out.push_back({energy, *max_v});
  }
  std::sort(out.begin(), out.end(), [](const RaplCounter& a, const RaplCounter& b) {
    return a.energy_path < b.energy_path;
  });
  return out;
}

EnergyMeter::EnergyMeter(std::vector<pid_t> pids, std::string rapl_root)
    : pids_(std::move(pids)), rapl_(find_rapl_counters(rapl_root)) {}

Result<std::vector<uint64_t>> EnergyMeter::read_rapl() const {
  std::vector<uint64_t> out;
  for (const RaplCounter& c : rapl_) {
    auto text = read_text(c.energy_path);
    if (!text) return text.status();
    auto v = parse_u64(*text, c.energy_path);
    if (!v) return v.status();
    out.push_back(*v);
  }
  return out;
}

Status EnergyMeter::start() {
  auto cpu = processes_cpu_seconds(pids_);
  if (!cpu) return cpu.status();
  cpu_start_ = *cpu;
  auto rapl = read_rapl();
  if (!rapl) return rapl.status();
  rapl_start_ = std::move(*rapl);
  return Status::ok();
}

Result<EnergyReading> EnergyMeter::stop() {
  auto cpu = processes_cpu_seconds(pids_);
  if (!cpu) return cpu.status();
  EnergyReading r;
  r.cpu_seconds = *cpu - cpu_start_;
  if (rapl_.empty()) {
    r.method = "cpu_model";
    r.joules = cpu_model_joules(r.cpu_seconds);
    return r;
  }
  auto rapl = read_rapl();
  if (!rapl) return rapl.status();
  uint64_t uj = 0;
  for (size_t i = 0; i < rapl_.size(); ++i)
    uj += rapl_delta_uj(rapl_start_[i], (*rapl)[i], rapl_.at(i).max_range_uj);
  r.method = "rapl";
  r.joules = static_cast<double>(uj) / 1e6;
  return r;
}

}  // namespace wattle::bench
