// powershift._core.schema(): the engine's output schema (sim/engine/schema.hpp) for the Python
// package, which builds its Datasets from it instead of restating it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "powershift/engine/schema.hpp"
#include "register.hpp"

namespace powershift::bindings {

namespace {

std::string str(std::string_view v) {
  return std::string(v);
}

std::string group_name(schema::Group g) {
  switch (g) {
    case schema::Group::Field:
      return "field";
    case schema::Group::StepMetric:
      return "step_metric";
    case schema::Group::Final:
      return "final";
    case schema::Group::Counterfactual:
      return "counterfactual";
  }
  return "";
}

py::dict schema_dict() {
  py::list variables;
  for (const auto& v : schema::variables()) {
    std::vector<std::string> dims;
    for (const auto d : v.dims) dims.push_back(str(schema::dim_name(d)));
    py::dict d;
    d["name"] = str(v.name);
    d["dims"] = py::tuple(py::cast(dims));
    d["dtype"] = str(schema::dtype_name(v.dtype));
    d["units"] = str(v.units);
    d["long_name"] = str(v.long_name);
    d["group"] = group_name(v.group);
    variables.append(d);
  }
  py::list aux;
  for (const auto& a : schema::aux_coordinates()) {
    py::dict d;
    d["name"] = str(a.name);
    d["dim"] = str(schema::dim_name(a.dim));
    d["dtype"] = str(schema::dtype_name(a.dtype));
    d["units"] = str(a.units);
    d["long_name"] = str(a.long_name);
    aux.append(d);
  }
  py::list events;
  for (const auto& c : schema::event_columns()) {
    py::dict d;
    d["name"] = str(c.name);
    d["dtype"] = str(schema::dtype_name(c.dtype));
    d["units"] = str(c.units);
    d["long_name"] = str(c.long_name);
    events.append(d);
  }
  py::dict kinds;
  for (const auto& [code, name] : schema::event_kinds()) kinds[py::int_(code)] = str(name);
  py::dict out;
  out["variables"] = variables;
  out["aux_coordinates"] = aux;
  out["event_columns"] = events;
  out["event_kinds"] = kinds;
  out["fields"] = py::tuple(py::cast(schema::field_names()));
  out["default_sweep_outputs"] = py::tuple(py::cast(schema::default_sweep_outputs()));
  return out;
}

}  // namespace

void register_schema(py::module_& m) {
  m.def("schema", &schema_dict,
        "The output schema: variables (name, dims, dtype, units, long_name, group), auxiliary "
        "coordinates, event columns and kinds, the recordable fields. One definition, in the "
        "engine (sim/engine/include/powershift/engine/schema.hpp).");
}

}  // namespace powershift::bindings
