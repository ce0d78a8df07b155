// Errors: the engine's InputError/ScenarioError arrive in Python as powershift.InputError (a
// ValueError) and powershift.ScenarioError (an InputError) carrying every diagnostic, and the
// first error's file, line, column and field path as attributes.
#include <Python.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <exception>
#include <string>

#include "powershift/model/error.hpp"
#include "register.hpp"

namespace powershift::bindings {

namespace {

// Raises `type(what)` with the diagnostics attached as attributes.
void raise_with_diagnostics(py::handle type, const InputError& e) {
  const auto& diags = e.diagnostics();
  py::list list;
  for (const auto& d : diags) list.append(py::cast(d));
  const Diagnostic* first = nullptr;
  for (const auto& d : diags) {
    if (!d.warning) {
      first = &d;
      break;
    }
  }
  if (!first && !diags.empty()) first = &diags.front();
  py::object exc = type(py::str(e.what()));
  exc.attr("diagnostics") = list;
  exc.attr("file") = first && !first->file.empty() ? py::object(py::str(first->file)) : py::none();
  exc.attr("line") = first && first->line > 0 ? py::object(py::int_(first->line)) : py::none();
  exc.attr("column") =
      first && first->column > 0 ? py::object(py::int_(first->column)) : py::none();
  exc.attr("path") = first && !first->path.empty() ? py::object(py::str(first->path)) : py::none();
  exc.attr("message") = py::str(first ? first->message : std::string(e.what()));
  PyErr_SetObject(type.ptr(), exc.ptr());
}

// The exception types, created once per interpreter.
PYBIND11_CONSTINIT py::gil_safe_call_once_and_store<py::object> input_error_type;
PYBIND11_CONSTINIT py::gil_safe_call_once_and_store<py::object> scenario_error_type;

}  // namespace

void register_errors(py::module_& m) {
  py::class_<Diagnostic>(m, "Diagnostic", "One located problem in a scenario.")
      .def_readonly("file", &Diagnostic::file, "File (or label) the problem is in.")
      .def_readonly("line", &Diagnostic::line, "1-based line; 0 when unknown.")
      .def_readonly("column", &Diagnostic::column, "1-based column; 0 when unknown.")
      .def_readonly("path", &Diagnostic::path, "Field path, e.g. actors.russia.forces[0].strength.")
      .def_readonly("message", &Diagnostic::message)
      .def_readonly("warning", &Diagnostic::warning, "True for a warning, False for an error.")
      .def("__str__", &Diagnostic::format)
      .def("__repr__", [](const Diagnostic& d) { return "<Diagnostic " + d.format() + ">"; });

  // Created with the C API so that instances take attributes; named as the package re-exports
  // them, so tracebacks and pickles say powershift.ScenarioError.
  auto make_type = [](const char* name, const char* doc, PyObject* base) {
    PyObject* type = PyErr_NewExceptionWithDoc(name, doc, base, nullptr);
    if (!type) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(type);
  };
  const py::object& input_error =
      input_error_type
          .call_once_and_store_result([&] {
            return make_type("powershift.InputError",
                             "Bad input: a scenario, option or file that cannot be used.",
                             PyExc_ValueError);
          })
          .get_stored();
  const py::object& scenario_error =
      scenario_error_type
          .call_once_and_store_result([&] {
            return make_type(
                "powershift.ScenarioError",
                "A scenario with errors. `diagnostics` lists every problem; `file`, `line`, "
                "`column`, `path` and `message` describe the first error.",
                input_error.ptr());
          })
          .get_stored();
  m.add_object("InputError", input_error);
  m.add_object("ScenarioError", scenario_error);

  // pybind11's translator type is void (*)(std::exception_ptr): the pointer is taken by value.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  py::register_exception_translator([](std::exception_ptr p) {
    if (!p) return;
    try {
      std::rethrow_exception(p);
    } catch (const ScenarioError& e) {
      raise_with_diagnostics(scenario_error_type.get_stored(), e);
    } catch (const InputError& e) {
      raise_with_diagnostics(input_error_type.get_stored(), e);
    } catch (const OutputError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });
}

}  // namespace powershift::bindings
