"""Argument checks shared by the analysis functions: labels (regions, actors, variables) with a
"did you mean", and merged sweeps (a ``member`` dimension) refused by functions of one run with
the way forward named. Applied with the :func:`analysis` decorator."""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Iterable
from typing import Any, Callable, TypeVar, cast

import numpy as np
import xarray as xr

__all__ = ["LabelError", "SweepDatasetError", "analysis", "check_labels", "member", "refuse_sweep", "suggest"]

F = TypeVar("F", bound=Callable[..., Any])

# Argument name -> (what it names, where the valid names are).
_LABEL_ARGS = {
    "region": "region", "regions": "region",
    "actor": "actor", "actors": "actor",
    "variable": "variable",
}


class LabelError(KeyError, ValueError):
    """A region, actor or variable name the Dataset does not have (a KeyError, as xarray's,
    and a ValueError). The message suggests the nearest names."""

    def __str__(self) -> str:  # KeyError's str() would quote the message
        return str(self.args[0]) if self.args else ""


class SweepDatasetError(ValueError):
    """A function of one run was given a merged sweep (a ``member`` dimension)."""


def suggest(name: str, valid: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest valid names, or the list of names."""
    valid = [str(v) for v in valid]
    close = difflib.get_close_matches(str(name), valid, n=3, cutoff=0.6)
    if not close:  # case-insensitive second try: "turkey" for "Turkey"
        lower = {v.lower(): v for v in valid}
        close = [lower[m] for m in difflib.get_close_matches(str(name).lower(), list(lower), n=3, cutoff=0.6)]
    if close:
        return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
    shown = ", ".join(valid[:20]) + (", ..." if len(valid) > 20 else "")
    return f" (valid: {shown})"


def check_labels(ds: xr.Dataset, kind: str, names: Any, where: str) -> None:
    """Raise :class:`LabelError` for any of ``names`` (a name or a list) that ``ds`` lacks."""
    if names is None:
        return
    items = [names] if isinstance(names, str) else list(names)
    if kind == "variable":
        valid = [str(v) for v in ds.data_vars]
    elif kind in ds.coords:
        valid = [str(v) for v in np.asarray(ds[kind].values).ravel()]
    else:
        return
    for n in items:
        if str(n) not in valid:
            what = {"region": "region", "actor": "actor", "variable": "variable"}[kind]
            raise LabelError(f"{where}: no {what} {str(n)!r} in this Dataset{suggest(str(n), valid)}")


def _describe(ds: xr.Dataset) -> tuple[str, str]:
    params = [str(p) for p in ds["parameter"].values] if "parameter" in ds.coords else []
    first = ", ".join(f"{p}={ds[p].values[0].item()!r}" for p in params if p in ds.coords)
    example = f"ps.metrics.member(ds, {first})" if first else "ps.metrics.member(ds, 0)"
    return ", ".join(params) or "none", example


def refuse_sweep(ds: xr.Dataset, where: str) -> None:
    if isinstance(ds, xr.Dataset) and "member" in ds.dims:
        params, example = _describe(ds)
        raise SweepDatasetError(
            f"{where}: this Dataset is a merged sweep of {ds.sizes['member']} members (parameters: "
            f"{params}), and {where} shows one run: pass one member, {where}({example}, ...) or "
            f"ds.isel(member=0); or compare members with ps.plot.members(ds, ...) or "
            f"ps.sensitivity.metric(...) (docs/sweeps.md#python)")


def analysis(where: str, *, members: bool = False) -> Callable[[F], F]:
    """Decorate an analysis function whose first argument is a Dataset: labels passed as
    ``region``/``regions``/``actor``/``actors``/``variable`` are checked (did you mean), and a
    merged sweep is refused with the way forward unless ``members`` (the function works along
    any extra dimension)."""

    def wrap(fn: F) -> F:
        sig = inspect.signature(fn)
        checked = [p for p in sig.parameters if p in _LABEL_ARGS]

        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind_partial(*args, **kwargs)
            ds = next(iter(bound.arguments.values()), None)
            if isinstance(ds, xr.Dataset):
                if not members:
                    refuse_sweep(ds, where)
                for p in checked:
                    if p in bound.arguments:
                        check_labels(ds, _LABEL_ARGS[p], bound.arguments[p], where)
            return fn(*args, **kwargs)

        return cast(F, inner)

    return wrap


def member(ds: xr.Dataset, index: int | None = None, /, **parameters: Any) -> xr.Dataset:
    """One member of a merged sweep as a Dataset of one run (the ``member`` dimension dropped):
    by index, ``member(ds, 3)``, or by parameter values, ``member(ds, pace=30, scope=0.5)``
    (exactly one member must match)."""
    if "member" not in ds.dims:
        raise ValueError("member(): this Dataset has no member dimension (it is one run, not a merged sweep)")
    if index is not None:
        if parameters:
            raise TypeError("member(): an index or parameter values, not both")
        members = [int(m) for m in ds["member"].values]
        if int(index) not in members:
            raise LabelError(f"member(): no member {index}: members are {members[0]} to {members[-1]}")
        return ds.sel(member=int(index))
    if not parameters:
        raise TypeError("member(): give an index or parameter values (e.g. pace=30)")
    mask = np.ones(ds.sizes["member"], dtype=bool)
    names = [str(p) for p in ds["parameter"].values] if "parameter" in ds.coords else []
    for name, value in parameters.items():
        if name not in names:
            raise LabelError(f"member(): no parameter {name!r}{suggest(name, names)}")
        coord = ds[name].values
        if np.issubdtype(coord.dtype, np.number) and not isinstance(value, str):
            mask &= np.isclose(coord.astype(float), float(value), rtol=1e-12, atol=0.0)
        else:
            mask &= coord.astype(str) == str(value)
    hits = np.flatnonzero(mask)
    if len(hits) != 1:
        shown = ", ".join(f"{k}={v!r}" for k, v in parameters.items())
        values = "; ".join(f"{n}: {sorted(set(np.asarray(ds[n].values).tolist()))[:10]}" for n in names)
        raise LabelError(f"member(): {len(hits)} members have {shown} (one must): values are {values}"
                         + (f"; members {hits.tolist()} match: add parameters" if len(hits) > 1 else ""))
    return ds.isel(member=int(hits[0]))

