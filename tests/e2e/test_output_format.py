"""The self-describing output (docs/output-format.md), read with the real readers."""
import os
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

BIN = os.environ.get("POWERSHIFT_BIN")
pytestmark = pytest.mark.skipif(not BIN, reason="POWERSHIFT_BIN not set")


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fmt") / "syria.h5"
    subprocess.run([BIN, "run", "--replicates", "3", "--steps", "60", "--counterfactual", "-q",
                    "-o", str(out)], check=True, timeout=300)
    return out


def test_xarray_sees_named_dimensions_and_coordinates(output):
    ds = xr.open_dataset(output, engine="h5netcdf")
    assert not [d for d in ds.dims if str(d).startswith("phony")]
    assert ds.control.dims == ("replicate", "time", "region", "actor")
    assert ds.sizes["time"] == 61 and ds.sizes["replicate"] == 3
    # Calendar dates from the scenario's start date.
    assert str(ds.time.values[0])[:10] == "2024-12-08"
    assert str(ds.time.values[-1])[:10] == "2025-02-06"
    assert "Hmeimim" in list(ds.region.values) and "russia" in list(ds.actor.values)
    for name, var in ds.data_vars.items():
        assert "long_name" in var.attrs, name
    for name in ("control", "forces", "casualties", "vacuum_share", "attribution_net",
                 "counterfactual_effect", "event_kind"):
        assert "units" in ds[name].attrs or name == "event_kind", name
    # Selection by name works as users expect.
    hm = ds.control.sel(region="Hmeimim", actor="russia")
    assert float(hm.isel(time=0).mean()) == pytest.approx(1.0)
    assert ds.event_kind.attrs["flag_meanings"].split() == ["control_change", "withdrawal",
                                                           "engagement", "collapse"]


def test_provenance_attributes(output):
    with h5py.File(output, "r") as f:
        a = f.attrs
        text = a["scenario_text"]
        text = text.decode() if isinstance(text, bytes) else text
        assert "name: syria-2024-12" in text
        assert a["seed"] == 1 and a["replicates"] == 3
        for key in ("scenario_hash", "powershift_version", "powershift_build", "command_line",
                    "created", "start_date"):
            assert key in a, key


def test_events_table_is_consistent(output):
    ds = xr.open_dataset(output, engine="h5netcdf")
    kinds = ds.event_kind.values
    assert set(np.unique(kinds)) <= {1, 2, 3, 4}
    # Withdrawals: per replicate, their sum equals the cumulative withdrawn at the last step.
    russia = list(ds.actor.values).index("russia")
    for r in range(3):
        rows = (ds.event_replicate.values == r) & (kinds == 2) & (ds.event_actor.values == russia)
        assert ds.event_value.values[rows].sum() == pytest.approx(
            float(ds.withdrawn.isel(replicate=r, time=-1, actor=russia)), rel=1e-9)
    # Rows are grouped by replicate in order.
    assert np.all(np.diff(ds.event_replicate.values) >= 0)


@pytest.mark.parametrize("tool,flag", [("ncdump", "-h"), ("h5dump", "-H")])
def test_command_line_readers(output, tool, flag):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed")
    res = subprocess.run([tool, flag, str(output)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "control" in res.stdout


def test_field_selection_and_summary_only(tmp_path):
    sel = tmp_path / "sel.h5"
    subprocess.run([BIN, "run", "--steps", "30", "--interval", "7", "--fields", "control,forces",
                    "-q", "-o", str(sel)], check=True, timeout=120)
    ds = xr.open_dataset(sel, engine="h5netcdf")
    assert "control" in ds and "forces" in ds and "support" not in ds and "power" not in ds
    assert list(ds.step.values) == [0, 7, 14, 21, 28, 30]
    summary = tmp_path / "summary.h5"
    subprocess.run([BIN, "run", "--steps", "30", "--summary-only", "-q", "-o", str(summary)],
                   check=True, timeout=120)
    ds = xr.open_dataset(summary, engine="h5netcdf")
    assert not [v for v in ds.data_vars if ds[v].dims == ("replicate", "time", "region", "actor")]
    assert "control_share_pop" in ds and "attribution_net" in ds
    assert summary.stat().st_size < sel.stat().st_size * 4
