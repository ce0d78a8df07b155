// powershift._core.Simulation: one replicate, stepped from Python, with read-only NumPy views of
// its state that share the engine's memory.
//
// When a view goes stale (docs/python.md, "Views"):
// - region x actor views (control, support, forces) never reallocate: they show the state live,
//   after every step, for as long as they exist;
// - unit views (unit_strength, ...) point into vectors that recruitment and reinforcement
//   append to, which may move them. Before a step, if any unit view of the current state is still
//   alive, the unit arrays are handed to those views and the state continues on a copy: an old
//   unit view therefore keeps showing the units as they were when it was taken (it never points
//   into freed memory), and a fresh access after the step sees the new state.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "arrays.hpp"
#include "powershift/engine/schema.hpp"
#include "powershift/engine/simulation.hpp"
#include "powershift/model/metrics.hpp"
#include "register.hpp"
#include "scenario_handle.hpp"

namespace powershift::bindings {

namespace {

// The unit arrays of one state of the simulation, as unit views see them. Retired units are the
// arrays a step handed over because views into them were still alive.
struct UnitGeneration {
  std::unique_ptr<Units> retired;
};

// What a unit view keeps alive: its generation (the retired arrays, once retired) and, until
// then, the Simulation whose state holds the arrays.
struct UnitViewOwner {
  std::shared_ptr<UnitGeneration> generation;
  py::object simulation;
};

class SimulationHandle {
 public:
  SimulationHandle(ScenarioPtr scenario, std::uint64_t seed, std::uint64_t replicate, int steps)
      : scenario_(std::move(scenario)),
        seed_(seed),
        sim_(scenario_->world, seed, replicate),
        generation_(std::make_shared<UnitGeneration>()) {
    if (steps > 0) sim_.set_horizon(steps);
    forces_ = forces_by_region(sim_.world(), sim_.state());
    control_data_ = sim_.state().control.data();
    support_data_ = sim_.state().support.data();
  }

  // Advance n steps (bounded by the horizon) with the GIL released; run() to the horizon.
  void step(int n) {
    if (n < 0) throw std::invalid_argument("step(n): n must be >= 0, got " + std::to_string(n));
    auto lock = exclusive();
    retire_units_if_viewed();
    {
      py::gil_scoped_release release;
      sim_.step(n);
      after_step();
    }
  }
  void run() {
    auto lock = exclusive();
    retire_units_if_viewed();
    {
      py::gil_scoped_release release;
      sim_.run();
      after_step();
    }
  }

  // Views: `self` is the Python object owning this handle.
  py::array field_view(py::handle self, const Field& field) {
    auto lock = exclusive();
    return readonly_view(field.data(), {field.rows(), field.cols()}, self);
  }
  py::array control(py::handle self) { return field_view(self, sim_.state().control); }
  py::array support(py::handle self) { return field_view(self, sim_.state().support); }
  py::array forces(py::handle self) { return field_view(self, forces_); }

  // `get` maps the units to (data, count) of one array, read under the lock.
  template <class Get>
  py::array unit_view(py::handle self, Get get, py::dtype dtype) {
    auto lock = exclusive();
    const auto [data, count] = get(sim_.state().units);
    auto* owner = new UnitViewOwner{generation_, py::reinterpret_borrow<py::object>(self)};
    py::capsule base(owner, [](void* p) { delete static_cast<UnitViewOwner*>(p); });
    py::array a(std::move(dtype), {static_cast<py::ssize_t>(count)}, {}, data, base);
    make_readonly(a);
    return a;
  }

  py::dict metrics() {
    auto lock = exclusive();
    const StepMetrics m = compute_metrics(sim_.world(), sim_.state());
    py::dict d;
    d["step"] = m.step;
    d["day"] = m.day;
    // The step metrics the output records (schema names), and the extra ones.
    for (const auto& var : schema::variables()) {
      if (var.group != schema::Group::StepMetric) continue;
      const py::str name(std::string(var.name));
      if (var.metric.per_actor != nullptr) {
        d[name] = m.*var.metric.per_actor;
      } else {
        d[name] = m.*var.metric.scalar;
      }
    }
    for (const auto& extra : schema::extra_metrics())
      d[py::str(std::string(extra.name))] = m.*extra.scalar;
    return d;
  }

  std::vector<double> relations() {
    auto lock = exclusive();
    return sim_.state().relations;
  }

  [[nodiscard]] int steps_done() const { return sim_.state().step; }
  [[nodiscard]] int horizon() const { return sim_.horizon(); }
  [[nodiscard]] double day() const { return sim_.state().step * sim_.world().dt; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] std::uint64_t replicate() const { return sim_.replicate(); }
  [[nodiscard]] std::size_t units() const { return sim_.state().units.size(); }
  [[nodiscard]] const ScenarioPtr& scenario() const { return scenario_; }

 private:
  // Stepping and taking views exclude each other; a second thread gets an error instead of
  // waiting (waiting here, with the GIL held, could deadlock with the stepping thread).
  std::unique_lock<std::mutex> exclusive() {
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) {
      throw std::runtime_error("this Simulation is being stepped in another thread");
    }
    return lock;
  }

