#pragma once
// The output schema: every variable a run records, defined once (docs/output-format.md). The HDF5
// writer, the checkpoint, the sweep merge, the Python bindings and the closing table loop over
// these tables instead of restating them; adding a metric is one entry here (plus the docs).
// HDF5-free: a second output format is one more loop over the same tables.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "powershift/engine/ensemble.hpp"
#include "powershift/engine/observer.hpp"
#include "powershift/model/metrics.hpp"
#include "powershift/model/world.hpp"

namespace powershift::schema {

enum class DType : std::uint8_t { Float32, Float64, Int32, String };

// The size of one element of a numeric type (0 for strings).
std::size_t dtype_size(DType type);
// "float32", "float64", "int32" or "str" (NumPy's names).
std::string_view dtype_name(DType type);

// Dimensions of the per-replicate variables: ("replicate", then some of "time", "region",
// "actor" in that order).
enum class Dim : std::uint8_t { Replicate, Time, Region, Actor };
std::string_view dim_name(Dim dim);

// What a finished replicate yields beyond its trajectory, computed once for every output:
// the net vacuum attribution and, with a counterfactual arm, the paired effect.
struct ReplicateFinals {
  NetAttribution attribution;
  Field counterfactual_effect;   // final control with the drawdown minus without (R x A)
  Field counterfactual_control;  // final control without the drawdown (R x A)
  bool has_counterfactual = false;
};
ReplicateFinals replicate_finals(const World& world, const ReplicateResult& result);

// A contiguous array of one replicate's values, in the file's order (Fields are row-major:
// region by region, actor fastest, as the trajectories are).
struct Values {
  const void* data = nullptr;
  std::size_t count = 0;
};

// How a variable's per-step values are taken from StepMetrics (per actor or a scalar).
struct MetricSource {
  std::vector<double> StepMetrics::*per_actor = nullptr;
  double StepMetrics::*scalar = nullptr;
};

enum class Group : std::uint8_t {
  Field,           // replicate x time x region x actor, float32; chosen with `fields`
  StepMetric,      // replicate x time [x actor], float64; always recorded
  Final,           // replicate x region [x actor], float64; at the end of the run
  Counterfactual,  // replicate x region x actor; only with a counterfactual arm
};

struct Variable {
  std::string_view name;
  std::vector<Dim> dims;
  DType dtype = DType::Float64;
  std::string_view units;
  std::string_view long_name;
  Group group = Group::StepMetric;
  // Where a replicate's values live: a trajectory vector (fields, step metrics, vacuum_days) ...
  std::vector<float> Trajectory::*f32 = nullptr;
  std::vector<double> Trajectory::*f64 = nullptr;
  // ... or a value computed once from the finished replicate.
  Values (*derived)(const ReplicateFinals&) = nullptr;
  // Where the recorder takes a step's values from: a field of the recorded view, or StepMetrics.
  const Field& (*record)(const RecordView&) = nullptr;
  MetricSource metric{};
  // Kept by a sweep merge whose spec names no outputs: its position there (0: not kept).
  int sweep_default = 0;

  // One replicate's values, in the file's order.
  [[nodiscard]] Values values(const Trajectory& trajectory, const ReplicateFinals& finals) const;
  // Whether the variable is a region x actor field (selectable with `fields`).
  [[nodiscard]] bool is_field() const { return group == Group::Field; }
};

// Every per-replicate variable, in the file's order: fields, step metrics, finals,
// counterfactual variables.
const std::vector<Variable>& variables();
// The variable called `name`, or nullptr.
const Variable* find_variable(std::string_view name);
// The region x actor fields a run can record ("control", "support", "power", "forces").
const std::vector<std::string>& field_names();
// Every variable a sweep merge can carry (all of variables()).
const std::vector<std::string>& mergeable_variables();

// Per-step values every step of Simulation.metrics() reports beyond the recorded ones.
struct ExtraMetric {
  std::string_view name;
  double StepMetrics::*scalar;
};
const std::vector<ExtraMetric>& extra_metrics();

// Auxiliary coordinates: per time step, region or actor, beside the dimension scales.
struct AuxValues {
  std::vector<double> f64;
  std::vector<std::int32_t> i32;
  std::vector<std::string> str;
};
struct AuxCoordinate {
  std::string_view name;
  Dim dim;
  DType dtype;
  std::string_view units;  // empty: no units attribute
  std::string_view long_name;
  // Its values for a world whose run records `steps`, in the member of its dtype.
  AuxValues (*values)(const World& world, const std::vector<int>& steps);
};
const std::vector<AuxCoordinate>& aux_coordinates();

// The event table (one row per notable event along the `event` dimension).
struct EventColumn {
  std::string_view name;
  DType dtype;             // Int32 columns hold whole numbers; the getter's double is exact
  std::string_view units;  // "time" means the time axis' own units; empty: none
  std::string_view long_name;
  double (*get)(int replicate, const LoggedEvent& event, double dt);
};
const std::vector<EventColumn>& event_columns();
// The event kinds' codes (flag_values) and names (flag_meanings), in code order.
const std::vector<std::pair<int, std::string_view>>& event_kinds();

// Default variables a sweep merge keeps when the spec names none (besides the recorded fields).
const std::vector<std::string>& default_sweep_outputs();

// FNV-1a 64 of `text`, continuing from `h`.
std::uint64_t fnv1a64(std::string_view text, std::uint64_t h = 1469598103934665603ULL);
// The scenario's hash as files record it: "fnv1a64:" and 16 hex digits of its text.
std::string scenario_hash(const ScenarioSpec& spec);

// The version and build id every file records (generated at configure time).
std::string_view version();
std::string_view build_id();

// Who holds a region, as the closing table and `inspect` say it: the leading actor and whether
// it controls (share >= 0.5), contests (>= 0.005) or nobody holds the region.
struct Holder {
  enum class Status : std::uint8_t { Controls, Contested, None };
  int actor = 0;
  double share = 0.0;
  Status status = Status::None;
};
Holder region_holder(const double* shares, int actors);
// "name", "(contested: name)" or "(none)".
std::string holder_label(const Holder& holder, const std::vector<std::string>& actor_names);

}  // namespace powershift::schema
