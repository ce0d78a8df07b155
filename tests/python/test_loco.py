"""Leave-one-case-out validation (powershift.calibration.leave_one_out, scripts/loco.py,
docs/validation.md) on small settings: three cases (copies of the two-towns example, each with
its own model-generated observations on other dates); each fold must calibrate on the other two
only and score the held-out case on its own observations only, with finite scores."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SKIP_REASON

if SKIP_REASON:  # a build without powershift._core (the asan preset): nothing here can run
    pytest.skip(SKIP_REASON, allow_module_level=True)

from powershift.calibration import CalibrationError, leave_one_out, load_spec, synthetic_observations  # noqa: E402

SOURCE = Path(__file__).resolve().parents[2]
TWO_TOWNS = SOURCE / "scenarios" / "examples" / "two-towns.yaml"
TRUTH = {"model.control.theta": 0.002, "model.control.zeta": 0.1, "run.steps": 60}
DATES = {"a": ["2024-12-18"], "b": ["2025-01-07"], "c": ["2025-01-27"]}

pytestmark = pytest.mark.skipif(not os.environ.get("POWERSHIFT_BIN"), reason="needs the powershift command")


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("loco")
    text = TWO_TOWNS.read_text()
    for name, dates in DATES.items():
        (d / f"{name}.yaml").write_text(text)  # a scenario file per case: its path names the case
        (d / f"{name}-obs.csv").write_text(synthetic_observations(TWO_TOWNS, TRUTH, dates, ["patron", "militia"],
                                                                  replicates=4))
    cases = "\n".join(f"  - {{name: {n}, scenario: {n}.yaml, observations: {n}-obs.csv}}" for n in DATES)
    (d / "spec.yaml").write_text(
        "calibration: loco-test\n"
        f"cases:\n{cases}\n"
        "set: {run.steps: 60}\n"
        "parameters:\n"
        "  - {name: theta, path: model.control.theta, range: [0.0005, 0.008], log: true}\n"
        "  - {name: zeta, path: model.control.zeta, range: [0.02, 0.5], log: true}\n"
        "waves: 1\nruns_per_wave: 6\nreplicates: 2\nsamples: 20\ncandidates: 400\n"
        "record: {fields: [control], interval: 1}\n")
    return d


def test_each_fold_fits_the_others_and_scores_the_held_out_case_only(cases, tmp_path):
    spec = load_spec(cases / "spec.yaml")
    assert [c.name for c in spec.cases] == ["a", "b", "c"]
    result = leave_one_out(spec, dir=tmp_path / "loco", predict_samples=2, in_sample=False, threads=2)
    assert [f.case for f in result.folds] == ["a", "b", "c"]
    for fold in result.folds:
        held = fold.case
        held_scenario = str(cases / f"{held}.yaml")
        held_obs = str(cases / f"{held}-obs.csv")
        assert sorted(fold.trained_on) == sorted(set(DATES) - {held})
        if fold.calibration is not None:
            # the held-out case is never among the calibration's inputs
            assert held not in [c.name for c in fold.calibration.spec.cases]
            assert set(fold.calibration.targets.case) == set(fold.trained_on)
            assert held_obs not in set(fold.calibration.targets.file)
            fold_dir = Path(fold.calibration.dir)
            for sweep_yaml in fold_dir.rglob("sweep.yaml"):
                mentions = held_scenario in sweep_yaml.read_text()
                assert mentions == (f"predict-{held}" in str(sweep_yaml)), sweep_yaml
        # scored on the held-out observations only, every score finite
        assert list(fold.scores) == [held]
        table = fold.scores[held].table
        assert set(table.file) == {held_obs}
        assert len(table) == 2 * len(DATES[held])  # two actors per date
        for f in ("model", "persistence", "without"):
            assert all(math.isfinite(v) for v in table[f"crps_{f}"]), f
        assert all(0.0 <= s <= 1.0 for s in fold.spread[held].parametric_share.dropna())
    t = result.table()
    assert set(t.index.get_level_values("case")) == set(DATES)
    assert t.loc[(slice(None), "control_share", "crps"), "held_out"].notna().all()
    assert "left out a: calibrated on b, c" in result.to_text()


def test_one_case_is_not_enough(cases, tmp_path):
    spec = load_spec(cases / "spec.yaml")
    spec.cases = spec.cases[:1]
    with pytest.raises(CalibrationError, match="at least two cases"):
        leave_one_out(spec, dir=tmp_path / "x")


def test_script_reports_bad_specs_located(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("calibration: x\ncases:\n  - {name: a, scenario: nowhere.yaml, observatons: o.csv}\n"
                   "parameters:\n  - {name: t, path: model.control.theta, range: [0.001, 0.01]}\n")
    proc = subprocess.run([sys.executable, str(SOURCE / "scripts" / "loco.py"), str(bad), "--dir", str(tmp_path / "d")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"{bad}:3:" in proc.stderr and "cases[0].observatons: unknown key" in proc.stderr
    assert "cases[0].scenario: no such file" in proc.stderr
