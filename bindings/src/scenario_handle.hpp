#pragma once
// What powershift._core.Scenario holds: the loaded scenario, the World built from it once
// (immutable, shared by every Simulation and ensemble made from it), and where it came from, so
// that override() can load it again with more overrides (the loader applies them to the YAML
// document, exactly as `powershift run --set` does).
#include <cstdint>
#include <memory>
#include <optional>
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
// --replicates, --seed, --interval); values <= 0 (no seed) keep the scenario's. The seed is the
// full unsigned 64-bit range, as the CLI's --seed and the scenario's run.seed.
ScenarioSpec with_run_settings(const ScenarioSpec& spec, int steps, int replicates,
                               std::optional<std::uint64_t> seed, int interval);

}  // namespace powershift::bindings
