"""Fixtures of the cluster tests: a real one-node Slurm (see slurm_fixture.py) and the Python
package for the tests that drive sweeps and calibrations from Python."""
import os
import sys
from pathlib import Path

import pytest

_here = str(Path(__file__).resolve().parent)
if _here not in sys.path:
    sys.path.insert(0, _here)

from slurm_fixture import slurm_cluster  # noqa: E402,F401  (the fixture, registered here)


@pytest.fixture(scope="module")
def ps():
    """The powershift package of this build (skips in a build without the bindings)."""
    python_dir = os.environ.get("POWERSHIFT_PYTHON_DIR")
    if not python_dir:
        pytest.skip("POWERSHIFT_PYTHON_DIR is not set (a build without the Python bindings)")
    paths = [str(Path(__file__).resolve().parents[2] / "analysis"), python_dir]
    sys.path[:0] = paths
    # Worker processes (the pool's, Dask's) import powershift too.
    os.environ["PYTHONPATH"] = os.pathsep.join(paths + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    import powershift

    return powershift
