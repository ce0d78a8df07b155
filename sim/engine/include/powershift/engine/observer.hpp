#pragma once
// Observers receive recorded steps (DESIGN.md §2, layer 4). The model never knows about files:
// the HDF5 writer, the in-memory recorder for Python and progress displays are observers.
#include <vector>

#include "powershift/model/metrics.hpp"
#include "powershift/model/state.hpp"
#include "powershift/model/world.hpp"

namespace powershift {

struct RecordView {
  const World& world;
  const State& state;
  const StepMetrics& metrics;
  const Field& power;   // projected power P[r, a]
  const Field& forces;  // strength present per region and actor
  int replicate = 0;
};

class Observer {
 public:
  Observer() = default;
  Observer(const Observer&) = default;
  Observer& operator=(const Observer&) = default;
  Observer(Observer&&) = default;
  Observer& operator=(Observer&&) = default;
  virtual ~Observer() = default;
  virtual void on_record(const RecordView& view) = 0;
  // Every step's notable events (whatever the recording interval).
  virtual void on_events(const std::vector<LoggedEvent>& /*events*/) {}
  virtual void on_finish(const World& /*world*/, const State& /*state*/, int /*replicate*/) {}
};

// One replicate's recorded trajectory, held in memory (float32 fields, float64 metrics).
struct Trajectory {
  int replicate = 0;
  int R = 0;
  int A = 0;
  std::vector<int> steps;
  std::vector<double> days;
  std::vector<float> control, support, power, forces;  // T x R x A
  std::vector<double> control_pop, control_value, forces_actor, casualties, withdrawn, exit_queue,
      budget;                                             // T x A
  std::vector<double> vacuum_pop, hhi, effective_actors;  // T
  // At the end of the run.
  Field final_control;
  std::vector<double> vacuum_days;  // R
  MoveStats move_stats;
  std::vector<double> initial_strength, demobilised, recruited;  // A
  std::vector<LoggedEvent> events;  // every step's notable events, in step order

  [[nodiscard]] int records() const { return static_cast<int>(steps.size()); }
};

class TrajectoryRecorder final : public Observer {
 public:
  explicit TrajectoryRecorder(int replicate = 0) { trajectory_.replicate = replicate; }
  void on_record(const RecordView& view) override;
  void on_events(const std::vector<LoggedEvent>& events) override;
  void on_finish(const World& world, const State& state, int replicate) override;
  [[nodiscard]] const Trajectory& trajectory() const { return trajectory_; }
  void restore(Trajectory trajectory) { trajectory_ = std::move(trajectory); }
  Trajectory take() { return std::move(trajectory_); }

 private:
  Trajectory trajectory_;
};

}  // namespace powershift
