// The built-in scenarios for the survey's projects (docs/sim.md, survey
// Tables 1-2): each is TOML text parsed like a user's scenario file.
#pragma once

#include <string>
#include <vector>

namespace wattle::sim {

struct Preset {
  std::string name;
  std::string summary;
  std::string toml;
};

const std::vector<Preset>& presets();
const Preset* find_preset(const std::string& name);

}  // namespace wattle::sim
