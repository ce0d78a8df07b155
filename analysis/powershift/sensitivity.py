"""Global sensitivity analysis of merged sweeps with SALib (docs/sweeps.md).

A Sobol design (``design: {type: sobol}``) is Saltelli's scheme in SALib's row order, so
:func:`sobol` hands SALib the metric per member as it is; a Morris design gives :func:`morris`
its trajectories (the design coordinates in [0, 1], ``design_unit``). A metric is any scalar
per member: a function of the Dataset, or :func:`metric` for the common "variable of one
actor at one day, averaged over replicates".

>>> ds = ps.sweep.run("scenarios/sweeps/drawdown-pace-scope.yaml")
>>> turkey = ps.sensitivity.metric("control_share_pop", actor="turkey", day=180)
>>> ps.sensitivity.sobol(ds, turkey)
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

import numpy as np
import pandas as pd
import xarray as xr

from .sweep import member_ranges as _ranges
from ._checks import check_labels

__all__ = ["metric", "metric_values", "morris", "sobol"]

Metric = Union[str, Callable[[xr.Dataset], xr.DataArray], xr.DataArray]


def metric(variable: str, *, day: Optional[float] = None, reduce: str = "mean", **sel: Any) -> Callable[[xr.Dataset], xr.DataArray]:
    """A metric: ``variable`` at ``day`` (the nearest recorded day; default the last), selected
    by label (``actor="turkey"``, ``region="Idlib"``), then averaged (``reduce``) over
    replicates and every other dimension but ``member``."""

    def compute(ds: xr.Dataset) -> xr.DataArray:
        check_labels(ds, "variable", variable, "sensitivity.metric")
        for dim, label in sel.items():
            if dim in ("region", "actor"):
                check_labels(ds, dim, label, "sensitivity.metric")
        da = ds[variable]
        if sel:
            da = da.sel(**sel)
        if "time" in da.dims:
            if day is None:
                da = da.isel(time=-1)
            else:
                days = (ds["time"] - ds["time"][0]) / np.timedelta64(1, "D") if np.issubdtype(ds["time"].dtype, np.datetime64) else ds["time"]
                da = da.isel(time=int(np.abs(np.asarray(days) - day).argmin()))
        other = [d for d in da.dims if d != "member"]
        return getattr(da, reduce)(other) if other else da

    compute.__name__ = f"{variable}" + "".join(f"[{k}={v}]" for k, v in sel.items()) + (f"@day{day:g}" if day is not None else "")
    return compute


def metric_values(ds: xr.Dataset, what: Metric) -> np.ndarray:
    """The metric for every member of the design, in member order. Raises ValueError listing
    the members that are missing from ``ds`` (a partial merge) or whose metric is not finite."""
    total = int(ds.attrs["design_members"])
    present = [int(m) for m in ds["member"].values]
    missing = sorted(set(range(total)) - set(present))
    if missing:
        raise ValueError(
            f"sweep {ds.attrs.get('sweep_name', '?')}: {len(missing)} of {total} members are missing: "
            f"{_ranges(missing)}; sensitivity indices need every member of the design "
            "(run them: `powershift sweep status` lists them)")
    if isinstance(what, str):
        what = metric(what)
    da = what(ds) if callable(what) else what
    if set(da.dims) != {"member"}:
        raise ValueError(f"the metric must have the dimension 'member' only, got {da.dims}")
    values = da.sortby("member").values.astype(float)
    bad = [present[i] for i in np.flatnonzero(~np.isfinite(values))]
    if bad:
        raise ValueError(f"the metric is not finite for members {_ranges(sorted(bad))}")
    return values


def _problem(ds: xr.Dataset) -> dict[str, Any]:
    names = [str(n) for n in ds["parameter"].values]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def sobol(ds: xr.Dataset, what: Metric, *, conf_level: float = 0.95, num_resamples: int = 100,
          seed: Optional[int] = 1) -> pd.DataFrame:
    """First-order and total Sobol indices (``S1``, ``ST`` and their confidence half-widths)
    of a metric over a Sobol sweep; with ``second_order`` in the design, ``ds.attrs`` gets no
    change but the frame's ``attrs["S2"]`` holds the second-order matrix."""
    from SALib.analyze import sobol as salib_sobol

    if ds.attrs.get("design") != "sobol":
        raise ValueError(f"Sobol indices need a sobol design; this sweep's design is {ds.attrs.get('design')!r}")
    y = metric_values(ds, what)
    second = bool(int(ds.attrs.get("design_second_order", 0)))
    problem = _problem(ds)
    si = salib_sobol.analyze(problem, y, calc_second_order=second, num_resamples=num_resamples,
                             conf_level=conf_level, seed=seed)
    frame = pd.DataFrame({k: si[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}, index=pd.Index(problem["names"], name="parameter"))
    if second:
        frame.attrs["S2"] = pd.DataFrame(si["S2"], index=problem["names"], columns=problem["names"])
        frame.attrs["S2_conf"] = pd.DataFrame(si["S2_conf"], index=problem["names"], columns=problem["names"])
    return frame


def morris(ds: xr.Dataset, what: Metric, *, conf_level: float = 0.95, num_resamples: int = 1000,
           seed: Optional[int] = 1) -> pd.DataFrame:
    """Morris elementary effects (``mu``, ``mu_star``, ``sigma``, ``mu_star_conf``) of a metric
    over a Morris sweep, per unit of each parameter's design range ([0, 1])."""
    from SALib.analyze import morris as salib_morris

    if ds.attrs.get("design") != "morris":
        raise ValueError(f"Morris effects need a morris design; this sweep's design is {ds.attrs.get('design')!r}")
    y = metric_values(ds, what)
    x = ds["design_unit"].sortby("member").values
    problem = _problem(ds)
    si = salib_morris.analyze(problem, x, y, num_resamples=num_resamples, conf_level=conf_level,
                              num_levels=int(ds.attrs["design_levels"]), seed=seed)
    return pd.DataFrame({k: np.asarray(si[k], dtype=float) for k in ("mu", "mu_star", "sigma", "mu_star_conf")},
                        index=pd.Index(problem["names"], name="parameter"))
