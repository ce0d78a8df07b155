// The output schema (docs/output-format.md): the one list of what a run records.
#include "powershift/engine/schema.hpp"

#include <algorithm>
#include <cstdio>

#include "powershift/engine/version.hpp"

namespace powershift::schema {

std::size_t dtype_size(DType type) {
  switch (type) {
    case DType::Float32:
    case DType::Int32:
      return 4;
    case DType::Float64:
      return 8;
    case DType::String:
      return 0;
  }
  return 0;
}

std::string_view dtype_name(DType type) {
  switch (type) {
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
    case DType::Int32:
      return "int32";
    case DType::String:
      return "str";
  }
  return "";
}

std::string_view dim_name(Dim dim) {
  switch (dim) {
    case Dim::Replicate:
      return "replicate";
    case Dim::Time:
      return "time";
    case Dim::Region:
      return "region";
    case Dim::Actor:
      return "actor";
  }
  return "";
}

ReplicateFinals replicate_finals(const World& world, const ReplicateResult& result) {
  const auto& tr = result.trajectory;
  ReplicateFinals f;
  const Field c0 = Eigen::Map<const Field>(world.control0.data(), world.R, world.A);
  f.attribution = net_attribution(c0, tr.final_control, withdrawing_actor(world.spec()));
  if (result.counterfactual) {
    f.has_counterfactual = true;
    f.counterfactual_control = result.counterfactual->final_control;
    f.counterfactual_effect = tr.final_control - f.counterfactual_control;
  }
  return f;
}

Values Variable::values(const Trajectory& trajectory, const ReplicateFinals& finals) const {
  if (f32 != nullptr) {
    const auto& v = trajectory.*f32;
    return {v.data(), v.size()};
  }
  if (f64 != nullptr) {
    const auto& v = trajectory.*f64;
    return {v.data(), v.size()};
  }
  return derived(finals);
}

namespace {

constexpr Dim kRep = Dim::Replicate;
constexpr Dim kTime = Dim::Time;
constexpr Dim kRegion = Dim::Region;
constexpr Dim kActor = Dim::Actor;

Values field_values(const Field& f) {
  return {f.data(), static_cast<std::size_t>(f.size())};
}
Values vector_values(const std::vector<double>& v) {
  return {v.data(), v.size()};
}

Variable field(std::string_view name, std::string_view units, std::string_view long_name,
               std::vector<float> Trajectory::*member, const Field& (*record)(const RecordView&)) {
  Variable v;
  v.name = name;
  v.dims = {kRep, kTime, kRegion, kActor};
  v.dtype = DType::Float32;
  v.units = units;
  v.long_name = long_name;
  v.group = Group::Field;
  v.f32 = member;
  v.record = record;
  return v;
}

Variable per_actor(std::string_view name, std::string_view units, std::string_view long_name,
                   std::vector<double> Trajectory::*member,
                   std::vector<double> StepMetrics::*metric) {
  Variable v;
  v.name = name;
  v.dims = {kRep, kTime, kActor};
  v.units = units;
  v.long_name = long_name;
  v.group = Group::StepMetric;
  v.f64 = member;
  v.metric.per_actor = metric;
  return v;
}

Variable per_step(std::string_view name, std::string_view units, std::string_view long_name,
                  std::vector<double> Trajectory::*member, double StepMetrics::*metric) {
  Variable v;
  v.name = name;
  v.dims = {kRep, kTime};
  v.units = units;
  v.long_name = long_name;
  v.group = Group::StepMetric;
  v.f64 = member;
  v.metric.scalar = metric;
  return v;
}

Variable final_value(std::string_view name, std::vector<Dim> dims, std::string_view units,
                     std::string_view long_name, Group group,
                     Values (*derived)(const ReplicateFinals&)) {
  Variable v;
  v.name = name;
  v.dims = std::move(dims);
  v.units = units;
  v.long_name = long_name;
  v.group = group;
  v.derived = derived;
  return v;
}

// Marks a variable as one a sweep merge keeps when its spec names no outputs, at `position` in
// the merged file's order.
Variable sweep_default(int position, Variable v) {
  v.sweep_default = position;
  return v;
}

}  // namespace

const std::vector<Variable>& variables() {
  static const std::vector<Variable> table = [] {
    using T = Trajectory;
    using M = StepMetrics;
    std::vector<Variable> v = {
        field("control", "1", "control share C[r,a]", &T::control,
              [](const RecordView& r) -> const Field& { return r.state.control; }),
        field("support", "1", "popular support S[r,a]", &T::support,
              [](const RecordView& r) -> const Field& { return r.state.support; }),
        field("power", "strength", "projected power P[r,a]", &T::power,
              [](const RecordView& r) -> const Field& { return r.power; }),
        field("forces", "strength", "strength of units present", &T::forces,
              [](const RecordView& r) -> const Field& { return r.forces; }),
        sweep_default(1, per_actor("control_share_pop", "1", "population-weighted control share",
                                   &T::control_pop, &M::control_pop)),
        per_actor("control_share_value", "1", "value-weighted control share", &T::control_value,
                  &M::control_value),
        sweep_default(
            3, per_actor("forces_total", "strength", "strength alive, in theatre or in transit",
                         &T::forces_actor, &M::forces)),
        sweep_default(4, per_actor("casualties", "strength", "cumulative combat losses",
                                   &T::casualties, &M::casualties)),
        per_actor("withdrawn", "strength", "cumulative strength withdrawn through exits",
                  &T::withdrawn, &M::withdrawn),
        per_actor("exit_queue", "strength", "withdrawing strength waiting at an exit",
                  &T::exit_queue, &M::exit_queue),
        per_actor("budget", "budget units", "actor budget", &T::budget, &M::budget),
        sweep_default(2, per_step("vacuum_share", "1", "population-weighted vacuum share",
                                  &T::vacuum_pop, &M::vacuum_pop)),
        per_step("hhi", "1", "Herfindahl index of controlled population", &T::hhi, &M::hhi),
        per_step("effective_actors", "1", "effective number of actors (1/HHI)",
                 &T::effective_actors, &M::effective_actors),
    };
    Variable vacuum_days;
    vacuum_days.name = "vacuum_days";
    vacuum_days.dims = {kRep, kRegion};
    vacuum_days.units = "days";
    vacuum_days.long_name = "days with vacuum above one half";
    vacuum_days.group = Group::Final;
    vacuum_days.f64 = &T::vacuum_days;
    vacuum_days.sweep_default = 6;
    v.push_back(vacuum_days);
    v.push_back(sweep_default(
        5, final_value(
               "attribution_net", {kRep, kRegion, kActor}, "1",
               "net vacuum attribution A[r,b]: control the withdrawing actor lost, gained by b",
               Group::Final,
               [](const ReplicateFinals& f) { return field_values(f.attribution.gained); })));
    v.push_back(final_value(
        "attribution_lost", {kRep, kRegion}, "1", "control the withdrawing actor lost, L_r",
        Group::Final, [](const ReplicateFinals& f) { return vector_values(f.attribution.lost); }));
    v.push_back(final_value(
        "attribution_unfilled", {kRep, kRegion}, "1", "part of L_r still vacuum", Group::Final,
        [](const ReplicateFinals& f) { return vector_values(f.attribution.unfilled); }));
    v.push_back(final_value(
        "counterfactual_effect", {kRep, kRegion, kActor}, "1",
        "paired counterfactual: final control with drawdown minus without, same random keys",
        Group::Counterfactual,
        [](const ReplicateFinals& f) { return field_values(f.counterfactual_effect); }));
    v.push_back(final_value(
        "counterfactual_control", {kRep, kRegion, kActor}, "1",
        "final control in the arm without the drawdown", Group::Counterfactual,
        [](const ReplicateFinals& f) { return field_values(f.counterfactual_control); }));
    return v;
  }();
  return table;
}

const Variable* find_variable(std::string_view name) {
  for (const auto& v : variables()) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const std::vector<std::string>& field_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& v : variables()) {
      if (v.is_field()) out.emplace_back(v.name);
    }
    return out;
  }();
  return names;
}

