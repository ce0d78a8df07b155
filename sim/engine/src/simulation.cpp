#include "powershift/engine/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "powershift/model/error.hpp"

namespace powershift {

Simulation::Simulation(WorldPtr world, std::uint64_t seed, std::uint64_t replicate)
    : world_(std::move(world)),
      replicate_(replicate),
      state_(State::initial(*world_)),
      ctx_(*world_, seed, replicate),
      horizon_(world_->spec().run.steps) {}

void Simulation::add_observer(Observer* observer) {
  observers_.push_back(observer);
}

void Simulation::restore(State state) {
  state_ = std::move(state);
  recorded_initial_ = true;
  finished_ = false;
}

bool Simulation::due_for_record(int step) const {
  const int interval = std::max(1, world_->spec().outputs.interval);
  return step == 0 || step % interval == 0 || step == horizon_;
}

void Simulation::record() {
  if (observers_.empty()) return;
  const World& w = *world_;
  const StepMetrics metrics = compute_metrics(w, state_);
  const Field forces = forces_by_region(w, state_);
  const RecordView view{w, state_, metrics, ctx_.projected, forces, static_cast<int>(replicate_)};
  for (auto* o : observers_) o->on_record(view);
}

void Simulation::step(int n) {
  const World& w = *world_;
  if (!recorded_initial_) {
    recorded_initial_ = true;
    // Day 0: sense so that the recorded power is the initial one.
    ctx_.t = 0;
    sense_phase(w, state_, ctx_);
    record();
  }
  for (int i = 0; i < n && state_.step < horizon_; ++i) {
    const int t = state_.step + 1;
    ctx_.t = t;
    const std::vector<double> withdrawn_before = state_.withdrawn;
    events_phase(w, state_, ctx_);
    // Only actor decisions read this sense; it is pure, so skipping it when none is due
    // changes nothing.
    if (any_actor_due(w, t)) sense_phase(w, state_, ctx_);
    decide_phase(w, state_, ctx_);
    move_phase(w, state_, ctx_);
    sense_phase(w, state_, ctx_);
    engage_phase(w, state_, ctx_);
    control_phase(w, state_, ctx_);
    economy_phase(w, state_, ctx_);
    relations_phase(w, state_, ctx_);
    // Finite state: a budget that is no longer a number stops the run here rather than reach a
    // file (the phases name the cause when they can).
    for (int a = 0; a < w.A; ++a) {
      if (!std::isfinite(state_.budget[a])) {
        throw SimulationError("actor " + w.spec().actors[a].name +
                              ": budget is no longer finite on step " + std::to_string(t));
      }
    }
    state_.step = t;
    if (t > 30) {
      const auto& U = state_.units;
      double present = 0.0;
      for (std::size_t u = 0; u < U.size(); ++u) {
        if (U.alive[u] && !w.offmap[U.region[u]] && U.order[u] != Order::Withdraw) present += 1.0;
      }
      state_.move_stats.unit_days_after_30 += present * w.dt;
    }
    if (!observers_.empty()) {
      std::vector<LoggedEvent> events;
      detect_events(w, state_, ctx_, withdrawn_before, events);
      if (!events.empty()) {
        for (auto* o : observers_) o->on_events(events);
      }
    }
    if (due_for_record(t)) record();
  }
}

void Simulation::run() {
  step(horizon_ - state_.step);
  if (!finished_) {
    finished_ = true;
    for (auto* o : observers_) o->on_finish(*world_, state_, static_cast<int>(replicate_));
  }
}

}  // namespace powershift

namespace powershift {
std::vector<int> recorded_steps(int horizon, int interval) {
  std::vector<int> out;
  interval = std::max(1, interval);
  for (int t = 0; t <= horizon; ++t) {
    if (t == 0 || t % interval == 0 || t == horizon) out.push_back(t);
  }
  return out;
}
}  // namespace powershift
