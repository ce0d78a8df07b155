"""Ensembles through the bindings, returned as the xarray Dataset the HDF5 output reads as."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import xarray as xr

from . import _core
from ._scenario import PathLike, Scenario, as_scenario
from ._schema import AUX_COORDS, EVENT_KINDS, EVENT_VARIABLES, FIELDS, VARIABLES
from ._simulation import SEED_MAX, _check_count


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
    result = _core.run_ensemble(
        sc._core, int(replicates), int(seed) if seed is not None else None, int(steps or 0),
        bool(counterfactual), int(threads or 0), fields, int(interval or 0))
    call = (f"powershift.run_ensemble({sc.name!r}, replicates={replicates}, seed={result['seed']}, "
            f"counterfactual={bool(counterfactual)}, threads={result['threads']}, "
            f"steps={result['steps']}, fields={result['fields']}, interval={result['interval']})")
    return _dataset(sc, result, command_line=call)


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
        attrs = {"units": unit, "long_name": long_name} if unit else {"long_name": long_name}
        values = aux[name]
        coords[name] = (dim, np.asarray(values, dtype=str) if isinstance(values, list) else values,
                        attrs)

    data_vars: dict[str, Any] = {}
    for name, (dims, _dtype, unit, long_name) in VARIABLES.items():
        if name in variables:
            data_vars[name] = (dims, variables[name], {"units": unit, "long_name": long_name})

    events = result["events"]
    n_events = len(events["event_step"])
    coords["event"] = ("event", np.arange(n_events, dtype=np.int32), {"long_name": "event index"})
    for name, (_dtype, unit, long_name) in EVENT_VARIABLES.items():
        attrs: dict[str, Any] = {}
        if unit == "time":
            attrs["units"] = units
        elif unit:
            attrs["units"] = unit
        attrs["long_name"] = long_name
        if name == "event_kind":
            attrs["flag_values"] = np.array(sorted(EVENT_KINDS), dtype=np.int32)
            attrs["flag_meanings"] = " ".join(EVENT_KINDS[k] for k in sorted(EVENT_KINDS))
        data_vars[name] = ("event", events[name], attrs)

    attrs = {
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
