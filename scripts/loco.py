#!/usr/bin/env python3
"""Leave-one-case-out validation of the shared model parameters on the history cases
(docs/validation.md): for each case, history-match the parameters of a calibration spec with
``cases:`` on the other cases only, run the held-out case at posterior samples (with and without
its events) and score it against its observations, next to persistence, the posterior without
the events, and the in-sample fit (calibrated on every case).

    PYTHONPATH=analysis:build/dev/python python3 scripts/loco.py \\
        [scenarios/calibration/history.yaml] [--dir history-loco] [--workers N] \\
        [--predict-samples 10] [--waves W --runs-per-wave R --replicates K] [--only CASE ...] \\
        [--no-in-sample] [--markdown]

Prints progress per wave, then the table (and with --markdown the tables of docs/validation.md).
Exit 2 for a bad spec (located messages), 1 when a run fails.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

SPEC = Path(__file__).resolve().parents[1] / "scenarios" / "calibration" / "history.yaml"


def fmt(x: float) -> str:
    if x != x:
        return ""
    return f"{x:.4g}"


def markdown(result) -> str:
    t = result.table().reset_index()
    lines = ["| case | kind | score | n | held out | in sample | persistence | without events | "
             "skill vs persistence | skill vs without |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in t.itertuples(index=False):
        held = fmt(r.held_out) + (" (prior)" if r.posterior == "prior" else "")
        sp = "" if math.isnan(r.skill_vs_persistence) else f"{r.skill_vs_persistence:+.2f}"
        sw = "" if math.isnan(r.skill_vs_without) else f"{r.skill_vs_without:+.2f}"
        lines.append(f"| {r.case} | {r.kind} | {r.score} | {r.n} | {held} | {fmt(r.in_sample)} | "
                     f"{fmt(r.persistence)} | {fmt(r.without)} | {sp} | {sw} |")
    iv = result.intervals()
    lines += ["", "| left out | parameter | prior 90% | posterior 90% | median | width ratio |", "|---|---|---|---|---|---|"]
    for r in iv.itertuples(index=False):
        lines.append(f"| {r.left_out} | {r.parameter} | {fmt(r.prior_low)} – {fmt(r.prior_high)} | "
                     f"{fmt(r.low)} – {fmt(r.high)} | {fmt(r.median)} | {r.width_ratio:.2f} |")
    sp = result.spread_summary()
    lines += ["", "| held-out case | kind | n | parametric share of the spread |", "|---|---|---|---|"]
    for r in sp.itertuples(index=False):
        lines.append(f"| {r.case} | {r.kind} | {r.n} | {fmt(r.parametric_share)} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec", nargs="?", default=str(SPEC))
    ap.add_argument("--dir", default="history-loco", help="where the folds' sweeps and results go")
    ap.add_argument("--workers", type=int, default=0, help="a process pool of N workers (default: the "
                    "sweep command on every core)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--predict-samples", type=int, default=10)
    ap.add_argument("--waves", type=int)
    ap.add_argument("--runs-per-wave", type=int)
    ap.add_argument("--replicates", type=int)
    ap.add_argument("--only", nargs="*", help="hold out only these cases (none given: only the in-sample fold)")
    ap.add_argument("--no-in-sample", action="store_true", help="skip the fold calibrated on every case")
    ap.add_argument("--markdown", action="store_true", help="also print the tables of docs/validation.md")
    args = ap.parse_args()

    from powershift import InputError
    from powershift.calibration import CalibrationError, leave_one_out
    from powershift.observations import ObservationError

    overrides = {k: v for k, v in (("waves", args.waves), ("runs_per_wave", args.runs_per_wave),
                                   ("replicates", args.replicates)) if v is not None}
    executor = None
    try:
        if args.workers:
            from concurrent.futures import ProcessPoolExecutor

            executor = ProcessPoolExecutor(args.workers)
        result = leave_one_out(args.spec, executor, dir=args.dir, threads=args.threads,
                               predict_samples=args.predict_samples, in_sample=not args.no_in_sample,
                               only=args.only, progress=lambda m: print(m, flush=True), **overrides)
    except (CalibrationError, ObservationError, InputError) as e:
        print(str(e), file=sys.stderr)
        return 2
    except RuntimeError as e:
        print(f"loco: error: {e}", file=sys.stderr)
        return 1
    finally:
        if executor is not None:
            executor.shutdown()
    print(result.to_text())
    if args.markdown:
        print()
        print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
