#pragma once
// State: everything that changes during a run (DESIGN.md §2, layer 2). Plain data, copyable;
// a checkpoint is this written to disk.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace powershift {

class World;

// A region x actor field, row-major so one region's actors are contiguous.
using Field = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class Order : std::uint8_t { Free = 0, Withdraw = 1, Hold = 2 };

// Units as a structure of arrays; a unit's id is its index and never changes.
struct Units {
  std::vector<std::int32_t> actor, type, region;
  std::vector<double> strength, morale;
  std::vector<double> eta;  // days left on the current hop; <= 0: present in `region`
  std::vector<std::int32_t> hop, dest, from;
  std::vector<Order> order;
  std::vector<std::int32_t> withdraw_event;  // event that ordered it out, -1 none
  std::vector<double> arrived_at;            // step of the last arrival
  std::vector<std::uint8_t> alive;

  [[nodiscard]] std::size_t size() const { return strength.size(); }
  std::size_t add(int actor_id, int type_id, int region_id, double strength_value);
};

// Diagnostics of movement, used by the tests of DESIGN.md §3.3.
struct MoveStats {
  std::int64_t moves = 0;
  std::int64_t moves_after_30 = 0;
  std::int64_t reversals_within_3 = 0;
  std::int64_t reversals = 0;
  double unit_days_after_30 = 0.0;
  std::int64_t breaks_retreat = 0, breaks_disband = 0, breaks_defect = 0;
};

struct DrawdownProgress {
  bool started = false;
  double base_strength = 0.0;  // Free strength outside `keep` when the order began
  double withdrawn = 0.0;      // strength that has left through exits
};

// Things about a scenario that only the engine can see, reported as warnings by front ends:
// initial control far from the day-0 target (a transient, not a finding) and withdrawing actors
// with units that cannot reach an exit.
struct ScenarioWarning {
  std::string path;  // field path, e.g. actors.hts.control.Aleppo
  std::string message;
};
std::vector<ScenarioWarning> engine_warnings(const World& world, double tolerance = 0.25);

struct State {
  int step = 0;  // steps completed
  Units units;
  Field control;         // C[r, a]
  Field support;         // S[r, a]
  Field target;          // actor target strength per region (decide phase)
  Field recruit_pool;    // fractional recruits waiting to form a unit
  Field control_target;  // T[r, a] of the last control phase

  std::vector<double> relations;                     // A x A
  std::vector<double> relations_pos, relations_neg;  // max(Rel, 0) and max(-Rel, 0), derived
  std::vector<int> coalition;                        // per actor
  int coalitions = 0;
  std::vector<std::uint8_t> fights;  // A x A: engagement[a, b] > 0
  std::vector<double> engagement;    // A x A: engagement intensity e[a, b] in [0, 1], derived

  std::vector<double> budget, budget0, upkeep0, territory_rate, external_income;
  std::vector<double> sponsor_in, sponsor_out, income_factor;
  std::vector<double> casualties, withdrawn, demobilised, recruited, disbanded, spent_elsewhere;
  std::vector<double> initial_strength;
  std::vector<DrawdownProgress> drawdowns;  // per scenario event
  std::vector<double> vacuum_days;          // per region: days with vacuum above one half
  std::vector<int> controller;          // per region: actor holding C >= 1/2, or -1 (event table)
  std::vector<std::uint8_t> collapsed;  // per actor: fell below a tenth of its initial strength
  MoveStats move_stats;

  // Builds day 0 from the world: units from forces, C and S from the scenario, budgets.
  static State initial(const World& world);

  [[nodiscard]] double actor_strength(int actor) const;
};

// Rebuilds what the state derives from its relations (coalitions, who fights, the split relation
// matrices): for a state read back from a checkpoint, which stores only the relations.
void rebuild_derived(const World& world, State& state);

}  // namespace powershift
