"""Plots of powershift outputs with matplotlib (DESIGN.md §4: control over time, control map,
vacuum attribution, ensemble fan charts, casualties).

Every function takes a Dataset from :func:`powershift.load` or :func:`powershift.run_ensemble`,
draws on ``ax`` if given (else a new figure) and returns the Axes (or the Figure for grids).
Actors keep one colour across all plots (:func:`actor_colors`); the vacuum is light grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import metrics
from ._checks import analysis

__all__ = [
    "actor_colors",
    "attribution",
    "casualties",
    "control_map",
    "control_over_time",
    "control_regions",
    "counterfactual",
    "fan",
    "fan_grid",
    "members",
    "scenario_dict",
]

VACUUM_COLOR = "#d9d9d9"
MIN_SHARE = 0.005  # actors below this everywhere in a plot are left out of it


def actor_colors(actors: Sequence[str]) -> dict[str, Any]:
    """One colour per actor, in scenario order (tab20, then tab20b)."""
    cmap = list(matplotlib.colormaps["tab20"].colors) + list(matplotlib.colormaps["tab20b"].colors)  # type: ignore[attr-defined]
    # Even indices first: the saturated halves of tab20's pairs, then the light ones.
    order = cmap[0:20:2] + cmap[1:20:2] + cmap[20:]
    return {a: order[i % len(order)] for i, a in enumerate(actors)}


def _small_panel(ax: Axes, title: str) -> None:
    """One panel of a grid of small multiples: a title, small ticks, dates slanted."""
    ax.set_title(title, fontsize="medium")
    ax.tick_params(labelsize="x-small")
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def _hide_unused(axes: np.ndarray, used: int) -> None:
    for ax in list(axes.flat)[used:]:
        ax.set_visible(False)


def _colors(ds: xr.Dataset) -> dict[str, Any]:
    return actor_colors([str(a) for a in ds["actor"].values])


def _ax(ax: Axes | None, figsize: tuple[float, float] = (9, 4.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _reduce(da: xr.DataArray, replicate: int | None) -> xr.DataArray:
    if "replicate" not in da.dims:
        return da
    return da.isel(replicate=replicate) if replicate is not None else da.mean("replicate")


def _stack(ax: Axes, time: np.ndarray, shares: xr.DataArray, vac: xr.DataArray | None,
           colors: dict[str, Any]) -> None:
    actors = [str(a) for a in shares["actor"].values]
    keep = [a for a in actors if float(shares.sel(actor=a).max()) >= MIN_SHARE]
    ys = [shares.sel(actor=a).values for a in keep]
    cs = [colors[a] for a in keep]
    labels = list(keep)
    if vac is not None:
        ys.append(np.clip(vac.values, 0.0, None))
        cs.append(VACUUM_COLOR)
        labels.append("vacuum")
    ax.stackplot(time, *ys, colors=cs, labels=labels, linewidth=0)
    ax.set_ylim(0, 1)
    ax.set_xlim(time[0], time[-1])
    ax.margins(x=0)


@analysis("plot.control_over_time")
def control_over_time(ds: xr.Dataset, region: str | None = None, *, ax: Axes | None = None,
                      replicate: int | None = None, legend: bool = True) -> Axes:
    """Stacked areas of control over time: of one region (``control``), or overall
    (population-weighted shares) when ``region`` is None; the vacuum on top. Mean over
    replicates unless ``replicate`` picks one."""
    ax = _ax(ax)
    colors = _colors(ds)
    time = ds["time"].values
    if region is None:
        shares = _reduce(metrics.control_share(ds), replicate)
        vac = _reduce(ds["vacuum_share"], replicate) if "vacuum_share" in ds else None
        title = "Control of the population (all regions)"
    else:
        shares = _reduce(ds["control"].sel(region=region).astype(np.float64), replicate)
        vac = 1.0 - shares.sum("actor")
        title = f"Control of {region}"
    _stack(ax, time, shares, vac, colors)
    n = ds.sizes.get("replicate", 1)
    suffix = f" — replicate {replicate}" if replicate is not None else (
        f" — mean of {n} replicates" if n > 1 else "")
    ax.set_title(title + suffix)
    ax.set_ylabel("share")
    if legend:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small", frameon=False)
    return ax


@analysis("plot.control_regions")
def control_regions(ds: xr.Dataset, regions: Sequence[str] | None = None, *, ncols: int = 4,
                    replicate: int | None = None) -> Figure:
    """Small multiples of :func:`control_over_time`, one per (on-map) region, one legend."""
    if regions is None:
        regions = [str(r) for r, off in zip(ds["region"].values, ds["region_offmap"].values)
                   if not off]
    nrows = int(np.ceil(len(regions) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.2 * nrows + 0.8),
                             sharex=True, sharey=True, layout="constrained", squeeze=False)
    for ax, region in zip(axes.flat, regions):
        control_over_time(ds, region, ax=ax, replicate=replicate, legend=False)
        ax.set_ylabel("")
        _small_panel(ax, region)
    _hide_unused(axes, len(regions))
    colors = _colors(ds)
    shown = [str(a) for a in ds["actor"].values
             if float(ds["control"].sel(region=list(regions), actor=a).max()) >= MIN_SHARE]
    handles = [Patch(color=colors[a], label=a) for a in shown] + [Patch(color=VACUUM_COLOR, label="vacuum")]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 8),
               fontsize="small", frameon=False)
    n = ds.sizes.get("replicate", 1)
    fig.suptitle("Control by region" + (f" (mean of {n} replicates)" if n > 1 and replicate is None else ""))
    return fig


def scenario_dict(ds: xr.Dataset) -> dict[str, Any]:
    """The scenario a Dataset was made from, as plain data (its ``scenario_text``)."""
    import yaml

    text = ds.attrs.get("scenario_text", "")
    return yaml.safe_load(text) if text else {}


def control_map(ds: xr.Dataset, time: int = -1, *, ax: Axes | None = None,
                offmap: bool = True, labels: bool = True) -> Axes:
    """Regions at their lat/lon, coloured by the actor with the largest (mean) control at a
    recorded step (default: the last), paler where that share is small, hollow where the
    vacuum is at least half; land edges as lines, exits dashed to the off-map regions, bases
    (garrisons) as stars in their actor's colour. Marker area follows population."""
    ax = _ax(ax, figsize=(9, 8))
    colors = _colors(ds)
    names = [str(r) for r in ds["region"].values]
    index = {n: i for i, n in enumerate(names)}
    lat = ds["region_lat"].values
    lon = ds["region_lon"].values
    off = ds["region_offmap"].values.astype(bool)
    pop = ds["region_population"].values
    spec = scenario_dict(ds)
    # The frame is the map's regions; off-map regions far away (a homeland behind an air
    # bridge) are drawn on the frame's edge in their direction.
    lon0, lon1 = float(lon[~off].min()) - 0.8, float(lon[~off].max()) + 0.8
    lat0, lat1 = float(lat[~off].min()) - 0.6, float(lat[~off].max()) + 0.6
    if offmap and off.any():
        clon, clat = (lon0 + lon1) / 2, (lat0 + lat1) / 2
        lon, lat = lon.copy(), lat.copy()
        for i in np.flatnonzero(off).tolist():
            dx, dy = lon[i] - clon, lat[i] - clat
            scale = 1.0
            if abs(dx) > 1e-9:
                scale = min(scale, ((lon1 - clon) if dx > 0 else (lon0 - clon)) / dx)
            if abs(dy) > 1e-9:
                scale = min(scale, ((lat1 - clat) if dy > 0 else (lat0 - clat)) / dy)
            lon[i], lat[i] = clon + dx * scale, clat + dy * scale

    for e in spec.get("edges") or []:
        a, b = index.get(str(e.get("a"))), index.get(str(e.get("b")))
        if a is not None and b is not None:
            ax.plot([lon[a], lon[b]], [lat[a], lat[b]], color="#888888", lw=1.0, zorder=1)
    if offmap:
        for e in spec.get("exits") or []:
            a, b = index.get(str(e.get("from"))), index.get(str(e.get("to")))
            if a is not None and b is not None:
                ax.plot([lon[a], lon[b]], [lat[a], lat[b]], color="#888888", lw=0.8, ls="--",
                        zorder=1)

    c = ds["control"].isel(time=time).astype(np.float64)
    c = c.mean("replicate") if "replicate" in c.dims else c
    best = c.argmax("actor").values
    share = c.max("actor").values
    vac = 1.0 - c.sum("actor").values
    size = 60 + 500 * np.sqrt(pop / max(float(pop.max()), 1.0))
    actors = [str(a) for a in ds["actor"].values]
    for i in range(len(names)):
        if off[i]:
            if offmap:
                ax.scatter(lon[i], lat[i], s=40, marker="s", color="white", edgecolor="#555555",
                           zorder=2)
            continue
        color = colors[actors[best[i]]]
        if vac[i] >= 0.5 or share[i] <= 0.0:
            ax.scatter(lon[i], lat[i], s=size[i], facecolor="white", edgecolor="#555555",
                       linewidth=1.2, zorder=3, hatch="///")
        else:
            ax.scatter(lon[i], lat[i], s=size[i], color=color, alpha=0.35 + 0.65 * min(share[i], 1.0),
                       edgecolor="black", linewidth=0.6, zorder=3)
    for g in spec.get("garrisons") or []:
        actor = str(g.get("actor"))
        for r in g.get("regions") or []:
            k = index.get(str(r))
            if k is not None:
                ax.scatter(lon[k], lat[k], s=170, marker="*", color=colors.get(actor, "black"),
                           edgecolor="black", linewidth=0.8, zorder=4)
    if labels:
        placed: list[tuple[float, float]] = []
        for i, n in enumerate(names):
            if off[i] and not offmap:
                continue
            # A label near one already placed goes below-left of its point instead.
            near = any(abs(lon[i] - x) < 0.45 and abs(lat[i] - y) < 0.15 for x, y in placed)
            placed.append((lon[i], lat[i]))
            offset, ha = ((-6, -11), "right") if near else ((5, 5), "left")
            ax.annotate(n, (lon[i], lat[i]), xytext=offset, textcoords="offset points", ha=ha,
                        fontsize="x-small", color="#555555" if off[i] else "black", zorder=5)
    shown = sorted({int(best[i]) for i in range(len(names))
                    if not off[i] and vac[i] < 0.5 and share[i] > 0})
    handles = [Line2D([], [], marker="o", ls="", color=colors[actors[a]], markeredgecolor="black",
                      markersize=9, label=actors[a]) for a in shown]
    handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="white",
                          markeredgecolor="#555555", markersize=9, label="vacuum ≥ ½"))
    handles.append(Line2D([], [], marker="*", ls="", color="#777777", markeredgecolor="black",
                          markersize=12, label="base (garrison)"))
    if offmap:
        handles.append(Line2D([], [], color="#888888", ls="--", label="exit"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
              frameon=False)
    when = np.datetime_as_string(ds["time"].values[time], unit="D")
    reps = ds.sizes.get("replicate", 1)
    ax.set_title(f"Controller by region on {when}" + (f" (mean of {reps} replicates)" if reps > 1 else ""))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_xlim(lon0 - 0.1, lon1 + 0.1)
    ax.set_ylim(lat0 - 0.1, lat1 + 0.1)
    ax.set_aspect(1.0 / np.cos(np.deg2rad(float(np.mean(lat[~off])))))
    return ax


@analysis("plot.attribution")
def attribution(ds: xr.Dataset, *, ax: Axes | None = None, min_lost: float = 0.005) -> Axes:
    """Net vacuum attribution: per region, the control the withdrawing actor lost (bar length)
    split into what each actor gained and what is still vacuum (mean over replicates)."""
    ax = _ax(ax, figsize=(9, 4.5))
    table = metrics.attribution_table(ds, min_lost=min_lost)
    colors = _colors(ds)
    who = ds.attrs.get("withdrawing_actor") or "the withdrawing actor"
    if table.empty:
        ax.text(0.5, 0.5, f"{who} lost no control (≥ {min_lost})", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    y = np.arange(len(table))[::-1]
    left = np.zeros(len(table))
    for col in [c for c in table.columns if c not in ("lost", "unfilled")]:
        ax.barh(y, table[col].values, left=left, color=colors.get(col, "black"), label=col,
                edgecolor="white", linewidth=0.5)
        left += table[col].values
    ax.barh(y, table["unfilled"].values, left=left, color=VACUUM_COLOR, hatch="//",
            edgecolor="white", linewidth=0.5, label="still vacuum")
    ax.set_yticks(y, table.index)
    ax.set_xlabel(f"control share {who} lost, and who holds it now")
    n = ds.sizes.get("replicate", 1)
    ax.set_title(f"Net vacuum attribution: who filled {who}'s lost control"
                 + (f" (mean of {n} replicates)" if n > 1 else ""))
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    ax.set_xlim(0, max(1e-3, float(table["lost"].max())) * 1.05)
    return ax


@analysis("plot.counterfactual")
def counterfactual(ds: xr.Dataset, *, ax: Axes | None = None, top: int = 15,
                   min_effect: float = 0.01) -> Axes:
    """The paired counterfactual: the drawdown's effect on final control (with minus without,
    same random keys) for the ``top`` largest region-actor pairs: mean (dot), 5–95% of
    replicates (bar) and ± one sd (thick)."""
    ax = _ax(ax, figsize=(9, 0.32 * top + 1.5))
    table = metrics.counterfactual_table(ds, min_effect=min_effect).head(top)
    who = ds.attrs.get("withdrawing_actor") or "the drawdown"
    if table.empty:
        ax.text(0.5, 0.5, f"no paired effect ≥ {min_effect}", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    colors = _colors(ds)
    y = np.arange(len(table))[::-1]
    for yi, (_, row) in zip(y, table.iterrows()):
        c = colors.get(row["actor"], "black")
        ax.plot([row["q05"], row["q95"]], [yi, yi], color=c, lw=1.5, alpha=0.6)
        ax.plot([row["mean"] - row["sd"], row["mean"] + row["sd"]], [yi, yi], color=c, lw=4, alpha=0.6)
        ax.plot(row["mean"], yi, "o", color=c, markeredgecolor="black")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [f"{r} · {a}" for r, a in zip(table["region"], table["actor"])])
    ax.set_xlabel("final control with the drawdown − without (same random keys)")
    n = int(table["replicates"].iloc[0])
    ax.set_title(f"Paired counterfactual: effect of {who}'s drawdown ({n} replicate pairs; "
                 "dot mean, thick ±sd, thin 5–95%)", fontsize="medium")
    return ax


@analysis("plot.fan")
def fan(ds: xr.Dataset, variable: str = "control_share_pop", actors: Sequence[str] | None = None,
        *, ax: Axes | None = None, q: Sequence[float] = (0.05, 0.5, 0.95),
        region: str | None = None) -> Axes:
    """Ensemble fan chart: the median over replicates (line) and the band between the outer
    quantiles (default 5–95%) of a variable over time, per actor (variables with an actor
    dimension; ``actors`` default: those above 0.5% somewhere) or alone (e.g. vacuum_share).
    ``region`` selects one region of a region x actor field."""
    ax = _ax(ax)
    da = ds[variable]
    if region is not None:
        da = da.sel(region=region)
    da = da.astype(np.float64)
    time = ds["time"].values
    qs = metrics.band(da, q=q)
    lo, mid, hi = qs.isel(quantile=0), qs.isel(quantile=len(q) // 2), qs.isel(quantile=-1)
    colors = _colors(ds)
    if "actor" in da.dims:
        if actors is None:
            actors = [str(a) for a in da["actor"].values if float(hi.sel(actor=a).max()) >= MIN_SHARE]
        for a in actors:
            c = colors[a]
            ax.fill_between(time, lo.sel(actor=a), hi.sel(actor=a), color=c, alpha=0.25, lw=0)
            ax.plot(time, mid.sel(actor=a), color=c, lw=1.6, label=a)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small", frameon=False)
    else:
        ax.fill_between(time, lo, hi, color="#555555", alpha=0.25, lw=0)
        ax.plot(time, mid, color="black", lw=1.6, label=variable)
    n = ds.sizes.get("replicate", 1)
    long_name = da.attrs.get("long_name", variable)
    where = f" in {region}" if region else ""
    ax.set_title(f"{long_name}{where}: median and {round(q[0] * 100)}–{round(q[-1] * 100)}% "
                 f"of {n} replicates", fontsize="medium")
    units = da.attrs.get("units", "")
    ax.set_ylabel(variable + (f" [{units}]" if units and units != "1" else ""))
    ax.set_xlim(time[0], time[-1])
    return ax


@analysis("plot.fan_grid")
def fan_grid(ds: xr.Dataset, variable: str = "control_share_pop",
             actors: Sequence[str] | None = None, *, ncols: int = 4,
             q: Sequence[float] = (0.05, 0.5, 0.95), sharey: bool = False) -> Figure:
    """One fan chart per actor (small multiples; each its own y scale unless ``sharey``, so
    that the spread of small actors shows)."""
    da = ds[variable].astype(np.float64)
    qs = metrics.band(da, q=q)
    if actors is None:
        actors = [str(a) for a in da["actor"].values
                  if float(qs.isel(quantile=-1).sel(actor=a).max()) >= MIN_SHARE]
    nrows = int(np.ceil(len(actors) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.3 * nrows + 0.6),
                             sharex=True, sharey=sharey, layout="constrained", squeeze=False)
    colors = _colors(ds)
    time = ds["time"].values
    for ax, a in zip(axes.flat, actors):
        sel = qs.sel(actor=a)
        ax.fill_between(time, sel.isel(quantile=0), sel.isel(quantile=-1), color=colors[a],
                        alpha=0.3, lw=0)
        ax.plot(time, sel.isel(quantile=len(q) // 2), color=colors[a], lw=1.6)
        _small_panel(ax, a)
    _hide_unused(axes, len(actors))
    n = ds.sizes.get("replicate", 1)
    fig.suptitle(f"{da.attrs.get('long_name', variable)}: median and "
                 f"{round(q[0] * 100)}–{round(q[-1] * 100)}% of {n} replicates")
    return fig


@analysis("plot.casualties")
def casualties(ds: xr.Dataset, *, ax: Axes | None = None, q: Sequence[float] = (0.05, 0.5, 0.95),
               min_losses: float = 1.0) -> Axes:
    """Cumulative combat losses per actor over time: median and 5–95% band over replicates."""
    ax = _ax(ax)
    da = ds["casualties"]
    keep = [str(a) for a in da["actor"].values if float(da.sel(actor=a).max()) >= min_losses]
    if not keep:
        ax.text(0.5, 0.5, "no combat losses", ha="center", va="center", transform=ax.transAxes)
        return ax
    fan(ds, "casualties", actors=keep, ax=ax, q=q)
    ax.set_title(f"Cumulative combat losses: median and {round(q[0] * 100)}–"
                 f"{round(q[-1] * 100)}% of {ds.sizes.get('replicate', 1)} replicates",
                 fontsize="medium")
    ax.set_ylabel("strength lost")
    return ax


@analysis("plot.members", members=True)
def members(ds: xr.Dataset, variable: str = "control_share_pop", actor: str | None = None,
            region: str | None = None, *, hue: str | None = None, ax: Axes | None = None) -> Axes:
    """A merged sweep's members side by side: one line per member, the mean over replicates of
    ``variable`` over time (of ``actor`` and ``region`` where it has those dimensions),
    coloured by the parameter ``hue`` (default the first; a colour bar for numbers, a legend
    for labels)."""
    if "member" not in ds.dims:
        raise ValueError("plot.members: this Dataset has no member dimension (it is one run): "
                         "use plot.fan or plot.control_over_time")
    da = ds[variable]
    for dim, label in (("actor", actor), ("region", region)):
        if dim in da.dims:
            if label is None:
                raise ValueError(f"plot.members: {variable} has a {dim} dimension: choose one with "
                                 f"{dim}=... (one of {', '.join(map(str, ds[dim].values))})")
            da = da.sel({dim: label})
    if "replicate" in da.dims:
        da = da.mean("replicate")
    params = [str(p) for p in ds["parameter"].values] if "parameter" in ds.coords else []
    hue = hue or (params[0] if params else None)
    if hue is not None and hue not in ds.coords:
        from ._checks import LabelError, suggest

        raise LabelError(f"plot.members: no parameter {hue!r}{suggest(hue, params)}")
    ax = _ax(ax)
    time = ds["time"].values
    values = ds[hue].values if hue is not None else np.arange(ds.sizes["member"])
    numeric = np.issubdtype(np.asarray(values).dtype, np.number)
    if numeric:
        norm = matplotlib.colors.Normalize(float(np.min(values)), float(np.max(values)))
        cmap = matplotlib.colormaps["viridis"]
        for i in range(ds.sizes["member"]):
            ax.plot(time, da.isel(member=i).values, color=cmap(norm(float(values[i]))), lw=1.2, alpha=0.8)
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        ax.figure.colorbar(sm, ax=ax, label=hue or "member")
    else:
        levels = list(dict.fromkeys(str(v) for v in values))
        colors = dict(zip(levels, matplotlib.colormaps["tab10"].colors))  # type: ignore[attr-defined]
        for i in range(ds.sizes["member"]):
            ax.plot(time, da.isel(member=i).values, color=colors[str(values[i])], lw=1.2, alpha=0.8)
        ax.legend(handles=[Line2D([], [], color=colors[v], label=v) for v in levels], title=hue,
                  fontsize="small", frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    what = " ".join(str(x) for x in (actor, region) if x is not None)
    n = ds.sizes.get("replicate", 1)
    ax.set_title(f"{da.attrs.get('long_name', variable)}{' of ' + what if what else ''}: "
                 f"{ds.sizes['member']} members, each the mean of {n} replicates", fontsize="medium")
    ax.set_ylabel(variable)
    ax.set_xlim(time[0], time[-1])
    return ax