  // Called with the GIL held: no view can be created or dropped meanwhile.
  void retire_units_if_viewed() {
    if (generation_.use_count() == 1) return;  // no unit view of this state is alive
    Units& units = sim_.mutable_state().units;
    generation_->retired = std::make_unique<Units>(std::move(units));  // buffers move, not copy
    units = *generation_->retired;
    generation_ = std::make_shared<UnitGeneration>();
  }

  void after_step() {
    // Region x actor views rely on these buffers never moving (docs/python.md).
    if (sim_.state().control.data() != control_data_ ||
        sim_.state().support.data() != support_data_) {
      throw std::logic_error(
          "powershift: the engine reallocated a region x actor field; views "
          "of it would dangle (a bug)");
    }
    const Field now = forces_by_region(sim_.world(), sim_.state());
    std::copy_n(now.data(), now.size(), forces_.data());  // in place: forces views stay valid
  }

  ScenarioPtr scenario_;
  std::uint64_t seed_;
  Simulation sim_;
  Field forces_;  // strength present per region and actor, updated after every step call
  const double* control_data_ = nullptr;
  const double* support_data_ = nullptr;
  std::shared_ptr<UnitGeneration> generation_;
  std::mutex mutex_;
};

}  // namespace

void register_simulation(py::module_& m) {
  using Handle = SimulationHandle;
  py::class_<Handle> cls(m, "Simulation", "One replicate of a scenario, stepped from Python.");
  cls.def(py::init(
              [](const ScenarioPtr& scenario, std::uint64_t seed, std::uint64_t replicate,
                 int steps) { return std::make_unique<Handle>(scenario, seed, replicate, steps); }),
          py::arg("scenario"), py::arg("seed"), py::arg("replicate") = 0, py::arg("steps") = 0,
          "Random key (seed, replicate); steps > 0 overrides the scenario's horizon.")
      .def("step", &Handle::step, py::arg("n") = 1,
           "Advance n steps (not past the horizon); the GIL is released meanwhile.")
      .def("run", &Handle::run, "Run to the horizon; the GIL is released meanwhile.")
      .def_property_readonly(
          "control", [](const py::object& self) { return self.cast<Handle&>().control(self); },
          "C[r, a] (region x actor, float64): a live read-only view.")
      .def_property_readonly(
          "support", [](const py::object& self) { return self.cast<Handle&>().support(self); },
          "S[r, a] (region x actor, float64): a live read-only view.")
      .def_property_readonly(
          "forces", [](const py::object& self) { return self.cast<Handle&>().forces(self); },
          "Strength of the units present per region and actor (float64), "
          "updated after each step() or run(): a live read-only view.")
      .def("metrics", &Handle::metrics, "The metrics of the current state (copies).")
      .def_property_readonly("relations", &Handle::relations, "Rel[a, b], actor-major (a copy).")
      .def_property_readonly("step_count", &Handle::steps_done, "Steps completed.")
      .def_property_readonly("horizon", &Handle::horizon)
      .def_property_readonly("day", &Handle::day)
      .def_property_readonly("seed", &Handle::seed)
      .def_property_readonly("replicate", &Handle::replicate)
      .def_property_readonly("unit_count", &Handle::units)
      .def_property_readonly("scenario", &Handle::scenario);

  // Unit views, one per array of the engine's structure of units.
  // `dtype` is a NumPy type string; no Python object is kept in the function records.
  auto unit = [&](const char* name, auto member, const char* dtype, const char* doc) {
    cls.def_property_readonly(
        name,
        [member, dtype](py::object self) {
          auto get = [member](const Units& u) {
            const auto& vec = u.*member;
            return std::pair<const void*, std::size_t>(vec.data(), vec.size());
          };
          return self.cast<Handle&>().unit_view(self, get, py::dtype(dtype));
        },
        doc);
  };
  static_assert(sizeof(std::int32_t) == 4 && sizeof(double) == 8 && sizeof(Order) == 1);
  unit("unit_actor", &Units::actor, "int32", "Actor of each unit (int32).");
  unit("unit_type", &Units::type, "int32", "Unit type of each unit (int32).");
  unit("unit_region", &Units::region, "int32", "Region each unit is in, or travels from (int32).");
  unit("unit_dest", &Units::dest, "int32", "Destination region (int32).");
  unit("unit_strength", &Units::strength, "float64", "Strength (float64).");
  unit("unit_morale", &Units::morale, "float64", "Morale (float64).");
  unit("unit_eta", &Units::eta, "float64",
       "Days left on the current hop; <= 0: present in unit_region (float64).");
  // 0/1 bytes shown as bool; the Order enum (one byte) as uint8.
  unit("unit_alive", &Units::alive, "bool", "Whether each unit is alive (bool).");
  unit("unit_order", &Units::order, "uint8",
       "Order of each unit: 0 free, 1 withdraw, 2 hold (uint8).");
}

}  // namespace powershift::bindings
