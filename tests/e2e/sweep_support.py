"""Helpers shared by the sweep tests (tests/e2e and tests/cluster): comparing member and merged
files dataset by dataset, bit for bit."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import h5py
import numpy as np

SOURCE = Path(os.environ.get("POWERSHIFT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SWEEPS = SOURCE / "scenarios" / "sweeps"
TWO_TOWNS = SWEEPS / "two-towns-grid.yaml"
GRID_STUDY = SWEEPS / "drawdown-pace-scope-grid.yaml"

# Provenance that names the process or the moment, not the content.
VOLATILE_ATTRS = {"command_line", "created"}


def datasets(f: h5py.File) -> dict[str, h5py.Dataset]:
    out: dict[str, h5py.Dataset] = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def differences(a: Path, b: Path, *, attrs: bool = True) -> list[str]:
    """What differs between two files: datasets compared as raw bytes (and dtype), root
    attributes except the volatile ones. Empty when the content is bit-identical."""
    diffs: list[str] = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        da, db = datasets(fa), datasets(fb)
        if da.keys() != db.keys():
            diffs.append(f"datasets differ: {sorted(da.keys() ^ db.keys())}")
        for name in sorted(da.keys() & db.keys()):
            x, y = da[name], db[name]
            if x.dtype != y.dtype or x.shape != y.shape:
                diffs.append(f"{name}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}")
            elif x.dtype.kind in "OSU":
                if list(x[()].ravel()) != list(y[()].ravel()):
                    diffs.append(f"{name}: strings differ")
            elif x[()].tobytes() != y[()].tobytes():
                diffs.append(f"{name}: values differ")
        if attrs:
            keys = (set(fa.attrs) | set(fb.attrs)) - VOLATILE_ATTRS
            for k in sorted(keys):
                if k not in fa.attrs or k not in fb.attrs:
                    diffs.append(f"attribute {k} only in one file")
                elif not np.array_equal(np.asarray(fa.attrs[k]), np.asarray(fb.attrs[k])):
                    diffs.append(f"attribute {k} differs")
    return diffs


def run(bin_: str, *args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([bin_, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs)


def member_files(dir_: Path) -> list[Path]:
    return sorted((dir_ / "members").glob("member-*.h5"))
