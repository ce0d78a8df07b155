"""Errors, warnings and progress of the Python API: a missing scenario is a FileNotFoundError
and a ScenarioError; engine and loader warnings arrive through `warnings.warn`; `run.steps` set
by an override runs as `steps=`; run_ensemble's bar counts replicates as they complete."""
from __future__ import annotations

import errno
import sys

import numpy as np
import pytest

from conftest import SOURCE_DIR
from fake_tty import FakeTTY


def test_a_missing_scenario_is_file_not_found_and_a_scenario_error(ps, tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(FileNotFoundError) as e:
        ps.Scenario.from_yaml(missing)
    assert isinstance(e.value, ps.ScenarioError) and isinstance(e.value, ps.ScenarioNotFoundError)
    assert e.value.errno == errno.ENOENT and e.value.filename == str(missing)
    assert str(e.value) == f"{missing}: error: cannot open the scenario file"
    assert e.value.file == str(missing) and len(e.value.diagnostics) == 1
    with pytest.raises(ps.ScenarioError):
        ps.run_ensemble(missing, replicates=1)
    # A file that exists but is not valid stays a plain ScenarioError.
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    with pytest.raises(ps.ScenarioError) as e2:
        ps.Scenario.from_yaml(bad)
    assert not isinstance(e2.value, FileNotFoundError)


def test_engine_warnings_go_through_warnings_warn(ps):
    path = SOURCE_DIR / "scenarios" / "history" / "iraq-2011.yaml"
    with pytest.warns(ps.ScenarioWarning) as record:
        sc = ps.Scenario.from_yaml(path)
    messages = [str(w.message) for w in record]
    assert len(messages) == len(sc.engine_warnings) >= 1
    for (field, message), text in zip(sc.engine_warnings, messages):
        assert text == f"iraq-2011: {field}: warning: {message}"
    # The bundled Syria scenario has none: loading it is silent (pytest turns warnings into errors).
    ps.Scenario.default()


def test_run_steps_override_runs_as_steps(ps, syria):
    # Syria's events come after day 9: an error in the file, but as an override it shortens the run.
    with pytest.warns(ps.ScenarioWarning, match=r"events\[1\]\.day: .*after the last step of this run"):
        short = syria.override({"run.steps": 10})
    assert short.steps == 10
    a = ps.run_ensemble(short, replicates=2, seed=4, threads=2)
    b = ps.run_ensemble(syria, replicates=2, seed=4, steps=10, threads=2)
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    # Written in the file, the same day is still an error at its line.
    text = syria.text.replace("steps: 365", "steps: 10")
    assert text != syria.text
    with pytest.raises(ps.ScenarioError, match=r"events\[\d\]\.day: must be >= 0 and <= 9"):
        ps.Scenario.from_string(text)


def test_run_ensemble_progress_counts_replicates_as_they_complete(ps, syria, monkeypatch):
    calls: list[tuple[int, int]] = []
    ps.run_ensemble(syria, replicates=12, seed=1, threads=1, fields=[], progress=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert calls[-1] == (12, 12) and all(t == 12 for _, t in calls)
    assert done == sorted(set(done))  # strictly increasing
    # Reported while the ensemble ran (polled every 0.1 s; one replicate of 365 steps on one
    # thread takes longer), not once at the end.
    assert len(calls) >= 2

    import powershift._progress

    monkeypatch.setattr(powershift._progress, "MININTERVAL", 0.0)
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    ps.run_ensemble(syria, replicates=6, seed=1, threads=1, steps=60, fields=[])
    shown = [n for n, _ in tty.counts(6, "ensemble syria-2024-12")]
    assert shown[0] == 0 and shown[-1] == 6 and shown == sorted(shown)
    pipe = __import__("io").StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    ps.run_ensemble(syria, replicates=2, seed=1, threads=1, steps=30, fields=[])
    assert pipe.getvalue() == ""


def test_a_progress_callback_that_raises_stops_the_ensemble(ps, syria):
    def stop(done: int, total: int) -> None:
        raise RuntimeError(f"stop at {done}")

    with pytest.raises(RuntimeError, match="stop at"):
        ps.run_ensemble(syria, replicates=8, seed=1, threads=1, fields=[], progress=stop)


def test_collect_records_user_metrics_at_the_recorded_steps(ps, syria):
    # The engine's own metrics, collected from Python, equal the recorded ones bit for bit: the
    # collector sees each replicate's trajectory at the recorded steps.
    def metrics(sim):
        m = sim.metrics()
        return {"vac": m["vacuum_share"], "share": m["control_share_pop"],
                "held": np.asarray(sim.control).sum(axis=1)}

    ds = ps.run_ensemble(syria, replicates=3, seed=2, steps=40, interval=9, fields=["control"], threads=2,
                         collect=metrics, progress=False)
    assert list(ds.step.values) == [0, 9, 18, 27, 36, 40]
    assert ds.vac.dims == ("replicate", "time") and ds.share.dims == ("replicate", "time", "actor")
    assert ds.held.dims == ("replicate", "time", "region")
    np.testing.assert_array_equal(ds.vac.values, ds.vacuum_share.values)
    np.testing.assert_array_equal(ds.share.values, ds.control_share_pop.values)
    # control is recorded as float32; the Simulation's state is float64.
    np.testing.assert_allclose(ds.held.values, ds.control.sum("actor").values, rtol=1e-6)
    with pytest.raises(ValueError, match="already name variables"):
        ps.run_ensemble(syria, replicates=1, steps=5, fields=[], collect=lambda s: {"vacuum_share": 0.0})
    with pytest.raises(ValueError, match="one value per actor"):
        ps.run_ensemble(syria, replicates=1, steps=5, fields=[], collect=lambda s: {"x": [1.0, 2.0]})
