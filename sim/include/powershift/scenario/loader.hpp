#pragma once
// The scenario loader: YAML text to a validated ScenarioSpec. The only code that includes
// yaml-cpp. Every problem is reported with file, line, column and field path; all problems in a
// file are reported together.
#include <string>
#include <vector>

#include "powershift/error.hpp"
#include "powershift/scenario_spec.hpp"

namespace powershift::scenario {

// Limits checked before anything is allocated for them (docs/scenarios.md §Limits).
struct Limits {
  std::size_t max_file_bytes = 16u << 20;
  int max_regions = 5000;
  int max_actors = 256;
  int max_unit_types = 64;
  double max_units = 5.0e6;
  int max_steps = 100000;
  int max_events = 10000;
  int max_replicates = 1000000;
};

struct LoadResult {
  ScenarioSpec spec;
  std::vector<Diagnostic> warnings;
};

// Throws ScenarioError carrying every error found.
LoadResult load_file(const std::string& path, const Limits& limits = {});
LoadResult load_string(const std::string& text, const std::string& file_label,
                       const Limits& limits = {});

// The path of the bundled default scenario (set at build time, overridable with
// POWERSHIFT_SCENARIO_DIR).
std::string default_scenario_path();
std::string scenario_dir();

}  // namespace powershift::scenario
