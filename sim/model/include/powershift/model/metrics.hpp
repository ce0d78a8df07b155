#pragma once
// Metrics of DESIGN.md §3 computed by the engine: control shares, concentration, vacuum,
// casualties, exit queues, and both forms of vacuum attribution.
#include <cstdint>
#include <vector>

#include "powershift/model/state.hpp"
#include "powershift/model/world.hpp"

namespace powershift {

struct StepMetrics {
  int step = 0;
  double day = 0.0;
  std::vector<double> control_pop;    // per actor: population-weighted control share
  std::vector<double> control_value;  // per actor: value-weighted control share
  double vacuum_pop = 0.0;            // population-weighted vacuum share
  double vacuum_value = 0.0;
  double hhi = 0.0;                // Herfindahl index of controlled population shares
  double effective_actors = 0.0;   // 1 / hhi
  std::vector<double> forces;      // per actor: strength alive (in theatre or in transit)
  std::vector<double> casualties;  // per actor: cumulative combat losses
  std::vector<double> withdrawn;   // per actor: cumulative strength that left through exits
  std::vector<double> exit_queue;  // per actor: withdrawing strength waiting at an exit
  std::vector<double> budget;      // per actor
};

StepMetrics compute_metrics(const World& w, const State& s);

// Who controls a region: the actor holding at least kControlShare of it (-1: nobody). Below
// kContestedShare the leading actor is not even said to contest it (closing table, inspect).
inline constexpr double kControlShare = 0.5;
inline constexpr double kContestedShare = 0.005;
int controller_of(const Field& control, int region);

// Notable events of a step, for the output's event table (docs/output-format.md §Events).
enum class EventKind : std::int8_t {
  ControlChange = 1,
  Withdrawal = 2,
  Engagement = 3,
  Collapse = 4
};

struct LoggedEvent {
  int step = 0;
  EventKind kind = EventKind::ControlChange;
  int region = -1;
  int actor = -1;      // new controller (-1: none) / withdrawing / biggest loser / collapsing actor
  int other = -1;      // previous controller / - / biggest inflicter / -
  double value = 0.0;  // share / strength withdrawn / total losses / remaining strength
};

// Strength of all units present per region and actor (every type).
Field forces_by_region(const World& w, const State& s);

// Net per-region attribution (docs/model.md §Metrics): with L_r = (C_w,0 - C_w,T)+ and
// G_rb = (C_b,T - C_b,0)+, A[r, b] = L_r G_rb / max(sum_b G_rb, L_r); the rest of L_r is vacuum.
struct NetAttribution {
  int actor = -1;
  Field gained;                  // A[r, b]; the withdrawing actor's column is 0
  std::vector<double> lost;      // L_r
  std::vector<double> unfilled;  // L_r - sum_b A[r, b]
};

NetAttribution net_attribution(const Field& initial, const Field& final_control, int actor);

// The withdrawing actor of a scenario: the actor of its first drawdown event, -1 if none.
int withdrawing_actor(const ScenarioSpec& spec);

}  // namespace powershift
