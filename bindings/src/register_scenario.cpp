// powershift._core.Scenario: a validated scenario and its World.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "powershift/engine/schema.hpp"
#include "powershift/model/metrics.hpp"
#include "powershift/model/state.hpp"
#include "powershift/scenario/loader.hpp"
#include "register.hpp"
#include "scenario_handle.hpp"

namespace powershift::bindings {

std::shared_ptr<ScenarioHandle> ScenarioHandle::load(ScenarioSource source) {
  scenario::LoadOptions options;
  options.overrides = source.overrides;
  scenario::LoadResult loaded;
  if (!source.file.empty()) {
    loaded = scenario::load_file(source.file, options);
  } else {
    options.base_dir = source.base_dir;
    loaded = scenario::load_string(source.text, source.label, options);
  }
  auto handle = std::make_shared<ScenarioHandle>();
  handle->warnings = std::move(loaded.warnings);
  handle->world = std::make_shared<const World>(std::move(loaded.spec));
  handle->source = std::move(source);
  return handle;
}

ScenarioSpec with_run_settings(const ScenarioSpec& spec, int steps, int replicates,
                               std::optional<std::uint64_t> seed, int interval) {
  ScenarioSpec out = spec;
  if (steps > 0) out.run.steps = steps;
  if (replicates > 0) out.run.replicates = replicates;
  if (seed) out.run.seed = *seed;
  if (interval > 0) out.outputs.interval = interval;
  return out;
}

namespace {

using OverrideTuple = std::tuple<std::string, std::string, std::string>;  // path, YAML value, label

std::vector<scenario::Override> to_overrides(const std::vector<OverrideTuple>& list) {
  std::vector<scenario::Override> out;
  out.reserve(list.size());
  for (const auto& [path, value, label] : list) out.push_back({path, value, label});
  return out;
}

ScenarioPtr load_released(ScenarioSource source) {
  py::gil_scoped_release release;  // parsing touches no Python object
  return ScenarioHandle::load(std::move(source));
}

}  // namespace

void register_scenario(py::module_& m) {
  m.def(
      "scenario_dir", &scenario::scenario_dir,
      "Directory of the bundled scenarios compiled into the engine (or $POWERSHIFT_SCENARIO_DIR); "
      "it may not exist in an installed package.");

  py::class_<ScenarioHandle, ScenarioPtr>(m, "Scenario",
                                          "A validated scenario and the World built from it.")
      .def_static(
          "from_file",
          [](const std::string& path, const std::vector<OverrideTuple>& overrides) {
            ScenarioSource source;
            source.file = path;
            source.overrides = to_overrides(overrides);
            return load_released(std::move(source));
          },
          py::arg("path"), py::arg("overrides") = std::vector<OverrideTuple>{},
          "Load a scenario file; overrides are (path, YAML value, label) applied as --set.")
      .def_static(
          "from_string",
          [](const std::string& text, const std::string& label, const std::string& base_dir,
             const std::vector<OverrideTuple>& overrides) {
            ScenarioSource source;
            source.text = text;
            source.label = label;
            source.base_dir = base_dir;
            source.overrides = to_overrides(overrides);
            return load_released(std::move(source));
          },
          py::arg("text"), py::arg("label") = "<string>", py::arg("base_dir") = "",
          py::arg("overrides") = std::vector<OverrideTuple>{}, "Load a scenario from YAML text.")
      .def(
          "with_overrides",
          [](const ScenarioHandle& self, const std::vector<OverrideTuple>& overrides) {
            ScenarioSource source = self.source;
            const auto more = to_overrides(overrides);
            source.overrides.insert(source.overrides.end(), more.begin(), more.end());
            return load_released(std::move(source));
          },
          py::arg("overrides"),
          "The same source loaded again with these overrides after the ones it has.")
      .def_property_readonly("name", [](const ScenarioHandle& s) { return s.spec().name; })
      .def_property_readonly("description",
                             [](const ScenarioHandle& s) { return s.spec().description; })
      .def_property_readonly(
          "text", [](const ScenarioHandle& s) { return s.spec().source_text; },
          "The YAML as it runs (merged with extends and overrides).")
      .def_property_readonly("source_path",
                             [](const ScenarioHandle& s) { return s.spec().source_path; })
      .def_property_readonly("file", [](const ScenarioHandle& s) { return s.source.file; })
      .def_property_readonly("label", [](const ScenarioHandle& s) { return s.source.label; })
      .def_property_readonly("overrides",
                             [](const ScenarioHandle& s) {
                               std::vector<OverrideTuple> out;
                               for (const auto& o : s.source.overrides) {
                                 out.emplace_back(o.path, o.value, o.label);
                               }
                               return out;
                             })
      .def_property_readonly(
          "hash", [](const ScenarioHandle& s) { return schema::scenario_hash(s.spec()); },
          "FNV-1a 64 of the text, as in the output's scenario_hash.")
      .def_property_readonly("warnings", [](const ScenarioHandle& s) { return s.warnings; })
      .def_property_readonly(
          "engine_warnings",
          [](const ScenarioHandle& s) {
            std::vector<std::pair<std::string, std::string>> out;
            for (const auto& w : engine_warnings(*s.world)) out.emplace_back(w.path, w.message);
            return out;
          },
          "(path, message) of what only the engine sees: initial control far from the day-0 "
          "target, withdrawing units that cannot reach an exit.")
      .def_property_readonly("steps", [](const ScenarioHandle& s) { return s.spec().run.steps; })
      .def_property_readonly("dt", [](const ScenarioHandle& s) { return s.spec().run.dt; })
      .def_property_readonly("start_date",
                             [](const ScenarioHandle& s) { return s.spec().run.start_date; })
      .def_property_readonly("seed", [](const ScenarioHandle& s) { return s.spec().run.seed; })
      .def_property_readonly("replicates",
                             [](const ScenarioHandle& s) { return s.spec().run.replicates; })
      .def_property_readonly("interval",
                             [](const ScenarioHandle& s) { return s.spec().outputs.interval; })
      .def_property_readonly("unit_size",
                             [](const ScenarioHandle& s) { return s.spec().run.unit_size; })
      .def_property_readonly("regions",
                             [](const ScenarioHandle& s) {
                               std::vector<std::string> out;
                               for (const auto& r : s.spec().regions) out.push_back(r.name);
                               return out;
                             })
      .def_property_readonly("actors",
                             [](const ScenarioHandle& s) {
                               std::vector<std::string> out;
                               for (const auto& a : s.spec().actors) out.push_back(a.name);
                               return out;
                             })
      .def_property_readonly("unit_types",
                             [](const ScenarioHandle& s) {
                               std::vector<std::string> out;
                               for (const auto& k : s.spec().unit_types) out.push_back(k.name);
                               return out;
                             })
      .def_property_readonly("actor_is_state",
                             [](const ScenarioHandle& s) {
                               std::vector<bool> out;
                               for (const auto& a : s.spec().actors) out.push_back(a.is_state);
                               return out;
                             })
      .def_property_readonly("region_lat",
                             [](const ScenarioHandle& s) {
                               std::vector<double> out;
                               for (const auto& r : s.spec().regions) out.push_back(r.lat);
                               return out;
                             })
      .def_property_readonly("region_lon",
                             [](const ScenarioHandle& s) {
                               std::vector<double> out;
                               for (const auto& r : s.spec().regions) out.push_back(r.lon);
                               return out;
                             })
      .def_property_readonly("region_offmap",
                             [](const ScenarioHandle& s) {
                               std::vector<bool> out;
                               for (const auto& r : s.spec().regions) out.push_back(r.offmap);
                               return out;
                             })
      .def_property_readonly("region_population",
                             [](const ScenarioHandle& s) { return s.world->population; })
      .def_property_readonly(
          "region_value", [](const ScenarioHandle& s) { return s.world->value; },
          "Strategic value v_r as the engine computes it.")
      .def_property_readonly(
          "edges",
          [](const ScenarioHandle& s) {
            std::vector<std::tuple<int, int, double>> out;
            for (const auto& e : s.spec().edges) out.emplace_back(e.a, e.b, e.km);
            return out;
          },
          "(region a, region b, km; < 0: 1.3 x great circle) of each land edge.")
      .def_property_readonly(
          "exits",
          [](const ScenarioHandle& s) {
            std::vector<std::tuple<int, int, double, std::string>> out;
            for (const auto& e : s.spec().exits) out.emplace_back(e.from, e.to, e.capacity, e.mode);
            return out;
          },
          "(from region, to off-map region, capacity per day, mode) of each exit.")
      .def_property_readonly(
          "garrisons",
          [](const ScenarioHandle& s) {
            std::vector<std::pair<int, std::vector<int>>> out;
            for (const auto& g : s.spec().garrisons) out.emplace_back(g.actor, g.regions);
            return out;
          },
          "(actor, regions) of each garrison (bases held with or without a drawdown).")
      .def_property_readonly(
          "control0",
          [](const ScenarioHandle& s) {
            return std::make_tuple(s.world->control0, s.world->R, s.world->A);
          },
          "(values, R, A): initial control, region-major.")
      .def_property_readonly("has_drawdown",
                             [](const ScenarioHandle& s) { return s.spec().has_drawdown(); })
      .def_property_readonly(
          "withdrawing_actor",
          [](const ScenarioHandle& s) {
            const int a = withdrawing_actor(s.spec());
            return a >= 0 ? py::object(py::str(s.spec().actors[a].name)) : py::object(py::none());
          },
          "The actor of the first drawdown event, or None.");
}

}  // namespace powershift::bindings
