#pragma once
// What powershift._core.Scenario holds: the loaded scenario, the World built from it once
// (immutable, shared by every Simulation and ensemble made from it), and where it came from, so
// that override() can load it again with more overrides (the loader applies them to the YAML
// document, exactly as `powershift run --set` does).
#include <memory>
#include <string>
#include <vector>

#include "powershift/model/error.hpp"
#include "powershift/model/scenario_spec.hpp"
#include "powershift/model/world.hpp"
#include "powershift/scenario/loader.hpp"

namespace powershift::bindings {

struct ScenarioSource {
  std::string file;      // loaded from this file, or
  std::string text;      // from this text (file empty)
  std::string label;     // how diagnostics name a text
  std::string base_dir;  // where a text's `extends` paths start
  std::vector<scenario::Override> overrides;
};

struct ScenarioHandle {
  ScenarioSource source;
  std::vector<Diagnostic> warnings;
  WorldPtr world;

  [[nodiscard]] const ScenarioSpec& spec() const { return world->spec(); }

  // Loads and validates (throws ScenarioError), then builds the World.
  static std::shared_ptr<ScenarioHandle> load(ScenarioSource source);
};

using ScenarioPtr =
    std::shared_ptr<ScenarioHandle>;  // never modified after load (pybind11 holders are non-const)

// The spec with the run settings a front end may change (as `powershift run` does: --steps,
// --replicates, --seed, --interval); values <= 0 (seed < 0) keep the scenario's.
ScenarioSpec with_run_settings(const ScenarioSpec& spec, int steps, int replicates, long long seed,
                               int interval);

}  // namespace powershift::bindings
