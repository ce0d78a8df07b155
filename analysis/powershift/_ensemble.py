"""Ensembles through the bindings, returned as the xarray Dataset the HDF5 output reads as."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from . import _core
from ._progress import Progress, ProgressArg
from ._scenario import PathLike, Scenario, as_scenario
from ._schema import AUX_COORDS, EVENT_KINDS, EVENT_VARIABLES, FIELDS, VARIABLES
from ._simulation import SEED_MAX, _check_count

if TYPE_CHECKING:
    from ._simulation import Simulation

__all__ = ["run_ensemble"]


def run_ensemble(
    scenario: Scenario | PathLike | Mapping[str, Any] | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    *,
    counterfactual: bool = False,
    threads: int | None = None,
    steps: int | None = None,
    fields: Iterable[str] = FIELDS,
    interval: int | None = None,
    progress: ProgressArg = None,
    collect: Callable[[Simulation], Mapping[str, Any]] | None = None,
) -> xr.Dataset:
    """Run replicates of a scenario in parallel (TBB) and return them as an xarray Dataset.

    The Dataset has the variables, dimensions, coordinates and attributes of the file
    ``powershift run`` writes (docs/output-format.md) and of :func:`powershift.load`; with the
    same scenario, seed, replicates and steps the arrays are identical, bit for bit.

    Parameters mirror the CLI: ``replicates``, ``seed``, ``steps`` and ``interval`` default to
    the scenario's (``run.replicates``, ``run.seed``, ``run.steps``, ``outputs.interval``);
    ``counterfactual`` pairs every replicate with one without the drawdown on the same random
    keys; ``threads`` defaults to every core; ``fields`` chooses the region x actor fields
    kept (``control``, ``support``, ``power``, ``forces``; memory: 4 bytes x replicates x
    recorded steps x regions x actors each).

    ``progress``: a bar counting replicates as they complete (``None``, the default: on a
    terminal or in a notebook only; ``True``: always; ``False``: never; or a callable
    ``progress(done, total)``).

    ``collect``: user metrics per recorded step, as Mesa's ``DataCollector``: a function of a
    :class:`~powershift.Simulation` returning a dict of name -> number, or an array of one value
    per actor or per region. Each replicate is then also stepped here, as a ``Simulation`` on
    its own random key (the same trajectory, bit for bit: the tests check it), and ``fn`` called
    at every recorded step; the values become variables ``name`` with dimensions
    (replicate, time[, actor | region]). With ``counterfactual`` they are of the drawdown arm.

    The GIL is released while the engine runs: other Python threads go on. Ctrl-C stops every
    replicate at its next step and raises KeyboardInterrupt.
    """
    sc = as_scenario(scenario)
    if replicates is None:
        replicates = sc.replicates
    _check_count("replicates", replicates, minimum=1)
    if seed is not None:
        _check_count("seed", seed, minimum=0, maximum=SEED_MAX)
    if steps is not None:
        _check_count("steps", steps, minimum=1)
    if interval is not None:
        _check_count("interval", interval, minimum=1)
    if threads is not None:
        _check_count("threads", threads, minimum=1)
    if isinstance(fields, str):
        fields = [fields]
    fields = list(fields)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}: fields are {', '.join(FIELDS)}")
    with Progress(progress, int(replicates), f"ensemble {sc.name}", "replicate") as bar:
        result = _core.run_ensemble(
            sc._core, int(replicates), int(seed) if seed is not None else None, int(steps or 0),
            bool(counterfactual), int(threads or 0), fields, int(interval or 0), bar.set)
    call = (f"powershift.run_ensemble({sc.name!r}, replicates={replicates}, seed={result['seed']}, "
            f"counterfactual={bool(counterfactual)}, threads={result['threads']}, "
            f"steps={result['steps']}, fields={result['fields']}, interval={result['interval']})")
    ds = _dataset(sc, result, command_line=call)
    if collect is not None:
        ds = _collect(ds, sc, collect, int(result["seed"]), int(result["steps"]), progress)
    return ds


def _collect(ds: xr.Dataset, sc: Scenario, fn: Callable[[Simulation], Mapping[str, Any]], seed: int,
             steps: int, progress: ProgressArg) -> xr.Dataset:
    """``fn`` of each replicate's Simulation at each recorded step, as variables of ``ds``."""
    from ._simulation import Simulation

    if not callable(fn):
        raise TypeError(f"collect: a function of a Simulation, got {type(fn).__name__}")
    recorded = [int(step) for step in ds["step"].values]  # the recorded steps, along time
    R, A = len(sc.regions), len(sc.actors)
    n = ds.sizes["replicate"]
    values: dict[str, list[list[np.ndarray]]] = {}
    with Progress(progress, n, f"collect {sc.name}", "replicate") as bar:
        for r in range(n):
            sim = Simulation(sc, seed=seed, replicate=r, steps=steps)
            for k, step in enumerate(recorded):
                sim.step(step - sim.step_count)
                out = fn(sim)
                if not isinstance(out, Mapping):
                    raise TypeError(f"collect: the function returns a dict of name -> value, got {type(out).__name__}")
                if k == 0 and r == 0:
                    clash = [name for name in out if name in ds.variables]
                    if clash:
                        raise ValueError(f"collect: {clash} already name variables of the Dataset; choose other names")
                    values = {str(name): [[] for _ in range(n)] for name in out}
                if set(out) != set(values):
                    raise ValueError(f"collect: the function returned {sorted(out)} at step {step} of replicate {r}, "
                                     f"{sorted(values)} before: the same names every time")
                for name, v in out.items():
                    values[str(name)][r].append(np.asarray(v, dtype=np.float64))
            bar.update(1)
    for name, per_rep in values.items():
        arr = np.asarray(per_rep, dtype=np.float64)  # replicate x time [x n]
        if arr.ndim == 2:
            dims: tuple[str, ...] = ("replicate", "time")
        elif arr.ndim == 3 and arr.shape[2] == A:
            dims = ("replicate", "time", "actor")
        elif arr.ndim == 3 and arr.shape[2] == R:
            dims = ("replicate", "time", "region")
        else:
            raise ValueError(f"collect: {name!r} is a number or an array of one value per actor ({A}) or "
                             f"per region ({R}); got shape {arr.shape[2:]}")
        ds[name] = xr.DataArray(arr, dims=dims, attrs={"long_name": f"{name} (collected by {getattr(fn, '__name__', 'collect')})"})
    return ds


