// powershift._core.run_ensemble: replicates on TBB with the GIL released, results as NumPy arrays
// (the Python package assembles the xarray.Dataset with the names of the HDF5 output).
//
// Arguments are converted first; then the GIL is released and no Python object is touched until
// the ensemble is done. The ensemble runs on a worker thread so that the calling thread can look
// for Ctrl-C every 100 ms: a KeyboardInterrupt stops every replicate at its next step boundary.
#include <Python.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "arrays.hpp"
#include "powershift/ensemble.hpp"
#include "powershift/error.hpp"
#include "powershift/metrics.hpp"
#include "powershift/simulation.hpp"
#include "register.hpp"
#include "scenario_handle.hpp"

namespace powershift::bindings {

namespace {

const std::vector<std::string>& field_names() {
  static const std::vector<std::string> names = {"control", "support", "power", "forces"};
  return names;
}

// Every array of the result, allocated before the run and filled by the replicates in parallel,
// each into its own slice.
struct EnsembleArrays {
  std::size_t n = 0, T = 0, R = 0, A = 0;
  std::map<std::string, OutputBuffer<float>> fields;    // n x T x R x A
  std::map<std::string, OutputBuffer<double>> per_actor;  // n x T x A
  std::map<std::string, OutputBuffer<double>> per_step;   // n x T
  std::map<std::string, OutputBuffer<double>> per_region;  // n x R
  std::map<std::string, OutputBuffer<double>> final_fields;  // n x R x A

  EnsembleArrays(std::size_t n_, std::size_t T_, std::size_t R_, std::size_t A_,
                 const std::vector<std::string>& selected, bool counterfactual)
      : n(n_), T(T_), R(R_), A(A_) {
    auto s = [](std::size_t v) { return static_cast<py::ssize_t>(v); };
    for (const auto& f : selected) fields.emplace(f, OutputBuffer<float>({s(n), s(T), s(R), s(A)}));
    for (const char* name : {"control_share_pop", "control_share_value", "forces_total", "casualties",
                             "withdrawn", "exit_queue", "budget"}) {
      per_actor.emplace(name, OutputBuffer<double>({s(n), s(T), s(A)}));
    }
    for (const char* name : {"vacuum_share", "hhi", "effective_actors"}) {
      per_step.emplace(name, OutputBuffer<double>({s(n), s(T)}));
    }
    for (const char* name : {"vacuum_days", "attribution_lost", "attribution_unfilled"}) {
      per_region.emplace(name, OutputBuffer<double>({s(n), s(R)}));
    }
    final_fields.emplace("attribution_net", OutputBuffer<double>({s(n), s(R), s(A)}));
    if (counterfactual) {
      final_fields.emplace("counterfactual_effect", OutputBuffer<double>({s(n), s(R), s(A)}));
      final_fields.emplace("counterfactual_control", OutputBuffer<double>({s(n), s(R), s(A)}));
    }
  }

  template <class T, class Src>
  static void put(OutputBuffer<T>& dst, std::size_t rep, std::size_t count, const Src* src) {
    std::copy_n(src, count, dst.data() + rep * count);  // float32 fields copy as they were recorded
  }

