#pragma once
// The validated description of a scenario, as the loader hands it to the engine. Plain data with
// every reference already resolved to an index; the engine never sees YAML.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "powershift/model/params.hpp"

namespace powershift {

enum class ValueComponent : int { Capital = 0, Port, Airbase, Oil, Border, Count };
inline constexpr int kValueComponents = static_cast<int>(ValueComponent::Count);

struct RegionSpec {
  std::string name;
  double lat = 0.0;
  double lon = 0.0;
  double population = 0.0;
  double terrain = 1.0;
  double site_need = 0.0;  // holding power a site (base, port) needs beyond theta x population
  std::array<double, kValueComponents> value{};
  bool offmap = false;
};

struct EdgeSpec {
  int a = -1;
  int b = -1;
  double km = -1.0;  // < 0: 1.3 x great-circle distance
};

struct ExitSpec {
  int from = -1;          // on-map region
  int to = -1;            // off-map region
  double capacity = 0.0;  // strength per day
  double km = 2000.0;
  std::string mode;  // airlift, sealift, road: descriptive
};

enum class AttritionLaw : std::uint8_t { Square, Linear };

struct UnitTypeSpec {
  std::string name;
  double attack = 1.0;
  double defence = 1.0;
  double lambda_km = 40.0;
  double range_km = 120.0;
  double speed_km_day = 150.0;
  double upkeep = 1.0;
  bool holds_ground = true;
  AttritionLaw law = AttritionLaw::Square;
  bool declines = false;
  double sorties = 1.0;      // sorties per day per unit of strength (types that do not hold ground)
  double air_defence = 0.0;  // air-defence power per unit of strength
};

struct ForceSpec {
  int type = -1;
  int region = -1;
  double strength = 0.0;
};

struct ActorSpec {
  std::string name;
  bool is_state = false;
  int home = -1;
  int recruit_type = 0;
  double aggressiveness = 0.5;
  double risk_aversion = 0.5;
  double cost_sensitivity = 0.5;
  double rationality = 5.0;
  int decision_interval = 3;
  double quality = 1.0;
  double budget = -1.0;          // < 0: budget_days x day-0 upkeep
  double income = -1.0;          // < 0: balanced against day-0 upkeep
  std::vector<double> salience;  // per region
  std::vector<double> control;   // per region, initial C
  std::vector<double> support;   // per region, initial S
  std::vector<ForceSpec> forces;
};

struct RelationSpec {
  int a = -1;
  int b = -1;
  double value = 0.0;
};

struct SponsorSpec {
  int sponsor = -1;
  int client = -1;
  double fraction = 0.0;
};

struct GarrisonSpec {
  int actor = -1;
  std::vector<int> regions;
};

enum class EventType : std::uint8_t {
  Drawdown,
  Reinforcement,
  RelationChange,
  BudgetChange,
  ExternalDemand,
};

enum class Motive : std::uint8_t { Unspecified, BudgetPressure, ExternalDemand, Relations };

struct SchedulePoint {
  double day = 0.0;       // days after the event's start day
  double fraction = 0.0;  // of the actor's forces outside `keep`
};

struct EventSpec {
  EventType type = EventType::Drawdown;
  std::string name;  // optional; unique among events when given
  double day = 0.0;  // time it takes effect: applied at the start of the first step from then
  int actor = -1;
  // drawdown
  std::vector<SchedulePoint> schedule;  // piecewise linear fraction over days since `day`
  std::vector<int> leave;
  std::vector<int> keep;
  std::vector<int> first;  // unit types in leaving order
  Motive motive = Motive::Unspecified;
  // reinforcement
  int unit_type = -1;
  int region = -1;
  double strength = 0.0;  // reinforcement or external demand
  // relation change
  int other = -1;
  double value = 0.0;
  // budget change
  double income_factor = 1.0;
  double budget_delta = 0.0;
};

struct RunSpec {
  int steps = 365;
  double dt = 1.0;
  std::string start_date = "2024-12-08";
  std::uint64_t seed = 1;
  int replicates = 1;
  double unit_size = 300.0;
  // The most units a run may hold (recruits and reinforcements included); the loader sets it to
  // its Limits::max_units. Exceeding it at run time stops the run with a SimulationError.
  double max_units = 5.0e6;
};

struct OutputSpec {
  int interval = 1;
  double event_min_losses = 100.0;  // engagements with at least these losses enter the event table
};

struct ScenarioSpec {
  std::string name;
  std::string description;
  std::string source_path;  // file it came from, for provenance
  std::string source_text;  // the YAML text, stored in outputs
  RunSpec run;
  ModelParams params;
  std::vector<RegionSpec> regions;
  std::vector<EdgeSpec> edges;
  std::vector<ExitSpec> exits;
  std::vector<UnitTypeSpec> unit_types;
  std::vector<ActorSpec> actors;
  std::vector<RelationSpec> relations;
  std::vector<SponsorSpec> sponsors;
  std::vector<GarrisonSpec> garrisons;
  std::vector<EventSpec> events;
  OutputSpec outputs;

  // The paired counterfactual arm: the same scenario without the given events (indices into
  // `events`), or without every drawdown event.
  [[nodiscard]] ScenarioSpec without_events(const std::vector<int>& removed) const;
  [[nodiscard]] ScenarioSpec without_drawdowns() const;
  [[nodiscard]] std::vector<int> drawdown_events() const;
  [[nodiscard]] bool has_drawdown() const;
};

}  // namespace powershift
