"""Scores against hand-computed values on tiny ensembles (docs/observations.md, "Scores").

The expected values come from the closed forms, not from the code: the CRPS of an ensemble
X_1..X_n for an outcome y is mean|X - y| - 1/2 mean|X - X'| over all n^2 pairs; the Brier score
of who controls a region is sum_k (p_k - o_k)^2; the log score is -ln p(outcome), floored at
p = 0.01."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from conftest import SKIP_REASON

if SKIP_REASON:  # a build without powershift._core (the asan preset): nothing here can run
    pytest.skip(SKIP_REASON, allow_module_level=True)

import powershift as ps  # noqa: E402
from powershift import scoring

START = np.datetime64("2024-01-01", "ns")


def tiny_run(control_day10, *, counterfactual=None):
    """3 replicates, days 0 and 10, regions A, B (+ offmap Home), actors x, y."""
    rep, times = 3, START + np.array([0, 10], dtype="timedelta64[D]").astype("timedelta64[ns]")
    control = np.zeros((rep, 2, 3, 2), dtype=np.float32)
    control[:, 0, 0, :] = [0.8, 0.1]           # day 0, region A: x holds 0.8
    control[:, 0, 1, :] = [0.3, 0.6]           # day 0, region B: y holds
    control[:, 1, 0, :] = control_day10         # day 10, region A, per replicate
    control[:, 1, 1, :] = [0.2, 0.7]
    forces = np.ones_like(control)
    forces_total = np.array([[[100.0, 50.0], [90.0, 40.0]], [[100.0, 50.0], [70.0, 45.0]],
                             [[100.0, 50.0], [80.0, 30.0]]])
    casualties = np.zeros((rep, 2, 2))
    casualties[:, 1, :] = [[5, 5], [20, 10], [0, 36]]
    pop = np.array([100.0, 300.0, 0.0])
    w = pop[:2] / pop[:2].sum()
    share = np.einsum("r,ktra->kta", w, control[:, :, :2, :].astype(float))
    # engagements: (replicate, day, region, losses)
    events = [(0, 2.0, 1, 10.0), (0, 7.0, 1, 5.0), (1, 3.0, 0, 20.0), (2, 4.0, 1, 30.0), (2, 5.0, 1, 6.0)]
    ev = np.array(events)
    ds = xr.Dataset(
        {
            "control": (("replicate", "time", "region", "actor"), control),
            "forces": (("replicate", "time", "region", "actor"), forces),
            "forces_total": (("replicate", "time", "actor"), forces_total),
            "casualties": (("replicate", "time", "actor"), casualties),
            "control_share_pop": (("replicate", "time", "actor"), share),
            "event_kind": ("event", np.full(len(ev), 3, dtype=np.int32)),
            "event_replicate": ("event", ev[:, 0].astype(np.int32)),
            "event_time": ("event", START + (ev[:, 1] * 86400e9).astype("timedelta64[ns]")),
            "event_region": ("event", ev[:, 2].astype(np.int32)),
            "event_value": ("event", ev[:, 3]),
        },
        coords={"replicate": np.arange(rep), "time": times, "region": ["A", "B", "Home"], "actor": ["x", "y"],
                "region_population": ("region", pop), "region_offmap": ("region", np.array([0, 0, 1], dtype=np.int8))},
        attrs={"start_date": "2024-01-01", "dt_days": 1.0, "scenario_name": "tiny"},
    )
    if counterfactual is not None:
        ds["counterfactual_control"] = (("replicate", "region", "actor"), counterfactual)
    return ds


CONTROL_A = [[0.2, 0.7], [0.6, 0.3], [0.7, 0.1]]


def crps_closed_form(x, y):
    x = np.asarray(x, dtype=float)
    return np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))


def obs_file(tmp_path, rows):
    f = tmp_path / "obs.csv"
    f.write_text("kind,date,end_date,region,actor,value,source\n" + "".join(r + ",test\n" for r in rows))
    return f


def test_crps_closed_form_by_hand():
    # mean|X - y| = (0.3 + 0.1 + 0.2)/3 = 0.2; pairs: 2 (0.4 + 0.5 + 0.1)/9 = 2/9; CRPS = 0.2 - 1/9
    assert scoring.crps_ensemble(np.array([0.2, 0.6, 0.7]), 0.5) == pytest.approx(0.2 - 1 / 9)
    assert scoring.crps_ensemble(np.array([3.0]), 1.0) == pytest.approx(2.0)  # one member: |x - y|
    rng = np.random.default_rng(3)
    x = rng.normal(size=7)
    assert scoring.crps_ensemble(x, 0.3) == pytest.approx(crps_closed_form(x, 0.3))


def test_scores_match_hand_computed_values(tmp_path):
    ds = tiny_run(CONTROL_A)
    f = obs_file(tmp_path, [
        "control,2024-01-11,,A,x,0.5",       # day 10: ensemble 0.2, 0.6, 0.7
        "controller,2024-01-11,,A,x,",       # controllers y, x, x
        "controller,2024-01-11,,A,none,",
        "fatalities,2024-01-02,2024-01-06,B,,12",   # days [1, 6): 10, 0, 30+6
        "events,2024-01-02,2024-01-06,B,,1",        # 1, 0, 2
        "fatalities,2024-01-01,2024-01-10,,,20",    # national: casualties day 10 - day 0: 10, 30, 36
        "strength,2024-01-11,,,y,42",               # forces_total: 40, 45, 30
        "control_share,2024-01-11,,,y,0.5",
    ])
    s = ps.score(ds, f)
    t = s.table
    assert t.loc[0, "crps_model"] == pytest.approx(0.2 - 1 / 9)
    assert t.loc[0, "crps_persistence"] == pytest.approx(0.3)    # day 0: 0.8
    assert t.loc[0, "cover50_model"] == 1 and t.loc[0, "cover90_model"] == 1  # [0.4, 0.65], [0.24, 0.69]
    assert t.loc[1, "brier_model"] == pytest.approx((2 / 3 - 1) ** 2 + (1 / 3) ** 2)
    assert t.loc[1, "log_model"] == pytest.approx(-math.log(2 / 3))
    assert t.loc[1, "brier_persistence"] == 0 and t.loc[1, "log_persistence"] == 0
    assert t.loc[2, "brier_model"] == pytest.approx((2 / 3) ** 2 + (1 / 3) ** 2 + 1)
    assert t.loc[2, "log_model"] == pytest.approx(math.log(100))   # floored at p = 0.01
    assert t.loc[3, "crps_model"] == pytest.approx(38 / 3 - 0.5 * 144 / 9)
    assert t.loc[3, "crps_persistence"] == pytest.approx(12)        # persistence: no deaths
    assert t.loc[4, "crps_model"] == pytest.approx(2 / 3 - 4 / 9)
    assert t.loc[5, "crps_model"] == pytest.approx(crps_closed_form([10, 30, 36], 20))
    assert t.loc[6, "crps_model"] == pytest.approx(crps_closed_form([40, 45, 30], 42))
    assert t.loc[6, "crps_persistence"] == pytest.approx(8)         # day 0: 50
    shares_y = [0.25 * a[1] + 0.75 * 0.7 for a in CONTROL_A]
    assert t.loc[7, "crps_model"] == pytest.approx(crps_closed_form(shares_y, 0.5), rel=1e-6)
    # 50% interval of the fatalities [10, 0, 36]: quantiles 5 and 23; 12 inside
    assert t.loc[3, "cover50_model"] == 1
    # the summary: the mean of each score per kind, and skill against persistence
    summ = s.summary()
    assert summ.loc[("controller", "brier"), "model"] == pytest.approx(np.mean([t.loc[1, "brier_model"], t.loc[2, "brier_model"]]))
    crps_f = [t.loc[3, "crps_model"], t.loc[5, "crps_model"]]
    assert summ.loc[("fatalities", "crps"), "model"] == pytest.approx(np.mean(crps_f))
    assert summ.loc[("control", "crps"), "skill"] == pytest.approx(1 - (0.2 - 1 / 9) / 0.3)
    by_region = s.summary(by="region")
    assert by_region.loc[("B", "events", "crps"), "n"] == 1
    assert "without" in s.notes[0]  # no baseline without the event: said, and its column empty
    assert t["crps_without"].isna().all()


def test_without_baseline_from_counterfactual_arm_and_second_run(tmp_path):
    cf = np.zeros((3, 3, 2))
    cf[:, 0, :] = [0.9, 0.0]
    ds = tiny_run(CONTROL_A, counterfactual=cf)
    f = obs_file(tmp_path, ["control,2024-01-11,,A,x,0.5", "control,2024-01-01,,A,x,0.5",
                            "fatalities,2024-01-02,2024-01-06,B,,12"])
    t = ps.score(ds, f).table
    assert t.loc[0, "crps_without"] == pytest.approx(0.4)   # every replicate 0.9
    assert math.isnan(t.loc[1, "crps_without"])             # the arm has final control only
    other = tiny_run([[0.5, 0.5]] * 3)
    t = ps.score(ds, f, without=other).table
    assert t.loc[0, "crps_without"] == pytest.approx(0.0)
    assert t.loc[1, "crps_without"] == pytest.approx(0.3)   # day 0 of the other run: 0.8


def test_dates_outside_the_run_are_not_scored(tmp_path):
    f = obs_file(tmp_path, ["control,2024-03-01,,A,x,0.5", "control,2023-12-01,,A,x,0.5"])
    s = ps.score(tiny_run(CONTROL_A), f)
    assert (s.table.unscored == "date outside the run").all()
    assert "not scored: 2 x date outside the run" in s.to_text()


def test_score_cli_on_a_real_run(tmp_path):
    import os
    from pathlib import Path

    exe = os.environ.get("POWERSHIFT_BIN")
    if not exe:
        pytest.skip("needs the powershift command (POWERSHIFT_BIN)")
    src = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "two-towns.yaml"
    run = tmp_path / "run.h5"
    subprocess.run([exe, "run", str(src), "--replicates", "4", "--counterfactual", "-o", str(run), "-q"], check=True)
    f = tmp_path / "obs.csv"
    f.write_text("kind,date,region,actor,value,source\n"
                 "control,2024-12-30,Upper,militia,0.9,test\ncontroller,2025-06-06,Lower,militia,,test\n")
    proc = subprocess.run([sys.executable, "-m", "powershift", "score", str(run), str(f), "--by", "region",
                           "--csv", str(tmp_path / "s.csv")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "persistence" in proc.stdout and "by region" in proc.stdout
    assert (tmp_path / "s.csv").is_file()
    # the C++ CLI's `score` runs the same module with the same arguments
    proc2 = subprocess.run([exe, "score", str(run), str(f), "--by", "region"], capture_output=True, text=True, check=False,
                           env={**os.environ, "POWERSHIFT_PYTHON": sys.executable})
    assert proc2.returncode == 0, proc2.stderr
    assert proc2.stdout == proc.stdout


def test_a_list_of_runs_is_scored_as_one_pooled_ensemble(tmp_path):
    """Members of a posterior sweep (one parameter sample each) pooled: 3 + 3 replicates score as
    one ensemble of 6 (closed-form CRPS and Brier), events counted per run."""
    a = tiny_run(CONTROL_A)
    b = tiny_run([[0.9, 0.05], [0.9, 0.05], [0.1, 0.8]])
    f = obs_file(tmp_path, ["control,2024-01-11,,A,x,0.5", "controller,2024-01-11,,A,x,",
                            "fatalities,2024-01-01,2024-01-10,B,,20"])
    s = ps.score([a, b], f, without=[a])
    t = s.table
    pooled = [0.2, 0.6, 0.7, 0.9, 0.9, 0.1]
    assert t.crps_model[0] == pytest.approx(crps_closed_form(pooled, 0.5))
    assert t.crps_without[0] == pytest.approx(crps_closed_form([0.2, 0.6, 0.7], 0.5))
    p_x = 4 / 6  # x holds >= 0.5 in 4 of the 6 members, y in the other 2
    p_y = 2 / 6
    assert t.brier_model[1] == pytest.approx((p_x - 1) ** 2 + p_y ** 2)
    per_run = [15.0, 0.0, 36.0]  # region B losses in days 0..10 of each replicate, twice
    assert t.crps_model[2] == pytest.approx(crps_closed_form(per_run + per_run, 20.0))
    assert t.n[0] == 6
    with pytest.raises(ValueError, match="no runs"):
        ps.score([], f)
