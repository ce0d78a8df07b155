"""The worked notebooks of analysis/notebooks execute from top to bottom (small ensembles)."""

import os
import time
from pathlib import Path

import pytest

from conftest import SOURCE_DIR, child_env

NOTEBOOKS = sorted((SOURCE_DIR / "analysis" / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_there():
    assert {p.name for p in NOTEBOOKS} >= {"syria-drawdown.ipynb", "ensemble-uncertainty.ipynb",
                                           "sweep-drawdown-pace-scope.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit notebooks without outputs"
    env = child_env()
    env.pop("MPLBACKEND", None)  # the kernel's inline backend
    env["POWERSHIFT_NB_REPLICATES"] = "8"
    # The sweep study: 32 Sobol base samples (192 members) instead of 128 (768).
    env["POWERSHIFT_NB_SOBOL_SAMPLES"] = "32"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.delenv("POWERSHIFT_NB_FIGURES", raising=False)  # never write into docs/figures
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=300,
                                     resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    nbformat.write(nb, tmp_path / path.name)  # executed copy, for a look when it fails
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                 if "image/png" in o.get("data", {}))
    assert images >= 4, f"{path.name} shows {images} figures"
    print(f"{path.name}: {elapsed:.1f} s")