const std::vector<std::string>& mergeable_variables() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& v : variables()) out.emplace_back(v.name);
    return out;
  }();
  return names;
}

const std::vector<ExtraMetric>& extra_metrics() {
  static const std::vector<ExtraMetric> table = {
      {"vacuum_share_value", &StepMetrics::vacuum_value}};
  return table;
}

namespace {

template <class F>
AuxValues per_region_f64(const World& w, F get) {
  AuxValues v;
  for (int r = 0; r < w.R; ++r) v.f64.push_back(get(w, r));
  return v;
}

}  // namespace

const std::vector<AuxCoordinate>& aux_coordinates() {
  static const std::vector<AuxCoordinate> table = {
      {"step", kTime, DType::Int32, "1", "step index",
       [](const World& /*w*/, const std::vector<int>& steps) {
         AuxValues v;
         v.i32.assign(steps.begin(), steps.end());
         return v;
       }},
      {"region_lat", kRegion, DType::Float64, "degrees_north", "region latitude",
       [](const World& w, const std::vector<int>& /*steps*/) {
         return per_region_f64(w, [](const World& x, int r) { return x.spec().regions[r].lat; });
       }},
      {"region_lon", kRegion, DType::Float64, "degrees_east", "region longitude",
       [](const World& w, const std::vector<int>& /*steps*/) {
         return per_region_f64(w, [](const World& x, int r) { return x.spec().regions[r].lon; });
       }},
      {"region_population", kRegion, DType::Float64, "people", "region population",
       [](const World& w, const std::vector<int>& /*steps*/) {
         return per_region_f64(w, [](const World& x, int r) { return x.population[r]; });
       }},
      {"region_value", kRegion, DType::Float64, "1", "strategic value v_r",
       [](const World& w, const std::vector<int>& /*steps*/) {
         return per_region_f64(w, [](const World& x, int r) { return x.value[r]; });
       }},
      {"region_offmap", kRegion, DType::Int32, "1", "1 for off-map regions",
       [](const World& w, const std::vector<int>& /*steps*/) {
         AuxValues v;
         for (const auto& r : w.spec().regions) v.i32.push_back(r.offmap ? 1 : 0);
         return v;
       }},
      {"actor_kind", kActor, DType::String, "", "actor kind (state or non_state)",
       [](const World& w, const std::vector<int>& /*steps*/) {
         AuxValues v;
         for (const auto& a : w.spec().actors)
           v.str.emplace_back(a.is_state ? "state" : "non_state");
         return v;
       }},
  };
  return table;
}

