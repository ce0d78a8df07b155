#pragma once
// The scenario loader: YAML text to a validated ScenarioSpec. The only code that includes
// yaml-cpp. Every problem is reported with file, line, column and field path; all problems in a
// file are reported together.
//
// Loading goes: read and parse (limits on size, nesting and alias expansion) -> resolve
// `extends` (the base deep-merged under the document, recursively) -> apply overrides
// (`--set PATH=VALUE`) -> check every key against the language (scenario/language.hpp) and
// build the spec.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "powershift/model/error.hpp"
#include "powershift/model/scenario_spec.hpp"

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
  // Structure of the YAML itself: nesting depth (aliases included), and the nodes aliases may
  // add when expanded (a "billion laughs" document is refused while it is parsed).
  int max_depth = 64;
  std::uint64_t max_alias_nodes = 1000000;
  // Files in an `extends` chain beyond the first.
  int max_extends = 16;
};

// A path into a scenario: dot-separated keys with [i] list indices, as in
// `actors.russia.budget`, `events[0].scope`, `regions[3].population`.
struct PathStep {
  std::string key;        // a key, when !is_index
  std::size_t index = 0;  // a list index, when is_index
  bool is_index = false;
};
// Throws ScenarioError (labelled `label`) on a malformed path.
std::vector<PathStep> parse_path(std::string_view path, const std::string& label = "path");
std::string format_path(const std::vector<PathStep>& steps);

// One override, `--set PATH=VALUE`: VALUE is YAML text (`0`, `[Hmeimim]`, `{scope: 0.5}`; empty
// or `~` removes the key). Applied after `extends` is resolved and before validation.
struct Override {
  std::string path;
  std::string value;
  std::string label;  // how diagnostics name it; empty: "--set PATH=VALUE"
};
// Splits "PATH=VALUE" at the first '='; throws ScenarioError without one.
Override parse_override(const std::string& assignment);

struct LoadOptions {
  LoadOptions() = default;
  LoadOptions(const Limits& l) : limits(l) {}  // NOLINT: load_file(path, limits) keeps working
  Limits limits;
  std::vector<Override> overrides;  // applied in order
  // load_string only: the directory `extends` paths are relative to. Empty: `extends` is refused
  // (a string has no directory). load_file uses the file's directory.
  std::string base_dir;
};

struct LoadResult {
  ScenarioSpec spec;
  std::vector<Diagnostic> warnings;
  // The files read: the scenario, then the files it extends (none for load_string). A run never
  // writes over any of them.
  std::vector<std::string> files;
};

// Throws ScenarioError carrying every error found. With `extends` or overrides, spec.source_text
// is the merged document (which loads to the same spec), after comment lines naming its parts.
LoadResult load_file(const std::string& path, const LoadOptions& options = {});
LoadResult load_file(const std::string& path, const Limits& limits,
                     const std::vector<Override>& overrides);
LoadResult load_string(const std::string& text, const std::string& file_label,
                       const LoadOptions& options = {});

// The path of the bundled default scenario (set at build time, overridable with
// POWERSHIFT_SCENARIO_DIR).
std::string default_scenario_path();
std::string scenario_dir();

}  // namespace powershift::scenario
