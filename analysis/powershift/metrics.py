"""Metrics over a powershift Dataset (from :func:`powershift.load` or
:func:`powershift.run_ensemble`): control shares, vacuum, effective number of actors, the
closing tables of ``powershift run`` and both forms of vacuum attribution (docs/model.md
§Metrics) as pandas DataFrames."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ._checks import LabelError, SweepDatasetError, analysis, member
from ._schema import EVENT_KINDS

__all__ = [
    "LabelError",
    "QUANTILES",
    "SweepDatasetError",
    "attribution_table",
    "band",
    "control_share",
    "controllers",
    "counterfactual_matrix",
    "counterfactual_table",
    "effective_actors",
    "events_table",
    "final",
    "member",
    "summary_table",
    "vacuum",
]

QUANTILES = (0.05, 0.5, 0.95)


def _onmap(ds: xr.Dataset) -> xr.DataArray:
    return ds["region_offmap"] == 0


@analysis("metrics.control_share", members=True)
def control_share(ds: xr.Dataset, weight: str = "population",
                  regions: Sequence[str] | None = None) -> xr.DataArray:
    """Share of the (on-map) population or value each actor controls, per replicate and time.

    Without ``regions`` this is the engine's ``control_share_pop`` / ``control_share_value``
    where recorded; with ``regions`` (or when only ``control`` was recorded) it is computed from
    ``control`` with the regions' weights, over those regions only."""
    if weight not in ("population", "value"):
        raise ValueError("weight is 'population' or 'value'")
    recorded = "control_share_pop" if weight == "population" else "control_share_value"
    if regions is None and recorded in ds:
        return ds[recorded]  # named control_share_pop / control_share_value, with its attrs
    if "control" not in ds:
        raise ValueError("this Dataset has no control field (recorded_fields); "
                         "pass regions=None to use the recorded shares")
    w = ds["region_population"] if weight == "population" else ds["region_value"]
    w = w.where(_onmap(ds), 0.0)
    if regions is not None:
        w = w.where(ds["region"].isin(list(regions)), 0.0)
    total = float(w.sum())
    if total <= 0:
        raise ValueError("the chosen regions have no on-map weight")
    share = (ds["control"].astype(np.float64) * (w / total)).sum("region").rename(recorded)
    over = f" of {', '.join(map(str, regions))}" if regions is not None else ""
    share.attrs = {"units": "1", "long_name": f"{weight}-weighted control share{over}"}
    return share


@analysis("metrics.vacuum", members=True)
def vacuum(ds: xr.Dataset) -> xr.DataArray:
    """V[r] = 1 - sum_a C[r, a] per replicate, time and region (0 off the map)."""
    v = (1.0 - ds["control"].astype(np.float64).sum("actor")).where(_onmap(ds), 0.0).rename("vacuum")
    v.attrs = {"units": "1", "long_name": "vacuum 1 - sum_a C[r,a]"}
    return v


def effective_actors(shares: xr.DataArray, dim: str = "actor") -> xr.DataArray:
    """1 / HHI of shares along ``dim`` (normalised to the held total first), as the engine's
    ``effective_actors``: 1 means one actor holds everything held."""
    held = shares.sum(dim)
    s = shares / held.where(held > 0)
    hhi = (s * s).sum(dim)
    out = (1.0 / hhi.where(hhi > 0)).fillna(0.0).rename("effective_actors")
    out.attrs = {"units": "1", "long_name": f"effective number of actors (1 / HHI over {dim})"}
    return out


def band(da: xr.DataArray, q: Sequence[float] = QUANTILES, dim: str = "replicate") -> xr.DataArray:
    """Quantiles over replicates (default 5%, median, 95%) along a new ``quantile`` dimension."""
    out = da.quantile(list(q), dim=dim, keep_attrs=True)
    return out.rename(da.name) if da.name is not None else out


@analysis("metrics.final", members=True)
def final(ds: xr.Dataset) -> xr.Dataset:
    """The last recorded step."""
    return ds.isel(time=-1)


@analysis("metrics.controllers")
def controllers(ds: xr.Dataset, time: int = -1) -> pd.DataFrame:
    """Per on-map region, at a recorded step (default the last): the actor with the largest
    mean control, its share, the vacuum and whether it holds at least half (``controls``)."""
    c = ds["control"].isel(time=time).astype(np.float64).mean("replicate")
    c = c.where(_onmap(ds), drop=True)
    best = c.argmax("actor")
    share = c.max("actor")
    df = pd.DataFrame({
        "controller": np.asarray(ds["actor"].values)[best.values],
        "share": share.values,
        "vacuum": 1.0 - c.sum("actor").values,
    }, index=pd.Index(c["region"].values, name="region"))
    df["controls"] = df["share"] >= 0.5
    return df


