#!/usr/bin/env python3
"""Score every history case (scenarios/history/) against its observations, next to persistence
and the scenario without its drawdown, and print the Markdown table of docs/validation.md.

    PYTHONPATH=analysis:build/dev/python python3 scripts/history-scores.py [--replicates 20] [--misses]

With --misses, also a table of every observation the model gets wrong: a controller it gives less
than half a chance, a number outside its 90% interval (with the ensemble's median and interval).

Parameters are the scenarios' (the model's defaults): no calibration is involved.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import powershift as ps
from powershift.scoring import predict

HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "history"
CASES = ["afghanistan-1988", "iraq-2011", "afghanistan-2021", "syria-2024-collapse"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--misses", action="store_true", help="also list the observations the model gets wrong")
    args = ap.parse_args()
    misses = []
    print("| case | kind | score | n | model | persistence | without drawdown | skill vs persistence |")
    print("|---|---|---|---|---|---|---|---|")
    for case in CASES:
        scenario = HISTORY / f"{case}.yaml"
        run = ps.run_ensemble(ps.Scenario.from_yaml(scenario), replicates=args.replicates, seed=args.seed)
        without = ps.run_ensemble(ps.Scenario.from_yaml(scenario, overrides={"events": []}),
                                  replicates=args.replicates, seed=args.seed)
        obs = HISTORY / f"{case}-observations.yaml"
        s = ps.score(run, obs, without=without)
        if args.misses:
            values = predict(run, obs)
            for (_, row), v in zip(s.table.iterrows(), values):
                if v is None:
                    continue
                where = f"{row.region or '(all)'} {row.actor}".strip()
                if row.kind == "controller":
                    names, counts = np.unique(np.asarray(v).astype(str), return_counts=True)
                    if row.mean_model < 0.5:
                        modal = names[np.argmax(counts)]
                        misses.append(f"| {case} | {row.date} | controller | {row.region} | {row.actor} | "
                                      f"{modal} ({counts.max() / len(v):.0%}) |")
                else:
                    lo, med, hi = np.quantile(np.asarray(v, dtype=float), [0.05, 0.5, 0.95])
                    if not lo <= row.value <= hi:
                        misses.append(f"| {case} | {row.date} | {row.kind} | {where} | {row.value:.4g} | "
                                      f"{med:.3g} [{lo:.3g}, {hi:.3g}] |")
        for (kind, name), row in s.summary().iterrows():
            if name in ("cover50",):
                continue
            skill = "" if row.skill != row.skill else f"{row.skill:+.2f}"
            print(f"| {case} | {kind} | {name} | {int(row.n)} | {row.model:.4g} | {row.persistence:.4g} | "
                  f"{row.without:.4g} | {skill} |")
    if args.misses:
        print_misses(misses)


def print_misses(misses: list[str]) -> None:
    print()
    print("| case | date | kind | where | observed | model: modal controller (its share) or median [90% interval] |")
    print("|---|---|---|---|---|---|")
    for line in misses:
        print(line)


if __name__ == "__main__":
    main()