def _dataset(sc: Scenario, result: dict[str, Any], *, command_line: str) -> xr.Dataset:
    core = sc._core
    units = f"days since {sc.start_date} 00:00:00"
    R, A = len(sc.regions), len(sc.actors)
    variables = result["variables"]

    coords: dict[str, Any] = {
        "replicate": ("replicate", np.arange(result["replicates"], dtype=np.int32),
                      {"long_name": "replicate index (random key)"}),
        "time": ("time", result["time"],
                 {"units": units, "long_name": "simulated time", "calendar": "proleptic_gregorian"}),
        "region": ("region", np.asarray(sc.regions, dtype=str), {"long_name": "region name"}),
        "actor": ("actor", np.asarray(sc.actors, dtype=str), {"long_name": "actor name"}),
    }
    aux = result["aux"]  # built by the engine from its schema, as the HDF5 writer does
    for name, (dim, unit, long_name) in AUX_COORDS.items():
        aux_attrs = {"units": unit, "long_name": long_name} if unit else {"long_name": long_name}
        values = aux[name]
        coords[name] = (dim, np.asarray(values, dtype=str) if isinstance(values, list) else values,
                        aux_attrs)

    data_vars: dict[str, Any] = {}
    for name, (dims, _dtype, unit, long_name) in VARIABLES.items():
        if name in variables:
            data_vars[name] = (dims, variables[name], {"units": unit, "long_name": long_name})

    events = result["events"]
    n_events = len(events["event_step"])
    coords["event"] = ("event", np.arange(n_events, dtype=np.int32), {"long_name": "event index"})
    for name, (_dtype, unit, long_name) in EVENT_VARIABLES.items():
        ev_attrs: dict[str, Any] = {}
        if unit == "time":
            ev_attrs["units"] = units
        elif unit:
            ev_attrs["units"] = unit
        ev_attrs["long_name"] = long_name
        if name == "event_kind":
            ev_attrs["flag_values"] = np.array(sorted(EVENT_KINDS), dtype=np.int32)
            ev_attrs["flag_meanings"] = " ".join(EVENT_KINDS[k] for k in sorted(EVENT_KINDS))
        data_vars[name] = ("event", events[name], ev_attrs)

    attrs: dict[str, Any] = {
        "title": f"powershift trajectories: {sc.name}",
        "Conventions": "CF-1.8",
        "scenario_name": sc.name,
        "scenario_path": core.source_path,
        "scenario_text": sc.text,
        "scenario_hash": sc.hash,
        "seed": np.uint64(result["seed"]),
        "replicates": np.int32(result["replicates"]),
        "steps": np.int32(result["steps"]),
        "dt_days": np.float64(result["dt"]),
        "start_date": sc.start_date,
        "powershift_version": _core.version,
        "powershift_build": _core.build,
        "command_line": command_line,
        "recorded_fields": " ".join(result["fields"]),
        "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "withdrawing_actor": sc.withdrawing_actor or "",
        "summary_vacuum_share_final": np.float64(result["summary_vacuum_share_final"]),
    }
    raw = xr.Dataset(data_vars=data_vars, coords=coords, attrs=attrs)
    assert raw.sizes["region"] == R and raw.sizes["actor"] == A
    # Decode times exactly as xarray decodes the file (days since the start date).
    return xr.decode_cf(raw)
