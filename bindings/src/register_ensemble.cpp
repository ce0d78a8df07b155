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
#include "powershift/engine/ensemble.hpp"
#include "powershift/engine/schema.hpp"
#include "powershift/engine/simulation.hpp"
#include "powershift/model/error.hpp"
#include "powershift/model/metrics.hpp"
#include "register.hpp"
#include "scenario_handle.hpp"

namespace powershift::bindings {

namespace {

using schema::field_names;

// Every variable of the result (the schema's, as the HDF5 writer selects them), allocated before
// the run and filled by the replicates in parallel, each into its own slice.
struct EnsembleArrays {
  struct Array {
    const schema::Variable* variable = nullptr;
    std::size_t per_replicate = 0;  // elements of one replicate
    OutputBuffer<float> f32;
    OutputBuffer<double> f64;
  };
  std::vector<Array> arrays;

  EnsembleArrays(std::size_t n, std::size_t T, std::size_t R, std::size_t A,
                 const std::vector<std::string>& selected, bool counterfactual) {
    for (const auto& var : schema::variables()) {
      if (var.is_field() &&
          std::find(selected.begin(), selected.end(), var.name) == selected.end()) {
        continue;
      }
      if (var.group == schema::Group::Counterfactual && !counterfactual) continue;
      std::vector<py::ssize_t> shape;
      std::size_t count = 1;
      for (const auto d : var.dims) {
        const std::size_t size = d == schema::Dim::Replicate ? n
                                 : d == schema::Dim::Time    ? T
                                 : d == schema::Dim::Region  ? R
                                                             : A;
        shape.push_back(static_cast<py::ssize_t>(size));
        if (d != schema::Dim::Replicate) count *= size;
      }
      Array a;
      a.variable = &var;
      a.per_replicate = count;
      if (var.dtype == schema::DType::Float32) {
        a.f32 = OutputBuffer<float>(shape);
      } else {
        a.f64 = OutputBuffer<double>(shape);
      }
      arrays.push_back(std::move(a));
    }
  }

  // One finished replicate into its slices (thread-safe across replicates), exactly as the HDF5
  // writer takes it (schema::Variable::values).
  void fill(const World& world, const ReplicateResult& r) {
    const auto rep = static_cast<std::size_t>(r.replicate);
    const auto finals = schema::replicate_finals(world, r);
    for (auto& a : arrays) {
      if (a.variable->group == schema::Group::Counterfactual && !finals.has_counterfactual) {
        throw std::logic_error("counterfactual arm missing");
      }
      const auto values = a.variable->values(r.trajectory, finals);
      if (values.count != a.per_replicate) {
        throw std::logic_error(
            "replicate " + std::to_string(rep) + ": " + std::string(a.variable->name) + " has " +
            std::to_string(values.count) + " values, expected " + std::to_string(a.per_replicate));
      }
      if (a.variable->dtype == schema::DType::Float32) {
        const auto* src = static_cast<const float*>(values.data);
        std::copy_n(src, values.count, a.f32.data() + rep * values.count);
      } else {
        const auto* src = static_cast<const double*>(values.data);
        std::copy_n(src, values.count, a.f64.data() + rep * values.count);
      }
    }
  }
};

template <class T>
py::array vector_array(std::vector<T>&& v) {
  OutputBuffer<T> buf({static_cast<py::ssize_t>(v.size())});
  std::copy(v.begin(), v.end(), buf.data());
  return buf.release_to_numpy();
}

py::dict run_ensemble(const ScenarioPtr& scenario, int replicates,
                      std::optional<std::uint64_t> seed, int steps, bool counterfactual,
                      int threads, const std::vector<std::string>& fields, int interval,
                      const py::object& progress) {
  // Arguments first, with the GIL held.
  if (replicates < 1)
    throw InputError("replicates must be >= 1, got " + std::to_string(replicates));
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
  const std::uint64_t key = spec.run.seed;
  const int nthreads =
      threads > 0 ? threads : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const std::vector<int> recorded = recorded_steps(spec.run.steps, spec.outputs.interval);

  std::optional<EnsembleArrays> arrays;
  std::vector<std::vector<LoggedEvent>> events(static_cast<std::size_t>(replicates));
  SummaryBuilder summary(*world, replicates);
  std::atomic<bool> stop{false};
  std::atomic<int> completed{0};  // replicates handed to the sink, for `progress`
  int reported = 0;
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
          completed.fetch_add(1, std::memory_order_relaxed);
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
        } else if (!progress.is_none()) {
          // Completed replicates, reported from this (the calling) thread as they finish.
          const int now = completed.load(std::memory_order_relaxed);
          if (now != reported) {
            reported = now;
            try {
              progress(now);
            } catch (py::error_already_set& e) {
              interrupt.emplace(std::move(e));  // the callback's exception stops the ensemble
              stop = true;
            }
          }
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
  if (!progress.is_none() && completed.load() != reported) progress(completed.load());

  py::dict out;
  py::dict variables;
  for (auto& a : arrays->arrays) {
    variables[py::str(std::string(a.variable->name))] = a.variable->dtype == schema::DType::Float32
                                                            ? a.f32.release_to_numpy()
                                                            : a.f64.release_to_numpy();
  }
  out["variables"] = variables;

  // The event table and the auxiliary coordinates, as the writer builds them from the schema.
  py::dict ev;
  for (const auto& col : schema::event_columns()) {
    std::vector<double> values;
    for (std::size_t r = 0; r < events.size(); ++r) {
      for (const auto& e : events[r]) values.push_back(col.get(static_cast<int>(r), e, world->dt));
    }
    if (col.dtype == schema::DType::Int32) {
      ev[py::str(std::string(col.name))] =
          vector_array(std::vector<std::int32_t>(values.begin(), values.end()));
    } else {
      ev[py::str(std::string(col.name))] = vector_array(std::move(values));
    }
  }
  out["events"] = ev;
  py::dict aux;
  for (const auto& coordinate : schema::aux_coordinates()) {
    auto values = coordinate.values(*world, recorded);
    py::object array;
    if (coordinate.dtype == schema::DType::String) {
      array = py::cast(values.str);
    } else if (coordinate.dtype == schema::DType::Int32) {
      array = vector_array(std::move(values.i32));
    } else {
      array = vector_array(std::move(values.f64));
    }
    aux[py::str(std::string(coordinate.name))] = array;
  }
  out["aux"] = aux;

  std::vector<double> days;
  days.reserve(recorded.size());
  for (const int s : recorded) days.push_back(s * world->dt);
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
        py::arg("seed") = py::none(), py::arg("steps") = 0, py::arg("counterfactual") = false,
        py::arg("threads") = 0, py::arg("fields") = field_names(), py::arg("interval") = 0,
        py::arg("progress") = py::none(),
        "Run `replicates` replicates on TBB with the GIL released. seed None (or 0..2^64-1), steps "
        "0, interval 0: the scenario's; threads 0: every core. progress: None or a callable given "
        "the number of completed replicates as they complete (from the calling thread). Returns a "
        "dict of NumPy arrays.");
}

}  // namespace powershift::bindings
