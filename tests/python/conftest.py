"""Setup of the Python tests: where powershift and its compiled _core come from.

- Under ctest with the bindings built, POWERSHIFT_PYTHON_DIR is the build's python/ directory
  (CMake writes _core*.so into python/powershift/): it and analysis/ go first on sys.path and
  on PYTHONPATH (for subprocesses and notebook kernels). Failing to import is then an error.
- Under ctest without the bindings (the asan preset: an ASan extension would need libasan
  preloaded into Python) tests that need powershift are skipped, with that reason.
- Run by hand (no POWERSHIFT_BIN): an installed powershift (`pip install .`) is used, or the
  tests are skipped if there is none.

Warnings are errors and markers must be registered, for every suite: see [tool.pytest.ini_options]
in pyproject.toml.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("POWERSHIFT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
ANALYSIS_DIR = SOURCE_DIR / "analysis"
PYTHON_DIR = os.environ.get("POWERSHIFT_PYTHON_DIR")
UNDER_CTEST = bool(os.environ.get("POWERSHIFT_BIN"))

if PYTHON_DIR:
    for entry in (str(ANALYSIS_DIR), PYTHON_DIR):
        if entry in sys.path:
            sys.path.remove(entry)
    sys.path[:0] = [str(ANALYSIS_DIR), PYTHON_DIR]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ANALYSIS_DIR), PYTHON_DIR] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

# Plots without a display.
os.environ.setdefault("MPLBACKEND", "Agg")

IMPORT_ERROR: str | None = None
try:
    importlib.import_module("powershift")
except ImportError as e:  # decided below: error or skip
    IMPORT_ERROR = str(e)
    if PYTHON_DIR:
        raise ImportError(
            f"POWERSHIFT_PYTHON_DIR={PYTHON_DIR} is set (the build has powershift._core) but "
            f"powershift does not import: {e}") from e

if IMPORT_ERROR is None:
    SKIP_REASON = ""
elif UNDER_CTEST:
    SKIP_REASON = ("this build has no powershift._core (POWERSHIFT_BUILD_PYTHON=OFF, e.g. the asan "
                   "preset, where a sanitized extension would need libasan preloaded into Python)")
else:
    SKIP_REASON = f"powershift is not installed (pip install .): {IMPORT_ERROR}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SKIP_REASON:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.resolve().parents and "no_powershift" not in item.keywords:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def ps():
    import powershift

    return powershift


@pytest.fixture(scope="session")
def cli() -> str:
    path = os.environ.get("POWERSHIFT_BIN")
    if not path:
        pytest.skip("POWERSHIFT_BIN is not set (run through ctest)")
    return path


@pytest.fixture(scope="session")
def syria_path(ps) -> Path:
    return ps.scenario_dir() / "syria-2024-12.yaml"


@pytest.fixture(scope="session")
def syria(ps, syria_path):
    return ps.Scenario.from_yaml(syria_path)


@pytest.fixture(scope="session")
def small_ensemble(ps, syria):
    """Six replicates of 120 steps with the counterfactual (shared, read-only)."""
    return ps.run_ensemble(syria, replicates=6, seed=5, steps=120, counterfactual=True, threads=2)


def child_env() -> dict[str, str]:
    """The environment for subprocesses: they import the same powershift as the tests."""
    env = dict(os.environ)
    env.setdefault("MPLBACKEND", "Agg")
    return env
