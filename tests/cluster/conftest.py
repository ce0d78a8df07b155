"""Fixtures for the tests that run jobs on a real one-node Slurm (see slurm_fixture.py)."""
import sys
from pathlib import Path

_here = str(Path(__file__).resolve().parent)
if _here not in sys.path:
    sys.path.insert(0, _here)

from slurm_fixture import slurm_cluster  # noqa: E402,F401  (the fixture, registered here)
