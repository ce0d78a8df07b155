#pragma once
// Replicates in parallel on TBB. Replicate r uses the random key (seed, r), so a replicate's
// trajectory does not depend on which thread ran it or in which order.
#include <any>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "powershift/engine/observer.hpp"
#include "powershift/model/state.hpp"
#include "powershift/model/world.hpp"

namespace powershift {

struct ReplicateResult {
  int replicate = 0;
  Trajectory trajectory;
  std::optional<Trajectory> counterfactual;  // same keys, scenario without its drawdown
  // What a front end's `prepare` hook attached (e.g. compressed output chunks).
  std::any attachment;
};

// A replicate stopped at a step boundary: everything needed to continue it bit for bit (random
// numbers are counter-based, so they need no state).
struct ReplicateSnapshot {
  int replicate = 0;
  State state;
  Trajectory trajectory;
  std::optional<State> counterfactual_state;
  std::optional<Trajectory> counterfactual_trajectory;
};

struct EnsembleOptions {
  int replicates = 1;
  std::uint64_t seed = 1;
  int steps = -1;  // < 0: the scenario's horizon
  bool counterfactual = false;
  // Events the counterfactual arm leaves out (indices into the scenario's events); empty: every
  // drawdown event.
  std::vector<int> counterfactual_events;
  // The order replicates are started in (a permutation of 0..replicates-1); empty: ascending.
  std::vector<int> order;
  // Called after each replicate, serially, with (done, total).
  std::function<void(int, int)> progress;
  // Called on each finished replicate concurrently, before the serial sink: heavy per-replicate
  // work (compressing output) belongs here, outside the sink's lock.
  std::function<void(ReplicateResult&)> prepare;

  // Checkpointing. Every `snapshot_every` steps (0: never) a running replicate hands a snapshot
  // to `on_snapshot` (serially). When `stop` becomes true, every running replicate stops at its
  // next step boundary and hands its snapshot; replicates not started are left alone.
  int snapshot_every = 0;
  std::function<void(ReplicateSnapshot&&)> on_snapshot;
  const std::atomic<bool>* stop = nullptr;
  // Resuming: replicates to skip (finished earlier) and replicates to continue from a snapshot.
  std::vector<int> skip;
  std::vector<ReplicateSnapshot> resume;
};

// Runs the ensemble; `sink` receives each finished replicate, serially, in completion order.
// Returns true when every replicate finished, false when `stop` interrupted it.
bool run_ensemble(const WorldPtr& world, const EnsembleOptions& options,
                  const std::function<void(ReplicateResult&&)>& sink);

// Ensemble summary, computed in replicate order whatever the completion order.
struct EnsembleSummary {
  int replicates = 0;
  int withdrawing_actor = -1;
  Field control_initial;
  Field control_final_mean;                                    // R x A
  std::vector<double> control_pop_initial, control_pop_final;  // A
  std::vector<double> control_value_final;                     // A
  double vacuum_pop_final = 0.0;
  std::vector<double> forces_initial, forces_final, casualties;          // A
  std::vector<double> vacuum_final;                                      // R
  Field attribution_net_mean;                                            // R x A
  std::vector<double> attribution_lost_mean, attribution_unfilled_mean;  // R
  bool has_counterfactual = false;
  Field counterfactual_mean;  // E[C_T | drawdown] - E[C_T | none], R x A
  Field counterfactual_sd;
};

class SummaryBuilder {
 public:
  explicit SummaryBuilder(const World& world, int replicates);
  void add(const ReplicateResult& result);  // any order, thread-compatible (call serially)
  [[nodiscard]] EnsembleSummary finish() const;

 private:
  // What the summary keeps of one replicate: its final values, not its trajectory.
  struct Final {
    Field control;
    std::vector<double> control_pop, control_value, forces_initial, forces, casualties;
    double vacuum_pop = 0.0;
    NetAttribution attribution;                  // schema::replicate_finals, computed once
    std::optional<Field> counterfactual_effect;  // with a counterfactual arm
  };
  const World& world_;
  std::vector<std::optional<Final>> kept_;
};

}  // namespace powershift
