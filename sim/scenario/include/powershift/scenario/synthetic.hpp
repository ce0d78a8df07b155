#pragma once
// A synthetic scenario generator for large sizes (tests and benchmarks): a grid of regions,
// actors with homes spread over it, random relations and forces, all from a seed.
#include <cstdint>

#include "powershift/model/scenario_spec.hpp"

namespace powershift::scenario {

struct SyntheticOptions {
  int grid_width = 40;
  int grid_height = 40;
  int actors = 16;
  double total_strength = 2.0e6;
  double unit_size = 100.0;
  int steps = 30;
  std::uint64_t seed = 7;
};

ScenarioSpec make_synthetic(const SyntheticOptions& options);

}  // namespace powershift::scenario
