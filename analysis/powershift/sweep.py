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

A spec can also be a dict, built by hand or by :func:`grid`, :func:`lhs`, :func:`sobol` or
:func:`morris`; it is written as the YAML file the command reads (:func:`write`):

>>> spec = ps.sweep.grid("scenarios/examples/two-towns.yaml",
...                      {"events[0].pace_days": [15, 30, 60]}, replicates=2)
>>> ds = ps.sweep.run(spec, dir="pace")        # writes pace/spec.yaml, runs, merges

Any :class:`concurrent.futures.Executor` works: ``dask.distributed.Client(...).get_executor()``,
``mpi4py.futures.MPIPoolExecutor()``. Tasks are small picklable calls of :func:`run_members`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

import pandas as pd
import xarray as xr
import yaml

from ._core import InputError
from ._progress import Progress, ProgressArg
from ._scenario import Scenario, _plain

PathLike = Union[str, "os.PathLike[str]"]
#: A sweep spec: the path of a YAML file, or the same content as a dict.
SpecLike = Union[str, "os.PathLike[str]", Mapping[str, Any]]

__all__ = [
    "SweepError",
    "SweepStatus",
    "SpecLike",
    "executable",
    "expand",
    "grid",
    "lhs",
    "member_ranges",
    "merge",
    "morris",
    "open_merged",
    "run",
    "run_members",
    "sobol",
    "status",
    "write",
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


def _command(args: Sequence[str], *, allow: Sequence[int] = (0,)) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([executable(), *args], capture_output=True, text=True, check=False)
    if proc.returncode == 2:
        raise InputError(proc.stderr.strip() or f"powershift {' '.join(args)}: bad input")
    if proc.returncode not in allow:
        raise SweepError(f"`powershift {' '.join(args)}` exited with {proc.returncode}:\n{proc.stderr.strip()}")
    return proc


def _dir_args(dir: Optional[PathLike]) -> list[str]:
    return ["--dir", os.fspath(dir)] if dir is not None else []


# -- specs as dicts ----------------------------------------------------------------------------

_RESERVED = {"member", "replicate", "time", "region", "actor", "seed", "parameter"}


def write(spec: Mapping[str, Any], path: PathLike) -> Path:
    """Write a spec dict as the YAML file ``powershift sweep`` reads; returns its path.

    A relative ``scenario`` is taken relative to the current directory and written as an
    absolute path (the command reads it relative to the spec file). The dict is not checked
    here: :func:`expand`, :func:`status` and :func:`run` check it as the command does.
    """
    if not isinstance(spec, Mapping):
        raise TypeError(f"a sweep spec dict, got {type(spec).__name__}")
    data = _plain(spec)
    if "scenario" in data and isinstance(data["scenario"], str):
        data["scenario"] = os.path.abspath(data["scenario"])
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = ("# sweep spec written by powershift.sweep.write (docs/sweeps.md)\n"
            + yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True))
    out.write_text(text, encoding="utf-8")
    return out


@contextmanager
def _spec_file(spec: SpecLike) -> Iterator[str]:
    """A path for ``spec``: the file itself, or a dict written to a temporary file."""
    if isinstance(spec, Mapping):
        with tempfile.TemporaryDirectory(prefix="powershift-sweep-") as tmp:
            name = spec.get("sweep", "sweep")
            yield str(write(spec, Path(tmp) / f"{name if isinstance(name, str) else 'sweep'}.yaml"))
    else:
        yield os.fspath(spec)


def _param_name(path: str, taken: set[str]) -> str:
    """A parameter name from a scenario path: its last key (``events[0].pace_days`` ->
    ``pace_days``), or the whole path in name characters where that is taken or reserved."""
    last = re.sub(r"\[[^\]]*\]", "", path.split(".")[-1])
    whole = re.sub(r"[^A-Za-z0-9_-]+", "_", path).strip("_")
    for candidate in (last, whole):
        candidate = re.sub(r"[^A-Za-z0-9_-]+", "_", candidate).strip("_")
        if candidate and not candidate[0].isalpha():
            candidate = "p_" + candidate
        if candidate and candidate not in taken and candidate not in _RESERVED:
            return candidate
    n = 2
    while f"{whole}_{n}" in taken:
        n += 1
    return f"{whole}_{n}"


