"""The history cases (scenarios/history/) load, run and score against their observations, next to
persistence and the same scenario without its drawdown (docs/validation.md)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from conftest import SKIP_REASON

if SKIP_REASON:  # a build without powershift._core (the asan preset): nothing here can run
    pytest.skip(SKIP_REASON, allow_module_level=True)

import powershift as ps  # noqa: E402

HISTORY = Path(__file__).resolve().parents[2] / "scenarios" / "history"
CASES = ["afghanistan-1988", "iraq-2011", "afghanistan-2021", "syria-2024-collapse"]
# Cases whose initial control is far from what the forces support on day 0: the engine warns
# (ps.ScenarioWarning, as the CLI prints it), and the tests expect it.
WARNS = {"iraq-2011", "afghanistan-2021", "syria-2024-collapse"}


def load(case: str, **kwargs) -> ps.Scenario:
    path = HISTORY / f"{case}.yaml"
    if case not in WARNS:
        return ps.Scenario.from_yaml(path, **kwargs)
    with pytest.warns(ps.ScenarioWarning, match="far from the day-0 target"):
        return ps.Scenario.from_yaml(path, **kwargs)


@pytest.mark.parametrize("case", CASES)
def test_case_loads_runs_and_scores(case):
    obs = ps.observations.load(HISTORY / f"{case}-observations.yaml")
    assert (obs.table.source.str.len() > 0).all()          # every figure has a source
    run = ps.run_ensemble(load(case), replicates=3, seed=1, threads=2)
    without = ps.run_ensemble(load(case, overrides={"events": []}), replicates=3, seed=1, threads=2)
    s = ps.score(run, obs, without=without)
    assert not s.table.unscored.astype(bool).any(), s.table.unscored.tolist()
    for kind, names in (("controller", ("brier", "log")), ("fatalities", ("crps",)), ("control_share", ("crps",))):
        rows = s.table[s.table.kind == kind]
        for name in names:
            for f in ("model", "persistence", "without"):
                assert all(math.isfinite(v) for v in rows[f"{name}_{f}"]), (kind, name, f)
    assert not s.summary().empty
