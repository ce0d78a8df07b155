#pragma once
// The bundled Syria scenario, loaded as the CLI loads it (integration tests only: it needs the
// scenario part).
#include "powershift/scenario/loader.hpp"
#include "test_support.hpp"

namespace powershift::testing {

inline ScenarioSpec syria() {
  return scenario::load_file(source_path("scenarios/syria-2024-12.yaml")).spec;
}

}  // namespace powershift::testing