def _parameters(parameters: Mapping[str, Any], *, continuous: bool) -> list[dict[str, Any]]:
    if not isinstance(parameters, Mapping) or not parameters:
        raise ValueError("parameters: a non-empty dict of scenario path -> values")
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    for key, value in parameters.items():
        if not isinstance(key, str):
            raise TypeError(f"parameters: keys are scenario paths (strings), got {key!r}")
        if isinstance(value, Mapping):
            # A full parameter entry: the key is its path, or its name where it gives a path.
            entry = {str(k): v for k, v in value.items()}
            if "path" in entry or ("values" in entry and all(isinstance(v, Mapping) for v in entry["values"])):
                entry.setdefault("name", key)
            else:
                entry = {"name": entry.pop("name", None) or _param_name(key, taken), "path": key, **entry}
        elif isinstance(value, tuple):
            if not continuous:
                raise TypeError(
                    f"parameters[{key!r}]: a grid needs a list of values, got the tuple {value!r} "
                    "(a tuple (low, high) is a continuous range, for lhs, sobol and morris; for a "
                    "stepped range give {'range': {'first': ..., 'step': ..., 'last': ...}})")
            if len(value) != 2:
                raise ValueError(f"parameters[{key!r}]: a range is (low, high), got {value!r}")
            entry = {"name": _param_name(key, taken), "path": key,
                     "range": {"first": value[0], "last": value[1]}}
        elif isinstance(value, (list, range)) or (hasattr(value, "tolist") and hasattr(value, "ndim")):
            entry = {"name": _param_name(key, taken), "path": key, "values": list(_plain(list(value)))}
        else:
            raise TypeError(
                f"parameters[{key!r}]: a list of values, a (low, high) tuple or a parameter dict "
                f"(docs/sweeps.md#parameters), got {type(value).__name__}")
        taken.add(str(entry["name"]))
        out.append(entry)
    return out


def _spec(scenario: Union[Scenario, PathLike], parameters: Mapping[str, Any], design: dict[str, Any], *,
          continuous: bool, name: Optional[str], options: dict[str, Any]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if isinstance(scenario, Scenario):
        if scenario.path is None:
            raise ValueError(
                "a sweep's scenario must be a file (the command reads it): this Scenario was made "
                "from a dict or text; write its YAML to a file (scenario.text) and pass the path")
        overrides = {p: yaml.safe_load(v) if v else None for p, v in scenario.overrides}
        path = scenario.path
    elif isinstance(scenario, (str, os.PathLike)):
        path = os.fspath(scenario)
    else:
        raise TypeError(f"scenario: a path or a Scenario loaded from a file, got {type(scenario).__name__}")
    if name is None:
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(path).stem).strip("-") or "sweep"
        name = f"{stem if stem[0].isalpha() else 's-' + stem}-{design['type'].replace('_', '-')}"
    spec: dict[str, Any] = {"sweep": name, "scenario": os.path.abspath(path)}
    description = options.pop("description", None)
    if description is not None:
        spec["description"] = description
    user_set = options.pop("set", None)
    if overrides or user_set:
        spec["set"] = {**overrides, **dict(user_set or {})}
    spec["parameters"] = _parameters(parameters, continuous=continuous)
    spec["design"] = design
    for key, value in options.items():
        if value is not None:
            spec[key] = value
    return spec


def grid(scenario: Union[Scenario, PathLike], parameters: Mapping[str, Any], *, name: Optional[str] = None,
         replicates: Optional[int] = None, seed: Optional[int] = None, seed_policy: Optional[str] = None,
         steps: Optional[int] = None, set: Optional[Mapping[str, Any]] = None,
         record: Optional[Mapping[str, Any]] = None, outputs: Optional[Sequence[str]] = None,
         members_per_task: Optional[int] = None, description: Optional[str] = None) -> dict[str, Any]:
    """A full-grid sweep spec (a dict for :func:`run`, :func:`expand`, :func:`write`).

    ``parameters`` maps scenario paths (as ``--set``) to lists of values:
    ``{"events[0].pace_days": [15, 30, 60], "events[0].scope": [0.5, 1.0]}`` is 6 members, the
    last parameter varying fastest. Each parameter is named by its path's last key
    (``pace_days``; the whole path where that is taken). A value may instead be a parameter
    dict as in a spec file (``{"name": "pace", "range": {"first": 10, "step": 20, "last": 50}}``).
    ``scenario`` is a path or a :class:`~powershift.Scenario` loaded from a file (its overrides
    go into the spec's ``set:``). ``name`` defaults to ``<scenario stem>-grid``; the other
    options are the spec's keys (docs/sweeps.md), left to the command's defaults when None.
    """
    return _spec(scenario, parameters, {"type": "grid"}, continuous=False, name=name, options=dict(
        replicates=replicates, seed=seed, seed_policy=seed_policy, steps=steps, set=set, record=_plain(record),
        outputs=list(outputs) if outputs is not None else None, members_per_task=members_per_task,
        description=description))


def _continuous(kind: str, scenario: Union[Scenario, PathLike], parameters: Mapping[str, Any],
                design: dict[str, Any], name: Optional[str], options: dict[str, Any]) -> dict[str, Any]:
    design = {"type": kind, **{k: v for k, v in design.items() if v is not None}}
    if options.get("outputs") is not None:
        options["outputs"] = list(options["outputs"])
    options["record"] = _plain(options.get("record"))
    return _spec(scenario, parameters, design, continuous=True, name=name, options=options)


