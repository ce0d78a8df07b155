#!/usr/bin/env python3
"""Score every history case (scenarios/history/) against its observations, next to persistence
and the scenario without its drawdown, and print the Markdown table of docs/validation.md.

    PYTHONPATH=analysis:build/dev/python python3 scripts/history-scores.py [--replicates 20]

Parameters are the scenarios' (the model's defaults): no calibration is involved.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import powershift as ps

HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "history"
CASES = ["afghanistan-1988", "iraq-2011", "afghanistan-2021", "syria-2024-collapse"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print("| case | kind | score | n | model | persistence | without drawdown | skill vs persistence |")
    print("|---|---|---|---|---|---|---|---|")
    for case in CASES:
        scenario = HISTORY / f"{case}.yaml"
        run = ps.run_ensemble(ps.Scenario.from_yaml(scenario), replicates=args.replicates, seed=args.seed)
        without = ps.run_ensemble(ps.Scenario.from_yaml(scenario, overrides={"events": []}),
                                  replicates=args.replicates, seed=args.seed)
        s = ps.score(run, HISTORY / f"{case}-observations.yaml", without=without)
        for (kind, name), row in s.summary().iterrows():
            if name in ("cover50",):
                continue
            skill = "" if row.skill != row.skill else f"{row.skill:+.2f}"
            print(f"| {case} | {kind} | {name} | {int(row.n)} | {row.model:.4g} | {row.persistence:.4g} | "
                  f"{row.without:.4g} | {skill} |")


if __name__ == "__main__":
    main()
