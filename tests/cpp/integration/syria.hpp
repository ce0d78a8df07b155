#pragma once
// The bundled Syria scenario, loaded as the CLI loads it, and an ensemble run into a vector
// (integration tests only: they need the scenario part and the engine).
#include <vector>

#include "powershift/engine/ensemble.hpp"
#include "powershift/scenario/loader.hpp"
#include "test_support.hpp"

namespace powershift::testing {

inline ScenarioSpec syria() {
  return scenario::load_file(source_path("scenarios/syria-2024-12.yaml")).spec;
}

// `replicates` replicates of `spec` with seed 1, indexed by replicate; steps < 0: the horizon.
inline std::vector<ReplicateResult> ensemble(const ScenarioSpec& spec, int replicates,
                                             bool counterfactual, int steps = -1) {
  auto world = make_world(spec);
  std::vector<ReplicateResult> out(static_cast<std::size_t>(replicates));
  EnsembleOptions eo;
  eo.replicates = replicates;
  eo.seed = 1;
  eo.steps = steps;
  eo.counterfactual = counterfactual;
  run_ensemble(world, eo, [&](ReplicateResult&& r) { out[r.replicate] = std::move(r); });
  return out;
}

}  // namespace powershift::testing
