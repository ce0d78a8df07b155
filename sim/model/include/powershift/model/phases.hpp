#pragma once
// The model phases of DESIGN.md §3.2, one file each in sim/model/src/. Each is a free function
// phase(const World&, State&, StepContext&) that reads the state and writes its own outputs.
#include <cmath>
#include <cstdint>
#include <vector>

#include "powershift/model/contest.hpp"
#include "powershift/model/metrics.hpp"
#include "powershift/model/rng.hpp"
#include "powershift/model/state.hpp"
#include "powershift/model/world.hpp"

namespace powershift {

// Scratch shared by the phases of one step; owned by a Simulation, reused every step.
struct StepContext {
  explicit StepContext(const World& world, std::uint64_t seed, std::uint64_t replicate);

  CounterRng rng;
  int t = 0;  // the step being computed, 1-based

  // Sense.
  Field projected;      // P[r, a]: power projected into r (all types)
  Field projected_air;  // the part from types that do not hold ground
  Field friendly;       // F[r, a]
  Field hostile;        // Hs[r, a]
  Field holding;        // H[r, a]
  Field present;        // strength of ground-holding units present, X[r, a]
  // Air power (docs/model.md §4.2): sorties allocated to where the actor has targets.
  Field exposed;     // strength of all units present (any type)
  Field air_def;     // air-defence power present, AD[r, a]
  Field air_demand;  // e-bar[r, a]: most intense engagement of a with anyone present in r
  Field
      air_shield;  // sigma[r, a]: share of a's sorties into r that hostile air defence lets through
  Field air_fire;  // fire delivered into r by a's sorties (enters Engage's Y)
  std::vector<double> sortie_norm;         // K x R x A: D_k[s, a], demand seen from base s
  std::vector<double> by_type;             // K x R x A effective power of units present
  std::vector<std::uint8_t> type_present;  // K x R: any unit of type k present in r

  // Units present in each region, in id order (counting sort). Units that die later in the step
  // stay listed with alive = 0; loops over the lists check it.
  std::vector<std::int32_t> region_offsets;
  std::vector<std::int32_t> region_units;

  // Engage.
  Field inflicted;            // harm done by actor b in region r this step
  Field losses;               // strength lost by actor a in region r this step
  std::vector<double> clash;  // A x A casualties exchanged this step

  // Control.
  Field contest_target;

  bool parallel_regions = false;
  bool parallel_units = false;
};

// Unit helpers shared by the phases (docs/model.md §Sense).
inline bool unit_present(const World& w, const State& s, std::size_t u) {
  return s.units.alive[u] && s.units.eta[u] <= 0.0 && !w.offmap[s.units.region[u]];
}
// Defender's terrain multiplier 1 + (tau_r - 1) C[r, a].
inline double terrain_factor(const World& w, const State& s, int region, int actor) {
  return 1.0 + (w.terrain[region] - 1.0) * s.control(region, actor);
}
void index_units_by_region(const World& w, const State& s, StepContext& ctx);
void compute_holding(const World& w, const State& s, StepContext& ctx);
void depart(const World& w, State& s, std::size_t unit, int t);
// Splits a force into ceil(strength / unit_size) equal units appended in id order.
void split_into_units(Units& units, int actor, int type, int region, double strength,
                      double unit_size);
void update_coalitions(const World& w, State& s);
// Engagement intensity e(h) in [0, 1] of a dyad with hostility h = -Rel x max(aggressiveness):
// 0 up to fight_threshold, linear up to fight_full, 1 beyond (docs/model.md §4.9).
double engagement_intensity(double hostility, const CombatParams& c);

// First step at which an event applies.
int event_start_step(const EventSpec& e, double dt);

// Whether any actor takes its decision at step t.
bool any_actor_due(const World& w, int t);

void events_phase(const World& w, State& s, StepContext& ctx);
void sense_phase(const World& w, State& s, StepContext& ctx);
void decide_phase(const World& w, State& s, StepContext& ctx);
void move_phase(const World& w, State& s, StepContext& ctx);
void engage_phase(const World& w, State& s, StepContext& ctx);
void control_phase(const World& w, State& s, StepContext& ctx);
void economy_phase(const World& w, State& s, StepContext& ctx);
void relations_phase(const World& w, State& s, StepContext& ctx);

// Record: the notable events of the step just computed (control changes, withdrawals, large
// engagements, collapses); updates the trackers in State. `withdrawn_before` is the per-actor
// cumulative withdrawal at the start of the step.
void detect_events(const World& w, State& s, const StepContext& ctx,
                   const std::vector<double>& withdrawn_before, std::vector<LoggedEvent>& out);

// Total upkeep per actor for the units alive now.
std::vector<double> actor_upkeep(const World& w, const State& s);

}  // namespace powershift
