"""``python -m powershift``: the Python package's command line (the engine's own CLI is the
``powershift`` executable).

    python -m powershift report FILE OUT.html   one self-contained HTML report of an output file
    python -m powershift report FILE -o DIR     figures (PNG), summary.md and report.html in DIR
    python -m powershift score RUN.h5 OBS       proper scores against observations, with baselines
    python -m powershift calibrate SPEC         history matching of parameters to observations
    python -m powershift version
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m powershift",
                                     description="powershift analysis: reports of output files")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="a self-contained HTML report of an output (or figures, "
                         "Markdown and HTML in a directory with -o)")
    rep.add_argument("file", help="HDF5 file written by `powershift run` (or a merged sweep, with --member)")
    rep.add_argument("out", nargs="?", help="the HTML file to write (one file, nothing loaded from "
                     "the network)")
    rep.add_argument("-o", "--output", help="instead: a directory to write the figures (PNG), "
                     "summary.md and report.html into (default without OUT: report)")
    rep.add_argument("--member", type=int, help="of a merged sweep: the member to report")
    rep.add_argument("--dpi", type=int, default=120, help="resolution of the figures (default 120)")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar (it shows only "
                     "on a terminal anyway)")
    sub.add_parser("version", help="print the version")
    sc = sub.add_parser("score", help="score a run against observations (docs/observations.md)")
    sc.add_argument("run", help="HDF5 file written by `powershift run`")
    sc.add_argument("observations", help="observations: a CSV table or a YAML file naming tables")
    sc.add_argument("--without", metavar="RUN.h5",
                    help="a run without the event under study (default: the run's --counterfactual arm)")
    sc.add_argument("--by", default="", help="also summarise by these, comma-separated: region,actor,date")
    sc.add_argument("--csv", metavar="FILE", help="write the per-observation table as CSV")
    sc.add_argument("--check", action="store_true", help="only load and check the observations")
    cal = sub.add_parser("calibrate", help="history matching with emulators (docs/calibration.md)")
    cal.add_argument("spec", help="calibration spec (YAML)")
    cal.add_argument("--dir", help="working directory (default ./<calibration name>)")
    cal.add_argument("--workers", type=int, default=0,
                     help="process pool size for the waves' sweeps (default: run members here on every core)")
    cal.add_argument("--threads", type=int, default=None, help="threads per member")
    cal.add_argument("--no-plots", action="store_true", help="skip the figures")
    args = parser.parse_args(argv)
    if args.command == "score":
        return _score(args)
    if args.command == "calibrate":
        return _calibrate(args)

    if args.command == "version":
        import powershift

        print(f"powershift {powershift.__version__} ({powershift._core.build})")
        return 0
    return _report(args)


def _report(args: argparse.Namespace) -> int:
    from .report import ReportError, html_report, open_output, report

    if args.out and args.output:
        _error("report", "give either OUT (an HTML file) or -o DIR, not both")
        return 2
    progress = False if args.no_progress else None
    try:
        ds = open_output(args.file, args.member)
    except ReportError as e:
        _error("report", str(e))
        return 2
    try:
        if args.out:
            written = [html_report(ds, args.out, dpi=args.dpi, progress=progress)]
        else:
            written = report(ds, args.output or "report", dpi=args.dpi, progress=progress)
    except ReportError as e:
        _error("report", str(e))
        return 2
    except OSError as e:
        _error("report", f"cannot write {e.filename or args.out or args.output}: {e.strerror or e}")
        return 1
    except Exception as e:  # one line, never a traceback: the input passed open_output's checks
        why = " ".join(str(e).split())
        _error("report", f"{args.file}: cannot report this file: {type(e).__name__}: {why}")
        return 1
    for path in written:
        print(path)
    return 0


def _error(command: str, message: str) -> None:
    print(f"python -m powershift {command}: error: {message}", file=sys.stderr)


def _score(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .observations import ObservationError, load as load_observations

    try:
        obs = load_observations(args.observations)
    except ObservationError as e:
        print(str(e), file=sys.stderr)
        return 2
    if args.check:
        print(f"{args.observations}: {len(obs)} observations")
        return 0
    for path in [args.run] + ([args.without] if args.without else []):
        if not Path(path).is_file():
            _error("score", f"no such file: {path}")
            return 2
    by = tuple(b for b in args.by.split(",") if b)
    bad = [b for b in by if b not in ("region", "actor", "date", "kind")]
    if bad:
        _error("score", f"--by: unknown {', '.join(bad)} (region, actor, date)")
        return 2
    from .scoring import score

    try:
        result = score(args.run, obs, without=args.without)
    except ObservationError as e:
        print(str(e), file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError) as e:
        _error("score", f"{args.run}: {e}")
        return 2
    print(result.to_text(by))
    if args.csv:
        try:
            result.table.to_csv(args.csv, index=False)
        except OSError as e:
            _error("score", f"cannot write {args.csv}: {e.strerror or e}")
            return 1
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from .calibration import CalibrationError, calibrate
    from .observations import ObservationError

    executor = None
    try:
        if args.workers:
            from concurrent.futures import ProcessPoolExecutor

            executor = ProcessPoolExecutor(args.workers)
        result = calibrate(args.spec, executor=executor, dir=args.dir, threads=args.threads,
                           plots=not args.no_plots, progress=lambda msg: print(msg, flush=True))
    except (ObservationError, CalibrationError) as e:
        print(str(e), file=sys.stderr)
        return 2
    except ps_input_errors() as e:
        print(str(e), file=sys.stderr)
        return 2
    except RuntimeError as e:
        _error("calibrate", str(e))
        return 1
    finally:
        if executor is not None:
            executor.shutdown()
    print(result.to_text())
    return 0


def ps_input_errors() -> tuple[type[BaseException], ...]:
    from ._core import InputError

    return (InputError,)


if __name__ == "__main__":
    sys.exit(main())
