"""History matching recovers parameters from observations the model generated (docs/calibration.md).

The truth is known: each test generates its observations from the model as it is now, at
theta = 0.002, zeta = 0.1 (``powershift.calibration.synthetic_observations``, as
scenarios/calibration/two-towns-observations.csv was made), so a change of the model cannot leave
them out of its reach. Each true value
must lie inside its 90% posterior interval, which must be narrower than the prior's; observations
generated at a shifted truth must move the intervals to it."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conftest import SKIP_REASON
from fake_tty import FakeTTY

if SKIP_REASON:  # a build without powershift._core (the asan preset): nothing here can run
    pytest.skip(SKIP_REASON, allow_module_level=True)

import powershift as ps  # noqa: E402
from powershift.calibration import CalibrationError, synthetic_observations

SOURCE = Path(__file__).resolve().parents[2]
SPEC = SOURCE / "scenarios" / "calibration" / "two-towns.yaml"
DATES = ["2024-12-18", "2025-01-07", "2025-03-08", "2025-06-05"]

pytestmark = pytest.mark.skipif(not os.environ.get("POWERSHIFT_BIN"), reason="needs the powershift command")


def check_recovered(cal, truth):
    iv = cal.intervals(0.9)
    for name, value in truth.items():
        row = iv.loc[name]
        assert row.low <= value <= row.high, f"{name}={value} outside [{row.low:.4g}, {row.high:.4g}]"
        assert row.high - row.low < row.prior_high - row.prior_low, f"{name}: no narrower than the prior"
    return iv


def test_recovers_the_truth(tmp_path):
    truth = {"model.control.theta": 0.002, "model.control.zeta": 0.1}
    obs = tmp_path / "truth.csv"
    obs.write_text(synthetic_observations(SOURCE / "scenarios" / "examples" / "two-towns.yaml", truth, DATES,
                                          ["patron", "militia"]))
    with ProcessPoolExecutor(2) as pool:
        cal = ps.calibrate(SPEC, executor=pool, dir=tmp_path / "cal", plots=True, runs_per_wave=12,
                           observations=str(obs))
    iv = check_recovered(cal, {"theta": 0.002, "zeta": 0.1})
    assert len(cal.waves) == 3 and len(cal.samples) >= 50
    assert cal.waves.nroy_share_of_prior.iloc[-1] < 0.5  # most of the prior box is ruled out
    for name in ("calibration.yaml", "posterior.yaml", "samples.csv", "implausibility.png",
                 "emulator-loo.png", "posterior.png"):
        assert (tmp_path / "cal" / name).is_file()
    # the posterior spec is a sweep spec that runs the samples
    design = ps.sweep.expand(tmp_path / "cal" / "posterior.yaml")
    assert len(design) == len(cal.samples)
    assert iv.loc["theta", "width_ratio"] < 0.5
    # the spread over the posterior, split into parametric and stochastic parts (spread_samples: 8)
    assert cal.spread_runs == 8 and len(cal.spread) == len(cal.targets)
    share = cal.spread.parametric_share.dropna()
    assert len(share) > 0 and ((share >= 0) & (share <= 1)).all()
    assert "parametric_share" in cal.to_text() and (tmp_path / "cal" / "spread.csv").is_file()


def test_a_shifted_truth_moves_the_intervals(tmp_path, monkeypatch):
    truth = {"model.control.theta": 0.004, "model.control.zeta": 0.25}
    obs = tmp_path / "shifted.csv"
    # At this truth the militia's initial control is far from what its forces support: the
    # engine warns, as the CLI does.
    with pytest.warns(ps.ScenarioWarning, match="far from the day-0 target"):
        obs.write_text(synthetic_observations(SOURCE / "scenarios" / "examples" / "two-towns.yaml", truth, DATES,
                                              ["patron", "militia"]))
    # On a terminal (faked): a bar of waves, counted as each wave's runs are all on disk.
    import powershift._progress

    monkeypatch.setattr(powershift._progress, "MININTERVAL", 0.0)
    waves_done = lambda: sum(len(list((tmp_path / "cal" / f"wave-{k}" / "members").glob("*.done"))) == 12  # noqa: E731
                             for k in (1, 2, 3))
    tty = FakeTTY(waves_done)
    monkeypatch.setattr(sys, "stderr", tty)
    cal = ps.calibrate(SPEC, dir=tmp_path / "cal", plots=False, runs_per_wave=12, observations=str(obs))
    monkeypatch.undo()
    shown = tty.counts(3, "calibration")
    assert sorted({n for n, _ in shown}) == [0, 1, 2, 3] and all(n <= done for n, done in shown)
    assert {n for n, _ in tty.counts(12, "sweep")} == set(range(13))  # each wave's runs, one by one
    iv = check_recovered(cal, {"theta": 0.004, "zeta": 0.25})
    assert iv.loc["theta", "low"] > 0.0025  # the interval at the default truth (0.002) is left behind


def test_out_of_reach_observations_are_an_error(tmp_path):
    obs = tmp_path / "impossible.csv"
    obs.write_text("kind,date,actor,value,sd,source\n"
                   "control_share,2025-06-05,patron,0.9,0.01,impossible\n"
                   "control_share,2025-06-05,militia,0.9,0.01,impossible\n")
    with pytest.raises(CalibrationError, match="no parameter value is left non-implausible"):
        ps.calibrate(SPEC, dir=tmp_path / "cal", plots=False, runs_per_wave=8, waves=2, observations=str(obs))


def test_spec_errors_are_located(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"calibration: x\nscenario: {SOURCE / 'scenarios/examples/two-towns.yaml'}\n"
                   f"observations: {SOURCE / 'scenarios/calibration/two-towns-observations.csv'}\n"
                   "parameters:\n  - {name: theta, path: model.control.theta, range: [0.01, 0.001]}\n"
                   "wavs: 2\n")
    with pytest.raises(CalibrationError) as e:
        ps.calibration.load_spec(bad)
    text = str(e.value)
    assert f"{bad}:6:1: error: wavs: unknown key; did you mean 'waves'?" in text
    assert f"{bad}:5:" in text and "parameters[0].range" in text
    proc = __import__("subprocess").run([__import__("sys").executable, "-m", "powershift", "calibrate", str(bad)],
                                        capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "wavs: unknown key" in proc.stderr