  // One finished replicate into its slices (thread-safe across replicates).
  void fill(const World& world, const ReplicateResult& r) {
    const auto& tr = r.trajectory;
    const auto rep = static_cast<std::size_t>(r.replicate);
    if (static_cast<std::size_t>(tr.records()) != T) {
      throw std::logic_error("replicate " + std::to_string(rep) + " recorded " +
                             std::to_string(tr.records()) + " steps, expected " + std::to_string(T));
    }
    const std::map<std::string, const std::vector<float>*> recorded = {
        {"control", &tr.control}, {"support", &tr.support}, {"power", &tr.power}, {"forces", &tr.forces}};
    for (auto& [name, buf] : fields) put(buf, rep, T * R * A, recorded.at(name)->data());
    put(per_actor.at("control_share_pop"), rep, T * A, tr.control_pop.data());
    put(per_actor.at("control_share_value"), rep, T * A, tr.control_value.data());
    put(per_actor.at("forces_total"), rep, T * A, tr.forces_actor.data());
    put(per_actor.at("casualties"), rep, T * A, tr.casualties.data());
    put(per_actor.at("withdrawn"), rep, T * A, tr.withdrawn.data());
    put(per_actor.at("exit_queue"), rep, T * A, tr.exit_queue.data());
    put(per_actor.at("budget"), rep, T * A, tr.budget.data());
    put(per_step.at("vacuum_share"), rep, T, tr.vacuum_pop.data());
    put(per_step.at("hhi"), rep, T, tr.hhi.data());
    put(per_step.at("effective_actors"), rep, T, tr.effective_actors.data());
    put(per_region.at("vacuum_days"), rep, R, tr.vacuum_days.data());
    // Net attribution exactly as the HDF5 writer computes it.
    const Field c0 = Eigen::Map<const Field>(world.control0.data(), world.R, world.A);
    const auto na = net_attribution(c0, tr.final_control, withdrawing_actor(world.spec()));
    put(final_fields.at("attribution_net"), rep, R * A, na.gained.data());
    put(per_region.at("attribution_lost"), rep, R, na.lost.data());
    put(per_region.at("attribution_unfilled"), rep, R, na.unfilled.data());
    if (auto it = final_fields.find("counterfactual_effect"); it != final_fields.end()) {
      if (!r.counterfactual) throw std::logic_error("counterfactual arm missing");
      const Field diff = tr.final_control - r.counterfactual->final_control;
      put(it->second, rep, R * A, diff.data());
      put(final_fields.at("counterfactual_control"), rep, R * A,
          r.counterfactual->final_control.data());
    }
  }
};

template <class T>
py::array vector_array(std::vector<T>&& v) {
  OutputBuffer<T> buf({static_cast<py::ssize_t>(v.size())});
  std::copy(v.begin(), v.end(), buf.data());
  return buf.release_to_numpy();
}

py::dict run_ensemble(const ScenarioPtr& scenario, int replicates, long long seed, int steps,
                      bool counterfactual, int threads, const std::vector<std::string>& fields,
                      int interval) {
  // Arguments first, with the GIL held.
  if (replicates < 1) throw InputError("replicates must be >= 1, got " + std::to_string(replicates));
  if (steps < 0) throw InputError("steps must be >= 1, got " + std::to_string(steps));
  if (interval < 0) throw InputError("interval must be >= 1, got " + std::to_string(interval));
  if (threads < 0) throw InputError("threads must be >= 1, got " + std::to_string(threads));
  for (const auto& f : fields) {
    if (std::find(field_names().begin(), field_names().end(), f) == field_names().end()) {
      throw InputError("unknown field '" + f + "': fields are control, support, power, forces");
    }
  }
  std::vector<std::string> selected;  // in the file's order, without repeats
  for (const auto& f : field_names()) {
    if (std::find(fields.begin(), fields.end(), f) != fields.end()) selected.push_back(f);
  }
  if (counterfactual && !scenario->spec().has_drawdown()) {
    throw InputError(scenario->spec().name +
                     ": counterfactual=True needs a scenario with a drawdown event");
  }
  // As `powershift run` does: the run settings change the spec, and the world is built from it
  // (the scenario's own world when they change nothing).
  WorldPtr world = scenario->world;
  ScenarioSpec run_spec = with_run_settings(scenario->spec(), steps, replicates, seed, interval);
  const auto& base = scenario->spec();
  if (run_spec.run.steps != base.run.steps || run_spec.run.seed != base.run.seed ||
      run_spec.run.replicates != base.run.replicates ||
      run_spec.outputs.interval != base.outputs.interval) {
    world = std::make_shared<const World>(std::move(run_spec));
  }
  const auto& spec = world->spec();
  const std::uint64_t key = seed >= 0 ? static_cast<std::uint64_t>(seed) : spec.run.seed;
  const int nthreads = threads > 0 ? threads : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const std::vector<int> recorded = recorded_steps(spec.run.steps, spec.outputs.interval);

  std::optional<EnsembleArrays> arrays;
  std::vector<std::vector<LoggedEvent>> events(static_cast<std::size_t>(replicates));
  SummaryBuilder summary(*world, replicates);
  std::atomic<bool> stop{false};
  bool complete = false;
  std::exception_ptr failure;
  std::optional<py::error_already_set> interrupt;
  {
    py::gil_scoped_release release;
    std::mutex done_mutex;
    std::condition_variable done_cv;
    bool done = false;
    std::thread worker([&] {
      try {
        arrays.emplace(static_cast<std::size_t>(replicates), recorded.size(),
                       static_cast<std::size_t>(world->R), static_cast<std::size_t>(world->A),
                       selected, counterfactual);
        EnsembleOptions eo;
        eo.replicates = replicates;
        eo.seed = key;
        eo.counterfactual = counterfactual;
        eo.stop = &stop;
        eo.prepare = [&](ReplicateResult& r) { arrays->fill(*world, r); };
        auto sink = [&](ReplicateResult&& r) {
          summary.add(r);
          events[static_cast<std::size_t>(r.replicate)] = std::move(r.trajectory.events);
        };
        // As the CLI: an arena of exactly `threads` slots, allowed even beyond the core count.
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(nthreads));
        tbb::task_arena arena(nthreads);
        arena.execute([&] { complete = run_ensemble(world, eo, sink); });
      } catch (...) {
        failure = std::current_exception();
      }
      {
        const std::lock_guard<std::mutex> lock(done_mutex);
        done = true;
      }
      done_cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(done_mutex);
    while (!done_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; })) {
      if (interrupt) continue;
      lock.unlock();
      {
        py::gil_scoped_acquire acquire;
        if (PyErr_CheckSignals() != 0) {
          interrupt.emplace();  // takes the pending exception (KeyboardInterrupt)
          stop = true;
        }
      }
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (interrupt) throw std::move(*interrupt);
  if (failure) std::rethrow_exception(failure);
  if (!complete) throw std::runtime_error("the ensemble stopped before it finished");

  py::dict out;
  py::dict variables;
  for (auto* group : {&arrays->per_actor, &arrays->per_step, &arrays->per_region,
                      &arrays->final_fields}) {
    for (auto& [name, buf] : *group) variables[py::str(name)] = buf.release_to_numpy();
  }
  for (auto& [name, buf] : arrays->fields) variables[py::str(name)] = buf.release_to_numpy();
  out["variables"] = variables;

  std::vector<std::int32_t> ev_rep, ev_step, ev_kind, ev_region, ev_actor, ev_other;
  std::vector<double> ev_time, ev_value;
  for (std::size_t r = 0; r < events.size(); ++r) {
    for (const auto& e : events[r]) {
      ev_rep.push_back(static_cast<std::int32_t>(r));
      ev_step.push_back(e.step);
      ev_time.push_back(e.step * world->dt);
      ev_kind.push_back(static_cast<std::int32_t>(e.kind));
      ev_region.push_back(e.region);
      ev_actor.push_back(e.actor);
      ev_other.push_back(e.other);
      ev_value.push_back(e.value);
    }
  }
  py::dict ev;
  ev["event_replicate"] = vector_array(std::move(ev_rep));
  ev["event_step"] = vector_array(std::move(ev_step));
  ev["event_time"] = vector_array(std::move(ev_time));
  ev["event_kind"] = vector_array(std::move(ev_kind));
  ev["event_region"] = vector_array(std::move(ev_region));
  ev["event_actor"] = vector_array(std::move(ev_actor));
  ev["event_other"] = vector_array(std::move(ev_other));
  ev["event_value"] = vector_array(std::move(ev_value));
  out["events"] = ev;

  std::vector<std::int32_t> step_values(recorded.begin(), recorded.end());
  std::vector<double> days;
  for (const int s : recorded) days.push_back(s * world->dt);
  out["step"] = vector_array(std::move(step_values));
  out["time"] = vector_array(std::move(days));
  out["seed"] = key;
  out["replicates"] = replicates;
  out["steps"] = spec.run.steps;
  out["interval"] = spec.outputs.interval;
  out["dt"] = world->dt;
  out["threads"] = nthreads;
  out["counterfactual"] = counterfactual;
  out["fields"] = selected;
  out["summary_vacuum_share_final"] = summary.finish().vacuum_pop_final;
  return out;
}

}  // namespace

void register_ensemble(py::module_& m) {
  m.def("run_ensemble", &run_ensemble, py::arg("scenario"), py::arg("replicates"),
        py::arg("seed") = -1, py::arg("steps") = 0, py::arg("counterfactual") = false,
        py::arg("threads") = 0, py::arg("fields") = field_names(), py::arg("interval") = 0,
        "Run `replicates` replicates on TBB with the GIL released. seed < 0, steps 0, interval 0: "
        "the scenario's; threads 0: every core. Returns a dict of NumPy arrays.");
}

}  // namespace powershift::bindings
