#include "powershift/engine/ensemble.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include "powershift/engine/schema.hpp"
#include "powershift/engine/simulation.hpp"

namespace powershift {

namespace {

// One arm of a replicate: a simulation and its recorder.
struct Arm {
  Simulation sim;
  TrajectoryRecorder recorder;
  Arm(const WorldPtr& world, std::uint64_t seed, int replicate, int steps)
      : sim(world, seed, static_cast<std::uint64_t>(replicate)), recorder(replicate) {
    if (steps >= 0) sim.set_horizon(steps);
  }
  void attach() { sim.add_observer(&recorder); }
};

}  // namespace

bool run_ensemble(const WorldPtr& world, const EnsembleOptions& options,
                  const std::function<void(ReplicateResult&&)>& sink) {
  const int n = options.replicates;
  std::vector<int> order = options.order;
  if (order.empty()) {
    order.resize(n);
    std::iota(order.begin(), order.end(), 0);
  }
  if (static_cast<int>(order.size()) != n) {
    throw std::invalid_argument("ensemble order must list every replicate once");
  }
  std::vector<std::uint8_t> skip(static_cast<std::size_t>(n), 0);
  for (int r : options.skip) skip.at(static_cast<std::size_t>(r)) = 1;
  std::vector<const ReplicateSnapshot*> resume(static_cast<std::size_t>(n), nullptr);
  for (const auto& snap : options.resume)
    resume.at(static_cast<std::size_t>(snap.replicate)) = &snap;

  WorldPtr counterfactual;
  if (options.counterfactual) {
    const auto& spec = world->spec();
    counterfactual = std::make_shared<const World>(
        options.counterfactual_events.empty() ? spec.without_drawdowns()
                                              : spec.without_events(options.counterfactual_events));
  }
  std::mutex sink_mutex;
  int done = static_cast<int>(options.skip.size());
  std::atomic<bool> interrupted{false};
  auto stop_requested = [&] {
    return options.stop && options.stop->load(std::memory_order_relaxed);
  };

  tbb::parallel_for(0, n, [&](int i) {
    const int rep = order[i];
    if (skip[rep]) return;
    if (stop_requested() && !resume[rep]) {
      interrupted = true;  // not started: it starts afresh on resume
      return;
    }
    Arm main_arm(world, options.seed, rep, options.steps);
    std::optional<Arm> cf_arm;
    // Same random key (seed, replicate) for both arms: common random numbers pair them exactly.
    if (counterfactual) cf_arm.emplace(counterfactual, options.seed, rep, options.steps);
    if (const auto* snap = resume[rep]) {
      main_arm.sim.restore(snap->state);
      main_arm.recorder.restore(snap->trajectory);
      if (cf_arm) {
        cf_arm->sim.restore(*snap->counterfactual_state);
        cf_arm->recorder.restore(*snap->counterfactual_trajectory);
      }
    }
    main_arm.attach();
    if (cf_arm) cf_arm->attach();
    auto snapshot = [&] {
      ReplicateSnapshot snap;
      snap.replicate = rep;
      snap.state = main_arm.sim.state();
      snap.trajectory = main_arm.recorder.trajectory();
      if (cf_arm) {
        snap.counterfactual_state = cf_arm->sim.state();
        snap.counterfactual_trajectory = cf_arm->recorder.trajectory();
      }
      const std::lock_guard<std::mutex> lock(sink_mutex);
      options.on_snapshot(std::move(snap));
    };
    // The two arms advance in lockstep, so a snapshot holds both at the same step.
    const int horizon = main_arm.sim.horizon();
    while (main_arm.sim.state().step < horizon) {
      if (stop_requested() && main_arm.sim.state().step > 0) {
        if (options.on_snapshot) snapshot();
        interrupted = true;
        return;
      }
      main_arm.sim.step(1);
      if (cf_arm) cf_arm->sim.step(1);
      const int t = main_arm.sim.state().step;
      if (options.snapshot_every > 0 && options.on_snapshot && t < horizon &&
          t % options.snapshot_every == 0) {
        snapshot();
      }
    }
    main_arm.sim.run();  // at the horizon: notifies the recorder's on_finish
    ReplicateResult result;
    result.replicate = rep;
    result.trajectory = main_arm.recorder.take();
    if (cf_arm) {
      cf_arm->sim.run();
      result.counterfactual = cf_arm->recorder.take();
    }
    if (options.prepare) options.prepare(result);
    const std::lock_guard<std::mutex> lock(sink_mutex);
    sink(std::move(result));
    ++done;
    if (options.progress) options.progress(done, n);
  });
  return !interrupted;
}

SummaryBuilder::SummaryBuilder(const World& world, int replicates)
    : world_(world), kept_(static_cast<std::size_t>(replicates)) {}

void SummaryBuilder::add(const ReplicateResult& result) {
  const auto& tr = result.trajectory;
  const int A = world_.A;
  const int last = tr.records() - 1;
  Final f;
  f.control = tr.final_control;
  f.control_pop.assign(tr.control_pop.begin() + static_cast<std::ptrdiff_t>(last) * A,
                       tr.control_pop.begin() + static_cast<std::ptrdiff_t>(last + 1) * A);
  f.control_value.assign(tr.control_value.begin() + static_cast<std::ptrdiff_t>(last) * A,
                         tr.control_value.begin() + static_cast<std::ptrdiff_t>(last + 1) * A);
  f.forces_initial.assign(tr.forces_actor.begin(), tr.forces_actor.begin() + A);
  f.forces.assign(tr.forces_actor.begin() + static_cast<std::ptrdiff_t>(last) * A,
                  tr.forces_actor.begin() + static_cast<std::ptrdiff_t>(last + 1) * A);
  f.casualties.assign(tr.casualties.begin() + static_cast<std::ptrdiff_t>(last) * A,
                      tr.casualties.begin() + static_cast<std::ptrdiff_t>(last + 1) * A);
  f.vacuum_pop = tr.vacuum_pop[last];
  auto finals = schema::replicate_finals(world_, result);
  f.attribution = std::move(finals.attribution);
  if (finals.has_counterfactual) f.counterfactual_effect = std::move(finals.counterfactual_effect);
  kept_.at(static_cast<std::size_t>(result.replicate)) = std::move(f);
}

EnsembleSummary SummaryBuilder::finish() const {
  const int R = world_.R;
  const int A = world_.A;
  EnsembleSummary s;
  s.withdrawing_actor = withdrawing_actor(world_.spec());
  s.control_initial = Eigen::Map<const Field>(world_.control0.data(), R, A);
  s.control_final_mean = Field::Zero(R, A);
  s.attribution_net_mean = Field::Zero(R, A);
  s.counterfactual_mean = Field::Zero(R, A);
  s.counterfactual_sd = Field::Zero(R, A);
  s.control_pop_final.assign(A, 0.0);
  s.control_value_final.assign(A, 0.0);
  s.forces_initial.assign(A, 0.0);
  s.forces_final.assign(A, 0.0);
  s.casualties.assign(A, 0.0);
  s.attribution_lost_mean.assign(R, 0.0);
  s.attribution_unfilled_mean.assign(R, 0.0);
  int n = 0;
  for (const auto& k : kept_) {  // replicate order: a fixed-order reduction
    if (!k) continue;
    ++n;
    s.control_final_mean += k->control;
    for (int a = 0; a < A; ++a) {
      s.control_pop_final[a] += k->control_pop[a];
      s.control_value_final[a] += k->control_value[a];
      s.forces_initial[a] += k->forces_initial[a];
      s.forces_final[a] += k->forces[a];
      s.casualties[a] += k->casualties[a];
    }
    s.vacuum_pop_final += k->vacuum_pop;
    s.attribution_net_mean += k->attribution.gained;
    for (int r = 0; r < R; ++r) {
      s.attribution_lost_mean[r] += k->attribution.lost[r];
      s.attribution_unfilled_mean[r] += k->attribution.unfilled[r];
    }
    if (k->counterfactual_effect) {
      s.has_counterfactual = true;
      s.counterfactual_mean += *k->counterfactual_effect;
    }
  }
  s.replicates = n;
  if (n == 0) return s;
  const double inv = 1.0 / n;
  s.control_final_mean *= inv;
  s.attribution_net_mean *= inv;
  for (auto* v : {&s.control_pop_final, &s.control_value_final, &s.forces_initial, &s.forces_final,
                  &s.casualties, &s.attribution_lost_mean, &s.attribution_unfilled_mean}) {
    for (auto& x : *v) x *= inv;
  }
  s.vacuum_pop_final *= inv;
  s.vacuum_final.assign(R, 0.0);
  for (int r = 0; r < R; ++r) {
    s.vacuum_final[r] = world_.offmap[r] ? 0.0 : 1.0 - s.control_final_mean.row(r).sum();
  }
  if (s.has_counterfactual) {
    // Two passes (mean, then squared deviations): no cancellation; sample sd (n - 1).
    s.counterfactual_mean *= inv;
    Field sq = Field::Zero(R, A);
    for (const auto& k : kept_) {
      if (!k || !k->counterfactual_effect) continue;
      const Field dev = *k->counterfactual_effect - s.counterfactual_mean;
      sq += dev * dev;
    }
    s.counterfactual_sd = n > 1 ? Field((sq / (n - 1)).sqrt()) : Field(Field::Zero(R, A));
  }
  return s;
}

}  // namespace powershift