@analysis("metrics.summary_table")
def summary_table(ds: xr.Dataset) -> pd.DataFrame:
    """The actor table of ``powershift run``: mean over replicates of the population- and
    value-weighted control at day 0 and at the end, forces at the start and end, casualties
    and strength withdrawn."""
    first, last = ds.isel(time=0), ds.isel(time=-1)

    def m(v: xr.DataArray) -> np.ndarray:
        return np.asarray(v.mean("replicate").values)

    return pd.DataFrame({
        "pop_control_start": m(first["control_share_pop"]),
        "pop_control_end": m(last["control_share_pop"]),
        "value_control_end": m(last["control_share_value"]),
        "forces_start": m(first["forces_total"]),
        "forces_end": m(last["forces_total"]),
        "casualties": m(last["casualties"]),
        "withdrawn": m(last["withdrawn"]),
    }, index=pd.Index(ds["actor"].values, name="actor"))


@analysis("metrics.attribution_table")
def attribution_table(ds: xr.Dataset, min_lost: float = 0.005) -> pd.DataFrame:
    """Net vacuum attribution (the per-region table), mean over replicates.

    One row per region where the withdrawing actor lost at least ``min_lost`` of control:
    ``lost`` (L_r), one column per actor that gained part of it (A[r, b]), and ``unfilled``
    (the rest of L_r, still vacuum). Rows sum: lost = gains + unfilled."""
    lost = ds["attribution_lost"].mean("replicate")
    gained = ds["attribution_net"].mean("replicate")
    unfilled = ds["attribution_unfilled"].mean("replicate")
    keep = (lost >= min_lost).values
    regions = ds["region"].values[keep]
    table = pd.DataFrame(gained.values[keep], index=pd.Index(regions, name="region"),
                         columns=ds["actor"].values)
    table = table.loc[:, (table > 1e-4).any(axis=0)]
    table.insert(0, "lost", lost.values[keep])
    rest = unfilled.values[keep]
    table["unfilled"] = np.where(np.abs(rest) < 1e-12, 0.0, rest)  # no -0.000 from rounding
    return table.sort_values("lost", ascending=False)


@analysis("metrics.counterfactual_table")
def counterfactual_table(ds: xr.Dataset, min_effect: float = 0.01,
                         q: Sequence[float] = (0.05, 0.95)) -> pd.DataFrame:
    """The paired counterfactual (the headline answer): per region and actor, the effect of the
    drawdown on final control, E[C_T | drawdown] - E[C_T | none] over replicates with the same
    random keys, with its sample sd and quantiles. Rows with |mean| >= ``min_effect``, largest
    first, indexed by (region, actor); ``region`` and ``actor`` are also columns. Needs a run
    with ``counterfactual=True`` (``--counterfactual``)."""
    if "counterfactual_effect" not in ds:
        raise ValueError("no counterfactual in this Dataset: run with counterfactual=True "
                         "(CLI: --counterfactual)")
    eff = ds["counterfactual_effect"]
    n = eff.sizes["replicate"]
    mean = eff.mean("replicate")
    sd = eff.std("replicate", ddof=1) if n > 1 else xr.zeros_like(mean)
    quant = eff.quantile(list(q), dim="replicate")
    rows = []
    for ri, region in enumerate(ds["region"].values):
        for ai, actor in enumerate(ds["actor"].values):
            m = float(mean[ri, ai])
            if abs(m) < min_effect:
                continue
            row = {"region": region, "actor": actor, "mean": m, "sd": float(sd[ri, ai])}
            for qi, qq in enumerate(q):
                row[f"q{round(qq * 100):02d}"] = float(quant[qi, ri, ai])
            row["replicates"] = n
            rows.append(row)
    cols = ["region", "actor", "mean", "sd"] + [f"q{round(qq * 100):02d}" for qq in q] + ["replicates"]
    df = pd.DataFrame(rows, columns=cols)
    if len(df):
        df = df.reindex(df["mean"].abs().sort_values(ascending=False).index)
    df.index = pd.MultiIndex.from_frame(df[["region", "actor"]])
    return df


@analysis("metrics.counterfactual_matrix")
def counterfactual_matrix(ds: xr.Dataset) -> pd.DataFrame:
    """Mean paired effect of the drawdown on final control, regions x actors."""
    if "counterfactual_effect" not in ds:
        raise ValueError("no counterfactual in this Dataset: run with counterfactual=True")
    mean = ds["counterfactual_effect"].mean("replicate")
    return pd.DataFrame(mean.values, index=pd.Index(ds["region"].values, name="region"),
                        columns=ds["actor"].values)


@analysis("metrics.events_table")
def events_table(ds: xr.Dataset) -> pd.DataFrame:
    """The event table with names: replicate, step, time, kind, region, actor, other, value."""
    regions = np.array([*ds["region"].values.tolist(), None], dtype=object)  # -1 -> None
    actors = np.array([*ds["actor"].values.tolist(), None], dtype=object)
    kinds = np.vectorize(lambda k: EVENT_KINDS.get(int(k), str(k)), otypes=[object])
    return pd.DataFrame({
        "replicate": ds["event_replicate"].values,
        "step": ds["event_step"].values,
        "time": ds["event_time"].values,
        "kind": kinds(ds["event_kind"].values) if ds.sizes.get("event", 0) else [],
        "region": regions[ds["event_region"].values],
        "actor": actors[ds["event_actor"].values],
        "other": actors[ds["event_other"].values],
        "value": ds["event_value"].values,
    })
