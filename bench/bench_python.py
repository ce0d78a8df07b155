#!/usr/bin/env python3
"""What the Python bindings cost over the engine (DESIGN.md §6: at most 5% over the CLI).

Runs the same ensemble of the Syria scenario through `powershift.run_ensemble` and through the
CLI with `--no-output` (same scenario, replicates, seed, threads, steps and recording interval)
and prints the times and their ratio. Both are timed from the outside, loading the scenario
included; the Python side also assembles the xarray Dataset of the results, the CLI prints
nothing (-q). Minimum and median of --repeat runs, alternating the two.

    bench/bench_python.py --build build/release               # both configurations
    bench/bench_python.py --replicates 500 --threads 2 --fields control --interval 7

--build is the CMake build tree holding sim/powershift and python/powershift/_core*.so (run
cmake --preset release && cmake --build --preset release first); without it the installed
powershift package and the `powershift` on PATH are used.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", type=Path, help="CMake build tree (default: installed package and PATH)")
    p.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "syria-2024-12.yaml")
    p.add_argument("--replicates", type=int, help="replicates (default: per configuration)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, help="steps (default: the scenario's)")
    p.add_argument("--fields", help="comma-separated fields (default: per configuration)")
    p.add_argument("--interval", type=int, help="recording interval (default: per configuration)")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()

    if args.build:
        sys.path[:0] = [str(ROOT / "analysis"), str(args.build / "python")]
        cli = str(args.build / "sim" / "powershift")
    else:
        import shutil

        cli = shutil.which("powershift") or "powershift"
    import powershift as ps

    # Configurations: every field daily (what `powershift run` records by default), and control
    # weekly (DESIGN.md §6's large ensembles).
    configs = [("all fields, daily", 200, "control,support,power,forces", 1),
               ("control, every 7 days", 2000, "control", 7)]
    if args.replicates or args.fields or args.interval:
        configs = [("custom", args.replicates or 200, args.fields or "control,support,power,forces",
                    args.interval or 1)]

    print(f"machine: {platform.machine()}, {os.cpu_count()} logical cores, {platform.platform()}")
    print(f"python {platform.python_version()}, powershift {ps.__version__} ({ps._core.build}), "
          f"module {ps._core.__file__}")
    print(f"cli {cli}; scenario {args.scenario}; threads {args.threads}; seed {args.seed}; "
          f"repeat {args.repeat}\n")
    print(f"{'configuration':24} {'replicates':>10} {'cli min':>9} {'py min':>9} {'cli med':>9} "
          f"{'py med':>9} {'ratio(min)':>10} {'ratio(med)':>10}")
    worst = 0.0
    for name, replicates, fields, interval in configs:
        cmd = [cli, "run", str(args.scenario), "--replicates", str(replicates), "--seed", str(args.seed),
               "--threads", str(args.threads), "--interval", str(interval), "--fields", fields,
               "--no-output", "-q"]
        if args.steps:
            cmd += ["--steps", str(args.steps)]

        def run_cli() -> float:
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True)
            return time.perf_counter() - t0

        def run_python() -> float:
            t0 = time.perf_counter()
            ds = ps.run_ensemble(ps.Scenario.from_yaml(args.scenario), replicates=replicates,
                                 seed=args.seed, threads=args.threads, steps=args.steps,
                                 fields=fields.split(","), interval=interval)
            elapsed = time.perf_counter() - t0
            assert ds.sizes["replicate"] == replicates
            del ds
            return elapsed

        run_cli(), run_python()  # warm-up: page cache, allocator, TBB's threads
        cli_t, py_t = [], []
        for _ in range(args.repeat):
            cli_t.append(run_cli())
            py_t.append(run_python())
        r_min = min(py_t) / min(cli_t)
        r_med = statistics.median(py_t) / statistics.median(cli_t)
        worst = max(worst, r_min)
        print(f"{name:24} {replicates:>10} {min(cli_t):>8.3f}s {min(py_t):>8.3f}s "
              f"{statistics.median(cli_t):>8.3f}s {statistics.median(py_t):>8.3f}s "
              f"{r_min:>10.3f} {r_med:>10.3f}")
    print(f"\nbinding overhead (worst ratio of minima): {100 * (worst - 1):+.1f}% "
          f"({'within' if worst <= 1.05 else 'OVER'} the 5% budget)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
