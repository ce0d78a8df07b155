// powershift._core: the compiled part of the Python package. It only wires the areas together;
// each lives in its register_*.cpp.
#include <pybind11/pybind11.h>

#include <algorithm>
#include <string>
#include <thread>

#include "powershift/engine/schema.hpp"
#include "register.hpp"

PYBIND11_MODULE(_core, m) {
  namespace bindings = powershift::bindings;
  m.doc() =
      "powershift's engine (C++): scenarios, simulations and ensembles. Private: use the "
      "`powershift` package.";
  m.attr("version") = std::string(powershift::schema::version());
  m.attr("build") = std::string(powershift::schema::build_id());
  m.def(
      "hardware_threads", [] { return std::max(1U, std::thread::hardware_concurrency()); },
      "Logical cores (the default thread count of run_ensemble).");
  bindings::register_errors(m);
  bindings::register_scenario(m);
  bindings::register_simulation(m);
  bindings::register_ensemble(m);
  bindings::register_schema(m);
}
