#pragma once
// One register_* function per area of the module; module.cpp only calls them, in this order
// (errors first: the others' docstrings and translators refer to them).
#include <pybind11/pybind11.h>

namespace powershift::bindings {

namespace py = pybind11;

void register_errors(py::module_& m);
void register_scenario(py::module_& m);
void register_simulation(py::module_& m);
void register_ensemble(py::module_& m);
void register_schema(py::module_& m);

}  // namespace powershift::bindings
