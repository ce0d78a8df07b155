"""Parameter sweeps from Python (docs/sweeps.md).

A sweep spec (YAML) names a base scenario, parameters as scenario paths and a design; its
members are numbered. Members run through the ``powershift`` command (``powershift sweep run
SPEC --members LIST``), so a member's file is the same whether Slurm, ``mpirun``, a process
pool, a Dask cluster or this module ran it, and the same as ``powershift run`` with the member's
overrides and seed.

>>> import powershift as ps
>>> from concurrent.futures import ProcessPoolExecutor
>>> with ProcessPoolExecutor(2) as pool:
...     ds = ps.sweep.run("scenarios/sweeps/two-towns-grid.yaml", executor=pool, dir="tt")
>>> ds.control_share_pop.where(ds.scope == 1.0, drop=True)

Any :class:`concurrent.futures.Executor` works: ``dask.distributed.Client(...).get_executor()``,
``mpi4py.futures.MPIPoolExecutor()``. Tasks are small picklable calls of :func:`run_members`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import Executor
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

import pandas as pd
import xarray as xr

from ._core import InputError

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "SweepError",
    "SweepStatus",
    "executable",
    "expand",
    "member_ranges",
    "merge",
    "open_merged",
    "run",
    "run_members",
    "status",
]


class SweepError(RuntimeError):
    """A sweep could not complete: members failed, or the command failed at run time."""


def executable() -> str:
    """The ``powershift`` command: ``$POWERSHIFT_BIN``, else the one next to this Python
    (``pip install .`` puts it in the environment's bin), else the first on ``PATH``."""
    env = os.environ.get("POWERSHIFT_BIN")
    if env:
        return env
    beside = Path(sys.executable).parent / "powershift"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("powershift")
    if found:
        return found
    raise FileNotFoundError(
        "the powershift command was not found: install the package (`pip install .`), put the "
        "command on PATH, or set POWERSHIFT_BIN to its path")


def _command(args: Sequence[str], *, allow: Sequence[int] = (0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run([executable(), *args], capture_output=True, text=True, check=False)
    if proc.returncode == 2:
        raise InputError(proc.stderr.strip() or f"powershift {' '.join(args)}: bad input")
    if proc.returncode not in allow:
        raise SweepError(f"`powershift {' '.join(args)}` exited with {proc.returncode}:\n{proc.stderr.strip()}")
    return proc


def _dir_args(dir: Optional[PathLike]) -> list[str]:
    return ["--dir", os.fspath(dir)] if dir is not None else []


def expand(spec: PathLike) -> pd.DataFrame:
    """The design table: one row per member (index ``member``), its seed and parameter values
    as the scenario receives them (YAML text; numbers parsed where they are numbers). Checks
    the spec and every parameter path against the base scenario first (``InputError``)."""
    proc = _command(["sweep", "expand", os.fspath(spec)])
    return pd.read_csv(StringIO(proc.stdout), index_col="member", keep_default_na=False)


@dataclass
class SweepStatus:
    """Which members of a sweep are done, failed or missing (``powershift sweep status``)."""

    sweep: str
    dir: str
    members: int
    members_per_task: int
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.failed and not self.missing

    @property
    def todo(self) -> list[int]:
        """Failed and missing members, in order."""
        return sorted(self.failed + self.missing)


def status(spec: PathLike, dir: Optional[PathLike] = None) -> SweepStatus:
    """The state of the sweep directory (default ``./<sweep name>``)."""
    proc = _command(["sweep", "status", os.fspath(spec), "--json", *_dir_args(dir)], allow=(0, 1))
    data = json.loads(proc.stdout)
    data["failures"] = {int(k): v for k, v in data["failures"].items()}
    return SweepStatus(**data)


def member_ranges(members: Sequence[int]) -> str:
    """Sorted member indices as ranges: ``[0, 1, 2, 5]`` -> ``"0-2,5"`` (the form of
    ``--members`` and of Slurm's ``--array``)."""
    out: list[str] = []
    i = 0
    while i < len(members):
        j = i
        while j + 1 < len(members) and members[j + 1] == members[j] + 1:
            j += 1
        out.append(str(members[i]) if i == j else f"{members[i]}-{members[j]}")
        i = j + 1
    return ",".join(out)


def run_members(spec: str, members: str, dir: str, threads: int = 1) -> tuple[str, int, str]:
    """Run the listed members (``"0-3,7"``) into ``dir``: the task an executor runs. Returns
    ``(members, exit status, messages)``; finished members are skipped."""
    proc = subprocess.run(
        [executable(), "sweep", "run", spec, "--dir", dir, "--members", members, "--threads", str(threads), "--quiet"],
        capture_output=True, text=True, check=False)
    return members, proc.returncode, proc.stderr


def _chunks(todo: Sequence[int], size: int) -> list[list[int]]:
    chunks: list[list[int]] = []
    for m in todo:
        if chunks and len(chunks[-1]) < size and chunks[-1][-1] == m - 1:
            chunks[-1].append(m)
        else:
            chunks.append([m])
    return chunks


def merge(spec: PathLike, dir: Optional[PathLike] = None, output: Optional[PathLike] = None, *,
          allow_missing: bool = False) -> Path:
    """Merge the members into one file (``powershift sweep merge``); returns its path. Raises
    ``InputError`` naming the members that are not done, unless ``allow_missing``."""
    args = ["sweep", "merge", os.fspath(spec), *_dir_args(dir), "--force"]
    if output is not None:
        args += ["--output", os.fspath(output)]
    if allow_missing:
        args.append("--allow-missing")
    proc = _command(args)
    return Path(proc.stdout.strip().rsplit(" into ", 1)[-1])


def open_merged(path: PathLike) -> xr.Dataset:
    """A merged sweep file as an in-memory Dataset (the file is closed again)."""
    with xr.open_dataset(os.fspath(path), engine="h5netcdf") as ds:
        return ds.load()


def run(spec: PathLike, executor: Optional[Executor] = None, *, dir: Optional[PathLike] = None,
        threads: Optional[int] = None, members_per_task: Optional[int] = None,
        progress: Optional[Callable[[int, int], None]] = None, output: Optional[PathLike] = None) -> xr.Dataset:
    """Run every member that is not done and return the merged Dataset.

    ``executor``: any :class:`concurrent.futures.Executor`; tasks of ``members_per_task``
    consecutive members (default: the spec's) are submitted to it, each running with
    ``threads`` threads (default 1). Without an executor the members run here on every core
    (``threads`` to limit). ``progress(done, total)`` is called as tasks finish. Members that
    fail raise :class:`SweepError` listing them (what did finish stays done: run again to
    retry only the rest).
    """
    spec = os.path.abspath(os.fspath(spec))
    st = status(spec, dir)  # also validates the spec (InputError)
    sweep_dir = os.path.abspath(os.fspath(dir) if dir is not None else st.dir)
    todo = st.todo
    failures: list[str] = []
    if todo and executor is None:
        args = ["sweep", "run", spec, "--dir", sweep_dir, "--members", member_ranges(todo), "--quiet"]
        if threads:
            args += ["--threads", str(threads)]
        proc = subprocess.run([executable(), *args], capture_output=True, text=True, check=False)
        if proc.returncode == 2:
            raise InputError(proc.stderr.strip())
        if proc.returncode != 0:
            failures.append(proc.stderr.strip())
        if progress:
            progress(1, 1)
    elif todo:
        expand(spec)  # the parameters against the scenario, before any task is queued
        chunks = _chunks(todo, members_per_task or st.members_per_task)
        futures = [executor.submit(run_members, spec, member_ranges(c), sweep_dir, threads or 1) for c in chunks]
        for done, future in enumerate(futures, 1):
            members, code, messages = future.result()
            if code != 0:
                failures.append(f"members {members} (exit {code}): {messages.strip()}")
            if progress:
                progress(done, len(futures))
    if failures:
        after = status(spec, sweep_dir)
        raise SweepError(f"sweep {st.sweep}: members {member_ranges(after.todo)} did not finish:\n" + "\n".join(failures))
    return open_merged(merge(spec, sweep_dir, output))