def lhs(scenario: Union[Scenario, PathLike], parameters: Mapping[str, Any], samples: int, *,
        design_seed: Optional[int] = None, name: Optional[str] = None, replicates: Optional[int] = None,
        seed: Optional[int] = None, seed_policy: Optional[str] = None, steps: Optional[int] = None,
        set: Optional[Mapping[str, Any]] = None, record: Optional[Mapping[str, Any]] = None,
        outputs: Optional[Sequence[str]] = None, members_per_task: Optional[int] = None,
        description: Optional[str] = None) -> dict[str, Any]:
    """A Latin-hypercube sweep spec of ``samples`` members. ``parameters`` maps scenario paths
    to ``(low, high)`` (uniform), a list (a discrete factor) or a parameter dict (e.g.
    ``{"distribution": {"normal": [0, 1]}}``); see :func:`grid` for the other options.
    ``design_seed`` seeds the design (``design.seed``), ``seed`` the runs."""
    return _continuous("latin_hypercube", scenario, parameters, {"samples": samples, "seed": design_seed}, name,
                       dict(replicates=replicates, seed=seed, seed_policy=seed_policy, steps=steps, set=set,
                            record=record, outputs=outputs, members_per_task=members_per_task,
                            description=description))


def sobol(scenario: Union[Scenario, PathLike], parameters: Mapping[str, Any], samples: int, *,
          second_order: bool = False, design_seed: Optional[int] = None, name: Optional[str] = None,
          replicates: Optional[int] = None, seed: Optional[int] = None, seed_policy: Optional[str] = "common",
          steps: Optional[int] = None, set: Optional[Mapping[str, Any]] = None,
          record: Optional[Mapping[str, Any]] = None, outputs: Optional[Sequence[str]] = None,
          members_per_task: Optional[int] = None, description: Optional[str] = None) -> dict[str, Any]:
    """A Sobol (Saltelli) sweep spec: ``samples`` base samples (a power of two), N·(D+2)
    members (N·(2D+2) with ``second_order``), for :func:`powershift.sensitivity.sobol`.
    Parameters as :func:`lhs`; ``seed_policy`` defaults to ``common`` (common random numbers)."""
    return _continuous("sobol", scenario, parameters,
                       {"samples": samples, "second_order": bool(second_order) or None, "seed": design_seed}, name,
                       dict(replicates=replicates, seed=seed, seed_policy=seed_policy, steps=steps, set=set,
                            record=record, outputs=outputs, members_per_task=members_per_task,
                            description=description))


def morris(scenario: Union[Scenario, PathLike], parameters: Mapping[str, Any], trajectories: int, *,
           levels: Optional[int] = None, design_seed: Optional[int] = None, name: Optional[str] = None,
           replicates: Optional[int] = None, seed: Optional[int] = None, seed_policy: Optional[str] = "common",
           steps: Optional[int] = None, set: Optional[Mapping[str, Any]] = None,
           record: Optional[Mapping[str, Any]] = None, outputs: Optional[Sequence[str]] = None,
           members_per_task: Optional[int] = None, description: Optional[str] = None) -> dict[str, Any]:
    """A Morris sweep spec: ``trajectories`` trajectories of D+1 members on a ``levels``-level
    grid (default 4), for :func:`powershift.sensitivity.morris`. Parameters as :func:`lhs`."""
    return _continuous("morris", scenario, parameters,
                       {"samples": trajectories, "levels": levels, "seed": design_seed}, name,
                       dict(replicates=replicates, seed=seed, seed_policy=seed_policy, steps=steps, set=set,
                            record=record, outputs=outputs, members_per_task=members_per_task,
                            description=description))


def expand(spec: SpecLike) -> pd.DataFrame:
    """The design table: one row per member (index ``member``), its seed and parameter values
    as the scenario receives them (YAML text; numbers parsed where they are numbers). Checks
    the spec and every parameter path against the base scenario first (``InputError``).
    ``spec``: a spec file or a dict (:func:`grid` ...)."""
    with _spec_file(spec) as path:
        proc = _command(["sweep", "expand", path])
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


def status(spec: SpecLike, dir: Optional[PathLike] = None) -> SweepStatus:
    """The state of the sweep directory (default ``./<sweep name>``); ``spec`` a file or a dict."""
    with _spec_file(spec) as path:
        proc = _command(["sweep", "status", path, "--json", *_dir_args(dir)], allow=(0, 1))
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


