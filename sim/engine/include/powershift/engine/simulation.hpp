#pragma once
// One replicate of one scenario: the phases in their fixed order (DESIGN.md §3.2).
#include <cstdint>
#include <vector>

#include "powershift/engine/observer.hpp"
#include "powershift/model/phases.hpp"
#include "powershift/model/state.hpp"
#include "powershift/model/world.hpp"

namespace powershift {

class Simulation {
 public:
  Simulation(WorldPtr world, std::uint64_t seed, std::uint64_t replicate);

  // Observers are not owned; they must outlive the run. Step 0 is recorded on the first step.
  void add_observer(Observer* observer);
  // Advance n steps (bounded by the scenario's horizon unless `steps` overrides it).
  void step(int n = 1);
  // Run to the horizon and notify observers' on_finish.
  void run();
  void set_horizon(int steps) { horizon_ = steps; }
  // Continue from a saved state (a checkpoint); its step 0 was recorded before the save.
  void restore(State state);

  [[nodiscard]] int horizon() const { return horizon_; }
  [[nodiscard]] const State& state() const { return state_; }
  [[nodiscard]] State& mutable_state() { return state_; }
  [[nodiscard]] const World& world() const { return *world_; }
  [[nodiscard]] const WorldPtr& world_ptr() const { return world_; }
  [[nodiscard]] std::uint64_t replicate() const { return replicate_; }

 private:
  void record();
  [[nodiscard]] bool due_for_record(int step) const;

  WorldPtr world_;
  std::uint64_t replicate_;
  State state_;
  StepContext ctx_;
  std::vector<Observer*> observers_;
  int horizon_;
  bool recorded_initial_ = false;
  bool finished_ = false;
};

}  // namespace powershift

namespace powershift {
// The steps a run of `horizon` steps records at `interval`: 0, every interval, and the last.
std::vector<int> recorded_steps(int horizon, int interval);
}  // namespace powershift
