"""The API as tools see it: mypy --strict passes on the package, the lazily imported submodules
are typed for type checkers (not Any), every public module declares __all__ and every name in it
exists, ps.report is the report function, and returned arrays carry names and attributes."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR
from test_stubs import require_mypy

PUBLIC = ["powershift", "powershift.metrics", "powershift.plot", "powershift.sweep", "powershift.sensitivity",
          "powershift.calibration", "powershift.observations", "powershift.scoring", "powershift.io"]


def test_mypy_strict_passes_and_sees_functions_not_any(tmp_path):
    """One mypy run (minutes): the package under --strict, and a user's script that reaches the
    lazily imported submodules and ps.report."""
    require_mypy()
    snippet = tmp_path / "use.py"
    snippet.write_text("import powershift as ps\n"
                       "reveal_type(ps.plot.control_map)\n"
                       "reveal_type(ps.sweep.grid)\n"
                       "reveal_type(ps.sensitivity.sobol)\n"
                       "reveal_type(ps.report)\n"
                       "reveal_type(ps.calibrate)\n")
    env = dict(os.environ, MYPYPATH=str(SOURCE_DIR / "analysis"))
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(SOURCE_DIR / "pyproject.toml"),
                             "--cache-dir", str(tmp_path / ".cache"), str(SOURCE_DIR / "analysis" / "powershift"), str(snippet)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    lines = result.stdout.splitlines()
    revealed = [line for line in lines if "Revealed type" in line]
    errors = [line for line in lines if ": error:" in line]
    assert errors == [], result.stdout + result.stderr
    assert len(revealed) == 5, result.stdout + result.stderr
    for line in revealed:
        assert 'Revealed type is "def ' in line, line


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_module_declares_all_and_every_name_exists(ps, name):
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list) and module.__all__
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []


def test_report_is_the_function_even_after_importing_its_module(ps, small_ensemble, tmp_path):
    assert callable(ps.report)
    import powershift.report  # noqa: F401  (the import system assigns the module to ps.report)

    assert callable(ps.report) and not isinstance(ps.report, type(sys))
    written = ps.report(small_ensemble.isel(replicate=slice(0, 2)), tmp_path / "rep")
    assert any(p.name == "summary.md" for p in written)


def test_returned_arrays_are_named(ps, small_ensemble):
    v = ps.metrics.vacuum(small_ensemble)
    assert v.name == "vacuum" and v.attrs["units"] == "1"
    share = ps.metrics.control_share(small_ensemble, regions=["Tartus", "Latakia"])
    assert share.name == "control_share_pop" and "Tartus" in share.attrs["long_name"]
    eff = ps.metrics.effective_actors(small_ensemble.control_share_pop)
    assert eff.name == "effective_actors" and eff.attrs["units"] == "1"
    band = ps.metrics.band(small_ensemble.vacuum_share)
    assert band.name == "vacuum_share" and band.attrs["long_name"] == small_ensemble.vacuum_share.attrs["long_name"]


def test_counterfactual_table_is_indexed_by_region_and_actor(ps, small_ensemble):
    cf = ps.metrics.counterfactual_table(small_ensemble)
    assert list(cf.index.names) == ["region", "actor"]
    region, actor = cf.index[0]
    row = cf.loc[(region, actor)]
    expected = small_ensemble.counterfactual_effect.sel(region=region, actor=actor).mean("replicate")
    assert row["mean"] == pytest.approx(float(expected))
