"""powershift: an agent-based simulator of regional power balance, from Python.

>>> import powershift as ps
>>> scenario = ps.Scenario.default()                      # the bundled Syria drawdown
>>> ds = ps.run_ensemble(scenario, replicates=20, seed=1, counterfactual=True)
>>> ps.metrics.attribution_table(ds)                      # who filled Russia's vacuum
>>> ps.plot.control_map(ds)

The engine is C++ (``powershift._core``, private); everything here is plain Python around it.
See docs/python.md.
"""

from __future__ import annotations

# Regular package whose compiled part may live elsewhere on sys.path: a build tree keeps
# `_core` in <build>/python/powershift/ (tests and editable builds put <build>/python on the
# path). extend_path adds every such `powershift` directory to this package's search path.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

try:
    from . import _core
except ImportError as _error:  # pragma: no cover - depends on how powershift was installed
    raise ImportError(
        "powershift's compiled engine (powershift._core) could not be imported: "
        f"{_error}.\n"
        "Install the package with `pip install .` from the repository root (it builds the "
        "engine), or, in a CMake build tree, build the `_core` target and put <build>/python "
        "and analysis/ on PYTHONPATH (see docs/python.md, 'Installing')."
    ) from _error

import sys as _sys
import types as _types
from pathlib import Path as _Path
from typing import TYPE_CHECKING, Any as _Any

from ._core import Diagnostic, InputError, ScenarioError
from ._ensemble import run_ensemble
from ._scenario import Scenario, ScenarioNotFoundError, ScenarioWarning, scenario_dir
from ._simulation import Simulation
from .io import load, save
from . import metrics
from . import observations
from .scoring import score

# plot (matplotlib), sweep, sensitivity (SALib) and calibration (scikit-learn) are imported when
# first used (module __getattr__ below); type checkers and IDEs see them through these imports.
if TYPE_CHECKING:
    from . import calibration, plot, sensitivity, sweep
    from .calibration import calibrate
    from .report import report as report
else:
    def report(*args: _Any, **kwargs: _Any) -> list[_Path]:
        from .report import report as write_report

        return write_report(*args, **kwargs)

    report.__doc__ = """The standard figures and summary of an output (``python -m powershift report``):
    ``ps.report(ds_or_path, outdir)``; see :func:`powershift.report.report`."""

__version__: str = _core.version

__all__ = [
    "Diagnostic",
    "InputError",
    "Scenario",
    "ScenarioError",
    "ScenarioNotFoundError",
    "ScenarioWarning",
    "Simulation",
    "__version__",
    "calibrate",
    "calibration",
    "load",
    "metrics",
    "observations",
    "plot",
    "report",
    "run_ensemble",
    "save",
    "scenario_dir",
    "score",
    "sensitivity",
    "sweep",
]

_LAZY_MODULES = ("plot", "sweep", "sensitivity", "calibration")


def __getattr__(name: str) -> _Any:
    if name == "calibrate":
        from .calibration import calibrate

        globals()["calibrate"] = calibrate
        return calibrate
    if name in _LAZY_MODULES:
        import importlib

        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'powershift' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(_types.ModuleType):
    """The package's module type: ``powershift.report`` stays the function when the submodule
    of that name is imported (the import system then assigns the module to the package's
    attribute; ``import powershift.report`` and ``python -m powershift report`` still work)."""

    def __setattr__(self, name: str, value: _Any) -> None:
        if name == "report" and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
