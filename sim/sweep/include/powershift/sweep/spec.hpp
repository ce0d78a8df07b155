#pragma once
// A sweep specification (docs/sweeps.md): a base scenario, parameters as scenario paths with the
// values they take, a design that picks the members, and how each member is run and recorded.
// Plain data; read from YAML by load_sweep_spec (the scenario library, which owns yaml-cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "powershift/scenario/loader.hpp"

namespace powershift::sweep {

enum class DesignType : std::uint8_t { Grid, LatinHypercube, Sobol, Morris };
enum class SeedPolicy : std::uint8_t { PerMember, Common };
// How a parameter's values are given: a list (`values:`, or `range:` with a step), or a
// continuous distribution (`range:` without a step is `uniform`).
enum class ValueKind : std::uint8_t { List, Uniform, LogUniform, Normal, Triangular };

struct Parameter {
  std::string name;  // a coordinate name in the merged file
  std::string path;  // a scenario path, as for --set; empty when each value sets several paths
  // Without a path: per value, the overrides it stands for (a value is a mapping path: value,
  // e.g. {events[0].keep: [], garrisons[0].regions: [Qamishli]}).
  std::vector<std::vector<scenario::Override>> value_sets;
  ValueKind kind = ValueKind::List;
  std::vector<std::string> values;  // List: each value as YAML (flow) text
  std::vector<std::string> labels;  // List: a label per value (default: the value text)
  bool labelled = false;            // labels were given: they name the values in outputs
  // Uniform/LogUniform: [a, b]; Normal: mean a, sd b; Triangular: lowest a, highest b, mode c.
  double a = 0.0, b = 0.0, c = 0.0;
  bool integer = false;  // continuous values rounded to the nearest integer
  // Where the parameter is in the spec, for messages.
  int line = 0, column = 0;
};

struct Located {
  std::string text;
  int line = 0, column = 0;
};

struct SweepSpec {
  std::string name;
  std::string description;
  std::string file;         // the spec's path as given
  std::string source_text;  // the spec's text, kept in every output
  std::string
      scenario;  // the base scenario: the spec's `scenario:` relative to the spec's directory
  std::vector<scenario::Override> fixed;  // `set:` applied to every member before the parameters
  std::vector<Parameter> parameters;
  DesignType design = DesignType::Grid;
  long long samples =
      0;  // LHS: members; Sobol: base samples N (a power of two); Morris: trajectories
  bool second_order = false;  // Sobol: also the second-order indices (N * (2D + 2) members)
  int levels = 4;             // Morris: grid levels p (even)
  std::uint64_t design_seed = 1;
  int replicates = 1;
  std::uint64_t seed = 1;
  SeedPolicy seed_policy = SeedPolicy::PerMember;
  int steps = 0;                                  // 0: the scenario's run.steps
  std::vector<std::string> fields = {"control"};  // region x actor fields each member records
  int interval = 7;                               // record every N steps
  int deflate = 1;
  std::vector<Located> outputs;  // variables kept in the merged file
  int members_per_task = 1;
  // Where `design:` is, for the design checks made when it is expanded (sizes, limits).
  Located design_at;
};

// Upper bounds that keep a mistyped size from exhausting memory or disk.
struct SweepLimits {
  long long max_members = 10'000'000;
  std::size_t max_values = 100'000;  // values of one parameter
  std::size_t max_parameters = 32;
  std::size_t max_file_bytes = 1u << 20;
};

// Reads and validates a spec. Throws InputError with every problem located (file, line, column,
// field). The base scenario is not loaded here (see sweep::check_against_scenario).
SweepSpec load_sweep_spec(const std::string& path, const SweepLimits& limits = {});
// The same from text (`path` labels messages; `scenario:` is relative to `base_dir`).
SweepSpec load_sweep_spec_text(const std::string& text, const std::string& path,
                               const std::string& base_dir, const SweepLimits& limits = {});

const char* design_name(DesignType type);
// The shortest text that reads back as the same double ("0.1", "15", never "-0"): how numbers
// are written into overrides, the design table and the merged file's attributes.
std::string format_number(double v);
const char* seed_policy_name(SeedPolicy policy);

}  // namespace powershift::sweep
