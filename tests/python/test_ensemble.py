"""run_ensemble: the same scenario and seed give the same arrays through Python, through the
CLI's HDF5 file and through load(); the GIL is released while the engine runs."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
import xarray as xr

from conftest import child_env

IGNORED_ATTRS = {"created", "command_line"}  # when and how it ran; everything else must agree


def assert_same_dataset(a: xr.Dataset, b: xr.Dataset) -> None:
    """Every variable and coordinate identical (values bit for bit, dims, attrs); the global
    attributes identical but for when and how the run was made."""
    assert set(a.variables) == set(b.variables)
    assert set(a.coords) == set(b.coords)
    assert dict(a.sizes) == dict(b.sizes)
    for name in a.variables:
        va, vb = a[name].variable, b[name].variable
        assert va.dims == vb.dims, name
        assert va.dtype == vb.dtype or va.dtype.kind == vb.dtype.kind == "U", name
        if va.dtype.kind == "f":
            assert va.values.tobytes() == vb.values.tobytes(), f"{name} differs"
        else:
            assert np.array_equal(va.values, vb.values), f"{name} differs"
        assert va.attrs.keys() == vb.attrs.keys(), name
        for k in va.attrs:
            assert np.array_equal(va.attrs[k], vb.attrs[k]), (name, k)
    keys = (set(a.attrs) | set(b.attrs)) - IGNORED_ATTRS
    for k in keys:
        assert np.array_equal(a.attrs.get(k), b.attrs.get(k)), k


def test_python_cli_and_load_agree(ps, cli, syria_path, small_ensemble, tmp_path):
    out = tmp_path / "cli.h5"
    subprocess.run([cli, "run", str(syria_path), "--replicates", "6", "--seed", "5", "--steps", "120",
                    "--counterfactual", "--threads", "2", "-q", "-o", str(out)], check=True, timeout=300)
    with ps.load(out) as from_file:
        assert_same_dataset(small_ensemble, from_file)
        assert from_file.attrs["command_line"].startswith(cli)
    assert small_ensemble.attrs["command_line"].startswith("powershift.run_ensemble(")
    # Written from Python and read back: the same again.
    saved = tmp_path / "py.h5"
    ps.save(small_ensemble, saved)
    with ps.load(saved) as back:
        assert_same_dataset(small_ensemble, back)


def test_cli_options_map_to_arguments(ps, cli, syria_path, tmp_path):
    out = tmp_path / "cli.h5"
    subprocess.run([cli, "run", str(syria_path), "--replicates", "3", "--seed", "11", "--steps", "50",
                    "--interval", "7", "--fields", "control,power", "-q", "-o", str(out)],
                   check=True, timeout=300)
    ds = ps.run_ensemble(syria_path, replicates=3, seed=11, steps=50, interval=7,
                         fields=["control", "power"])
    with ps.load(out) as from_file:
        assert_same_dataset(ds, from_file)
    assert list(ds.step.values) == [0, 7, 14, 21, 28, 35, 42, 49, 50]
    assert "support" not in ds and ds.attrs["recorded_fields"] == "control power"


def test_threads_and_repeats_do_not_change_a_bit(ps, syria):
    a = ps.run_ensemble(syria, replicates=5, seed=2, steps=60, threads=1)
    b = ps.run_ensemble(syria, replicates=5, seed=2, steps=60, threads=3)
    for name in a.data_vars:
        assert a[name].values.tobytes() == b[name].values.tobytes(), name
    c = ps.run_ensemble(syria, replicates=5, seed=3, steps=60, threads=2)
    assert not np.array_equal(a.control.values, c.control.values)
    assert not np.array_equal(a.control[0].values, a.control[1].values)


def test_defaults_come_from_the_scenario(ps):
    small = ps.Scenario.default().override({"run.steps": 40, "run.replicates": 2, "run.seed": 9})
    ds = ps.run_ensemble(small)
    assert ds.sizes["replicate"] == 2 and int(ds.step[-1]) == 40 and int(ds.attrs["seed"]) == 9
    assert "counterfactual_effect" not in ds


def test_dataset_contents(ps, small_ensemble):
    ds = small_ensemble
    assert ds.time.dtype.kind == "M" and str(ds.time.values[0])[:10] == "2024-12-08"
    assert ds.control.dtype == np.float32 and ds.control.dims == ("replicate", "time", "region", "actor")
    assert float(ds.control.sum("actor").max()) <= 1.0 + 1e-5
    # Paired counterfactual: effect = control with drawdown - control without, at the end.
    final = ds.control.isel(time=-1).astype(np.float64)
    diff = final - ds.counterfactual_control
    assert np.allclose(diff, ds.counterfactual_effect, atol=1e-6)
    assert ds.attrs["withdrawing_actor"] == "russia"
    assert ds.sizes["event"] == len(ds.event_kind) > 0


@pytest.mark.parametrize("seed", [2**63, 2**64 - 1])
def test_seeds_above_int64_agree_with_the_cli(ps, cli, syria_path, tmp_path, seed):
    """Seeds are unsigned 64-bit end to end: the CLI's --seed and the bindings' seed take the
    same range and give the same replicates (no clamp, no signed cast)."""
    out = tmp_path / "cli.h5"
    subprocess.run([cli, "run", str(syria_path), "--replicates", "2", "--seed", str(seed),
                    "--steps", "20", "-q", "-o", str(out)], check=True, timeout=300)
    ds = ps.run_ensemble(syria_path, replicates=2, seed=seed, steps=20)
    assert int(ds.attrs["seed"]) == seed
    with ps.load(out) as from_file:
        assert_same_dataset(ds, from_file)
    sim = ps.Simulation(syria_path, seed=np.uint64(seed), replicate=1, steps=20)
    assert sim.seed == seed
    sim.step(20)
    final = ds.control.isel(replicate=1, time=-1).values
    np.testing.assert_array_equal(np.asarray(sim.control, dtype=final.dtype), final)


@pytest.mark.parametrize("seed", [-1, 2**64, 10**30])
def test_seed_outside_u64_is_a_clear_error(ps, syria, seed):
    with pytest.raises(ValueError, match=r"seed must be between 0 and 2\^64-1"):
        ps.run_ensemble(syria, replicates=1, seed=seed, steps=5)
    with pytest.raises(ValueError, match=r"seed must be between 0 and 2\^64-1"):
        ps.Simulation(syria, seed=seed)


def test_bad_arguments(ps, syria):
    with pytest.raises(ValueError, match="unknown field"):
        ps.run_ensemble(syria, replicates=1, steps=40, fields=["control", "bogus"])
    with pytest.raises(ValueError):
        ps.run_ensemble(syria, replicates=0)
    no_drawdown = syria.override({"events": []})
    with pytest.raises(ps.InputError, match="drawdown"):
        ps.run_ensemble(no_drawdown, replicates=1, steps=40, counterfactual=True)


def test_other_threads_run_while_the_engine_works(ps, syria):
    """run_ensemble releases the GIL: a Python thread keeps counting through the whole call."""
    stamps: list[float] = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.002)

    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.05)
    t0 = time.perf_counter()
    ds = ps.run_ensemble(syria, replicates=24, seed=1, counterfactual=True, threads=2,
                         fields=["control"], interval=30)
    t1 = time.perf_counter()
    stop.set()
    counter.join()
    assert ds.sizes["replicate"] == 24
    during = [t for t in stamps if t0 <= t <= t1]
    gaps = np.diff([t0] + during + [t1])
    duration = t1 - t0
    assert duration > 0.3, "the ensemble was too quick to tell"
    # The counter ticked all along: no stretch longer than a fifth of the call without a tick
    # (holding the GIL would leave one gap as long as the engine's work).
    assert len(during) > 20 and gaps.max() < 0.2 * duration, (len(during), gaps.max(), duration)


def test_ctrl_c_stops_the_ensemble(tmp_path):
    """SIGINT during run_ensemble raises KeyboardInterrupt promptly (replicates stop at their
    next step)."""
    code = textwrap.dedent("""
        import os, signal, threading, time
        import powershift as ps
        sc = ps.Scenario.default()
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        t0 = time.perf_counter()
        try:
            ps.run_ensemble(sc, replicates=2000, seed=1, threads=2, fields=["control"], interval=30)
        except KeyboardInterrupt:
            print("interrupted after %.2f s" % (time.perf_counter() - t0))
        else:
            print("finished")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=child_env(), timeout=300)
    assert out.stdout.startswith("interrupted"), out.stdout + out.stderr
    assert float(out.stdout.split()[2]) < 5.0