const std::vector<EventColumn>& event_columns() {
  using E = LoggedEvent;
  static const std::vector<EventColumn> table = {
      {"event_replicate", DType::Int32, "", "replicate of the event",
       [](int rep, const E& /*e*/, double /*dt*/) { return static_cast<double>(rep); }},
      {"event_step", DType::Int32, "1", "step at whose end the event is seen",
       [](int /*rep*/, const E& e, double /*dt*/) { return static_cast<double>(e.step); }},
      {"event_time", DType::Float64, "time", "time of the event",
       [](int /*rep*/, const E& e, double dt) { return e.step * dt; }},
      {"event_kind", DType::Int32, "",
       "kind of event: 1 control_change, 2 withdrawal, 3 engagement, 4 collapse",
       [](int /*rep*/, const E& e, double /*dt*/) { return static_cast<double>(e.kind); }},
      {"event_region", DType::Int32, "", "region index (-1: none)",
       [](int /*rep*/, const E& e, double /*dt*/) { return static_cast<double>(e.region); }},
      {"event_actor", DType::Int32, "",
       "actor index: new controller (-1 none), withdrawing actor, biggest loser, collapsing actor",
       [](int /*rep*/, const E& e, double /*dt*/) { return static_cast<double>(e.actor); }},
      {"event_other", DType::Int32, "",
       "actor index: previous controller, or the biggest inflicter of an engagement (-1: none)",
       [](int /*rep*/, const E& e, double /*dt*/) { return static_cast<double>(e.other); }},
      {"event_value", DType::Float64, "1 or strength",
       "control share of the new controller, strength withdrawn, total losses, strength left",
       [](int /*rep*/, const E& e, double /*dt*/) { return e.value; }},
  };
  return table;
}

const std::vector<std::pair<int, std::string_view>>& event_kinds() {
  static const std::vector<std::pair<int, std::string_view>> table = {
      {static_cast<int>(EventKind::ControlChange), "control_change"},
      {static_cast<int>(EventKind::Withdrawal), "withdrawal"},
      {static_cast<int>(EventKind::Engagement), "engagement"},
      {static_cast<int>(EventKind::Collapse), "collapse"},
  };
  return table;
}

const std::vector<std::string>& default_sweep_outputs() {
  static const std::vector<std::string> names = [] {
    std::vector<const Variable*> chosen;
    for (const auto& v : variables()) {
      if (v.sweep_default > 0) chosen.push_back(&v);
    }
    std::sort(chosen.begin(), chosen.end(), [](const Variable* a, const Variable* b) {
      return a->sweep_default < b->sweep_default;
    });
    std::vector<std::string> out;
    out.reserve(chosen.size());
    for (const auto* v : chosen) out.emplace_back(v->name);
    return out;
  }();
  return names;
}

std::uint64_t fnv1a64(std::string_view text, std::uint64_t h) {
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string scenario_hash(const ScenarioSpec& spec) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016llx",
                static_cast<unsigned long long>(fnv1a64(spec.source_text)));
  return buf;
}

std::string_view version() {
  return kVersion;
}
std::string_view build_id() {
  return kBuild;
}

Holder region_holder(const double* shares, int actors) {
  Holder h;
  for (int a = 1; a < actors; ++a) {
    if (shares[a] > shares[h.actor]) h.actor = a;
  }
  h.share = actors > 0 ? shares[h.actor] : 0.0;
  h.status = h.share >= kControlShare     ? Holder::Status::Controls
             : h.share >= kContestedShare ? Holder::Status::Contested
                                          : Holder::Status::None;
  return h;
}

std::string holder_label(const Holder& holder, const std::vector<std::string>& actor_names) {
  switch (holder.status) {
    case Holder::Status::Controls:
      return actor_names.at(static_cast<std::size_t>(holder.actor));
    case Holder::Status::Contested:
      return "(contested: " + actor_names.at(static_cast<std::size_t>(holder.actor)) + ")";
    case Holder::Status::None:
      return "(none)";
  }
  return "";
}

}  // namespace powershift::schema