def merge(spec: SpecLike, dir: Optional[PathLike] = None, output: Optional[PathLike] = None, *,
          allow_missing: bool = False) -> Path:
    """Merge the members into one file (``powershift sweep merge``); returns its path. Raises
    ``InputError`` naming the members that are not done, unless ``allow_missing``."""
    with _spec_file(spec) as path:
        args = ["sweep", "merge", path, *_dir_args(dir), "--force"]
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


def _markers(sweep_dir: str, members: Sequence[int]) -> dict[int, Optional[int]]:
    """Each member's latest ``.done``/``.failed`` marker time (ns), or None."""
    out: dict[int, Optional[int]] = {}
    base = Path(sweep_dir) / "members"
    for m in members:
        newest: Optional[int] = None
        for suffix in (".done", ".failed"):
            try:
                t = (base / f"member-{m:06d}{suffix}").stat().st_mtime_ns
            except OSError:
                continue
            newest = t if newest is None else max(newest, t)
        out[m] = newest
    return out


def _run_here(spec: str, sweep_dir: str, todo: Sequence[int], threads: Optional[int], bar: Progress) -> list[str]:
    """All of ``todo`` in one ``powershift sweep run`` (members side by side on every core); the
    bar follows the members' markers as they are written, in completion order."""
    args = ["sweep", "run", spec, "--dir", sweep_dir, "--members", member_ranges(todo), "--quiet"]
    if threads:
        args += ["--threads", str(threads)]
    before = _markers(sweep_dir, todo)
    finished: set[int] = set()

    def poll() -> None:
        for m, t in _markers(sweep_dir, [m for m in todo if m not in finished]).items():
            if t is not None and t != before[m]:
                finished.add(m)
                bar.update(1)

    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([executable(), *args], stdout=subprocess.DEVNULL, stderr=err, text=True)
        try:
            while True:
                try:
                    proc.wait(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    poll()
        except BaseException:
            proc.terminate()  # Ctrl-C: members checkpoint and stop (exit 75)
            proc.wait()
            raise
        poll()
        err.seek(0)
        messages = err.read().strip()
    if proc.returncode == 2:
        raise InputError(messages)
    return [messages] if proc.returncode != 0 else []


def run(spec: SpecLike, executor: Optional[Executor] = None, *, dir: Optional[PathLike] = None,
        threads: Optional[int] = None, members_per_task: Optional[int] = None,
        progress: ProgressArg = None, output: Optional[PathLike] = None) -> xr.Dataset:
    """Run every member that is not done and return the merged Dataset.

    ``spec``: a spec file, or a dict (:func:`grid`, :func:`lhs`, :func:`sobol`, :func:`morris`,
    or by hand), which is written to ``<dir>/spec.yaml`` first (the file ``powershift sweep
    run`` reads: the command line can rerun, resume or merge the same sweep).

    ``executor``: any :class:`concurrent.futures.Executor`; tasks of ``members_per_task``
    consecutive members (default: the spec's) are submitted to it, each running with
    ``threads`` threads (default 1). Without an executor the members run here on every core
    (``threads`` to limit). ``progress``: a bar counting members as they finish, in the order
    they finish (``None``: on a terminal or in a notebook only; ``True``; ``False``; or a
    callable ``progress(done, total)``). Members that fail raise :class:`SweepError` listing
    them (what did finish stays done: run again to retry only the rest).
    """
    if isinstance(spec, Mapping):
        name = spec.get("sweep")
        if dir is None and not isinstance(name, str):
            raise InputError("sweep spec: 'sweep' (the sweep's name) is required")
        target = Path(os.fspath(dir) if dir is not None else str(name))
        spec = write(spec, target / "spec.yaml")
        dir = target
    spec = os.path.abspath(os.fspath(spec))
    st = status(spec, dir)  # also validates the spec (InputError)
    sweep_dir = os.path.abspath(os.fspath(dir) if dir is not None else st.dir)
    todo = st.todo
    failures: list[str] = []
    with Progress(progress, st.members, f"sweep {st.sweep}", "member", initial=len(st.done)) as bar:
        if todo and executor is None:
            failures += _run_here(spec, sweep_dir, todo, threads, bar)
        elif todo:
            assert executor is not None
            expand(spec)  # the parameters against the scenario, before any task is queued
            chunks = _chunks(todo, members_per_task or st.members_per_task)
            futures = {executor.submit(run_members, spec, member_ranges(c), sweep_dir, threads or 1): c
                       for c in chunks}
            for future in as_completed(futures):
                members, code, messages = future.result()
                if code != 0:
                    failures.append(f"members {members} (exit {code}): {messages.strip()}")
                bar.update(len(futures[future]))
    if failures:
        after = status(spec, sweep_dir)
        raise SweepError(f"sweep {st.sweep}: members {member_ranges(after.todo)} did not finish:\n" + "\n".join(failures))
    return open_merged(merge(spec, sweep_dir, output))
