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

from ._core import Diagnostic, InputError, ScenarioError
from ._ensemble import run_ensemble
from ._scenario import Scenario, scenario_dir
from ._simulation import Simulation
from .io import load, save
from . import metrics
from . import observations
from .scoring import score

__version__: str = _core.version

__all__ = [
    "Diagnostic",
    "InputError",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "load",
    "calibrate",
    "calibration",
    "metrics",
    "observations",
    "plot",
    "report",
    "run_ensemble",
    "save",
    "score",
    "scenario_dir",
    "sensitivity",
    "sweep",
]


def __getattr__(name: str):
    # matplotlib (plots), pandas-heavy sweeps and SALib are imported only when wanted.
    if name == "calibrate":
        from .calibration import calibrate

        globals()["calibrate"] = calibrate
        return calibrate
    if name in ("plot", "report", "sweep", "sensitivity", "calibration"):
        import importlib

        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'powershift' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"plot", "report", "sweep", "sensitivity", "calibration", "calibrate"})
