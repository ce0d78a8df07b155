"""``python -m powershift``: the Python package's command line (the engine's own CLI is the
``powershift`` executable).

    python -m powershift report FILE -o DIR     figures (PNG) and summary.md for an output file
    python -m powershift version
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m powershift",
                                     description="powershift analysis: reports of output files")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="write figures (PNG) and a Markdown summary of an output")
    rep.add_argument("file", help="HDF5 file written by `powershift run`")
    rep.add_argument("-o", "--output", default="report", help="directory to write into (default: report)")
    rep.add_argument("--dpi", type=int, default=120, help="resolution of the PNGs (default 120)")
    sub.add_parser("version", help="print the version")
    args = parser.parse_args(argv)

    if args.command == "version":
        import powershift

        print(f"powershift {powershift.__version__} ({powershift._core.build})")
        return 0
    from pathlib import Path

    if not Path(args.file).is_file():
        print(f"python -m powershift report: error: no such file: {args.file}", file=sys.stderr)
        return 2
    from .report import report

    try:
        written = report(args.file, args.output, dpi=args.dpi)
    except (OSError, ValueError, KeyError) as e:
        print(f"python -m powershift report: error: {args.file}: {e}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
