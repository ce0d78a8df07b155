"""Plots of powershift outputs with matplotlib (DESIGN.md §4: control over time, control map,
vacuum attribution, ensemble fan charts, casualties).

Every function takes a Dataset from :func:`powershift.load` or :func:`powershift.run_ensemble`,
draws on ``ax`` if given (else a new figure) and returns the Axes (or the Figure for grids).
Actors keep one colour across all plots (:func:`actor_colors`, a colour-blind-safe palette);
the vacuum is light grey. Time axes mark the scenario's events (dotted lines). A merged sweep
(a ``member`` dimension) is refused with the way forward: ``ds.isel(member=i)``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from . import metrics
from ._checks import analysis


__all__ = [
    "PALETTE",
    "actor_colors",
    "attribution",
    "casualties",
    "control_map",
    "control_maps",
    "control_over_time",
    "control_regions",
    "counterfactual",
    "display_name",
    "event_dates",
    "fan",
    "fan_grid",
    "mark_events",
    "members",
    "scenario_dict",
]

VACUUM_COLOR = "#d9d9d9"
WATER_COLOR = "#dcebf5"
LAND_COLOR = "#f4f1ea"
COAST_COLOR = "#4f7faa"
BORDER_COLOR = "#6e6e6e"
MIN_SHARE = 0.005  # actors below this everywhere in a plot are left out of it
SITE_FRACTION = 0.02  # on-map regions under this share of the largest population are sites
_COUNTRIES = Path(__file__).resolve().parent / "data" / "ne_110m_countries.geojson"

# Okabe & Ito (2008), "Color Universal Design" (black left out: labels go on the colours), then
# Paul Tol's "muted" scheme (https://personal.sron.nl/~pault/#sec:qualitative): both are told
# apart with the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
    "#332288", "#117733", "#882255", "#44AA99", "#999933", "#AA4499", "#DDCC77", "#CC6677",
    "#88CCEE",
)


def actor_colors(actors: Sequence[str]) -> dict[str, Any]:
    """One colour per actor, in scenario order, from :data:`PALETTE` (colour-blind safe), as
    RGB tuples in [0, 1]."""
    from matplotlib.colors import to_rgb

    return {a: to_rgb(PALETTE[i % len(PALETTE)]) for i, a in enumerate(actors)}


def event_dates(ds: xr.Dataset) -> list[tuple[Any, str]]:
    """The scenario's events as (date, name): the ``day`` of each entry of ``events:`` in the
    scenario the Dataset was made from, counted from the first recorded date."""
    spec = scenario_dict(ds)
    t0 = np.datetime64(ds["time"].values[0], "D")
    out: list[tuple[Any, str]] = []
    for k, e in enumerate(spec.get("events") or []):
        if isinstance(e, dict) and e.get("day") is not None:
            name = str(e.get("name") or f"{e.get('type', 'event')} {k}")
            out.append((t0 + np.timedelta64(int(round(float(e["day"]))), "D"), name))
    return out


def mark_events(ax: Axes, ds: xr.Dataset, *, names: bool = True) -> None:
    """Dotted vertical lines at the scenario's events (:func:`event_dates`) inside the time
    axis, named at the top unless ``names`` is False."""
    t = ds["time"].values
    for when, name in event_dates(ds):
        if t[0] <= when <= t[-1]:
            ax.axvline(when, color="#444444", lw=0.8, ls=":", zorder=6, gid=f"event:{name}")
            if names:
                ax.annotate(name, (when, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(2, -2), textcoords="offset points", rotation=90, va="top",
                            fontsize="xx-small", color="#444444")


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
    mark_events(ax, ds, names=legend)
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
        _small_panel(ax, display_name(ds, region))
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
    """The scenario a Dataset was made from, as plain data (its ``scenario_text``; parsed once
    per text and shared: do not modify it)."""
    text = ds.attrs.get("scenario_text", "")
    return _parse_scenario(text) if text else {}


@functools.lru_cache(maxsize=8)
def _parse_scenario(text: str) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present
    data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    return data if isinstance(data, dict) else {}


def display_name(ds: xr.Dataset, region: str) -> str:
    """A region's name for people: the scenario's ``display_name`` of it if there is one, else
    its identifier with the words of a CamelCase name spaced (``RifDimashq`` -> ``Rif Dimashq``)."""
    for r in scenario_dict(ds).get("regions") or []:
        if isinstance(r, dict) and str(r.get("name")) == region and r.get("display_name"):
            return str(r["display_name"])
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", region)


@functools.lru_cache(maxsize=1)
def _countries() -> tuple[tuple[str, Any], ...]:
    """Natural Earth 1:110m countries (public domain; data/README.md): (name, shapely geometry)."""
    from shapely.geometry import shape

    data = json.loads(_COUNTRIES.read_text(encoding="utf-8"))
    return tuple((str(f["properties"]["name"]), shape(f["geometry"])) for f in data["features"])


def _polygon_path(geom: Any) -> MplPath:
    """A (multi)polygon as one matplotlib Path, holes included."""
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            parts.append(MplPath(np.asarray(ring.coords)[:, :2], closed=True))
    return MplPath.make_compound_path(*parts) if parts else MplPath(np.zeros((0, 2)))


def _segments(geom: Any) -> list[np.ndarray]:
    """The lines of a (multi)line geometry, as arrays for a LineCollection."""
    if geom.is_empty:
        return []
    if hasattr(geom, "geoms"):
        return [seg for g in geom.geoms for seg in _segments(g)]
    if geom.geom_type in ("LineString", "LinearRing"):
        return [np.asarray(geom.coords)[:, :2]]
    if geom.geom_type == "Polygon":
        return _segments(geom.boundary)
    return []


def _region_cells(lon: np.ndarray, lat: np.ndarray, clip: Any) -> list[Any]:
    """Voronoi cells of the points (in a plane where a degree of longitude is cos(lat) of one of
    latitude, so that cells are fair on the ground), each clipped to ``clip`` and to a disc
    around its point of 2.5 times the largest nearest-neighbour distance (at least 0.5°; 1°
    for a lone point), so that a few regions do not claim a whole country."""
    from shapely import affinity
    from shapely.geometry import MultiPoint, Point, box
    from shapely.ops import voronoi_diagram

    k = float(np.cos(np.deg2rad(np.mean(lat))))
    origin = (0.0, 0.0)
    xy = np.column_stack([lon * k, lat])
    if len(xy) > 1:
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        np.fill_diagonal(d, np.inf)
        nearest = d.min(axis=1)
        reach = max(0.5, 2.5 * float(nearest[np.isfinite(nearest) & (nearest > 0)].max(initial=0.2)))
    else:
        reach = 1.0
    b = clip.bounds
    env = box(b[0] * k, b[1], b[2] * k, b[3]).union(MultiPoint(xy.tolist()).envelope).buffer(5.0)
    cells = list(voronoi_diagram(MultiPoint(xy.tolist()), envelope=env).geoms)
    out = []
    for x, y in xy:
        p = Point(x, y)
        cell = next((c for c in cells if c.contains(p)), None)
        if cell is None:  # two regions at one point: the first takes the cell
            out.append(p.buffer(0.0))
            continue
        cell = cell.intersection(p.buffer(reach, 64))
        out.append(affinity.scale(cell, xfact=1.0 / k, yfact=1.0, origin=origin).intersection(clip))
    return out


@analysis("plot.control_map")
def control_map(ds: xr.Dataset, time: int = -1, *, ax: Axes | None = None,
                offmap: bool = True, labels: bool = True, legend: bool = True,
                replicate: int | None = None) -> Axes:
    """A map of who controls each region at a recorded step (default: the last).

    Land, sea, coastlines and country borders come from Natural Earth (1:110m, shipped with the
    package: no download). Populated regions are drawn as areas: the Voronoi cells of their
    centres, clipped to the countries that hold the map's regions (and to a disc around each
    centre of 2.5 times the largest distance between neighbours); small sites (population
    under 2% of the largest region's: air bases, border posts) as dots. Each is coloured by the
    actor with the largest (mean) control; hatched where that actor holds under half (contested)
    and grey where the vacuum is at least half. Garrisoned bases are stars in their actor's
    colour; off-map regions are grey diamonds (at the frame's edge when far away) with their
    exits dashed. Names are the scenario's ``display_name`` or the identifier spaced
    (:func:`display_name`)."""
    from matplotlib import patheffects
    from matplotlib.collections import LineCollection, PathCollection
    from shapely.geometry import Point, box
    from shapely.ops import unary_union

    ax = _ax(ax, figsize=(9, 7.5))
    colors = _colors(ds)
    names = [str(r) for r in ds["region"].values]
    index = {n: i for i, n in enumerate(names)}
    lat = np.asarray(ds["region_lat"].values, dtype=np.float64)
    lon = np.asarray(ds["region_lon"].values, dtype=np.float64)
    off = ds["region_offmap"].values.astype(bool)
    pop = np.asarray(ds["region_population"].values, dtype=np.float64)
    spec = scenario_dict(ds)
    on = np.flatnonzero(~off)

    # The countries holding the map's regions bound the areas; the frame shows the areas.
    countries = _countries()
    points = [Point(lon[i], lat[i]) for i in on]
    held = [(sum(g.contains(p) for p in points), g) for _, g in countries]
    most = max((k for k, _ in held), default=0)
    home = [g for k, g in held if k > 0 and (k >= 0.2 * len(points) or k == most)]
    pts_box = box(lon[on].min(), lat[on].min(), lon[on].max(), lat[on].max())
    land_clip = unary_union(home) if home else pts_box.buffer(0.5)
    area = np.array([i for i in on if pop[i] >= SITE_FRACTION * pop[on].max()])
    sites = np.array([i for i in on if i not in set(area.tolist())])
    cells = _region_cells(lon[area], lat[area], land_clip) if len(area) else []
    b = unary_union([pts_box, *cells]).bounds
    lon0, lat0, lon1, lat1 = b[0] - 0.4, b[1] - 0.3, b[2] + 0.4, b[3] + 0.3
    frame = box(lon0, lat0, lon1, lat1)

    ax.set_facecolor(WATER_COLOR)
    near = [(n, g.intersection(frame)) for n, g in countries if g.intersects(frame)]
    land = unary_union([g for _, g in near]) if near else frame.difference(frame)
    ax.add_collection(PathCollection([_polygon_path(land)], facecolors=LAND_COLOR,
                                     edgecolors="none", zorder=0, gid="land"))
    coast = land.boundary.difference(frame.exterior.buffer(1e-6))
    ax.add_collection(LineCollection(_segments(coast), colors=COAST_COLOR, linewidths=0.9,
                                     zorder=2, gid="coastline"))
    edges = unary_union([g.boundary for _, g in near]).difference(land.boundary.buffer(1e-3))
    ax.add_collection(LineCollection(_segments(edges), colors=BORDER_COLOR, linewidths=1.1,
                                     linestyles=(0, (4, 2)), zorder=2, gid="borders"))

    c = ds["control"].isel(time=time).astype(np.float64)
    c = _reduce(c, replicate)
    best = c.argmax("actor").values
    share = c.max("actor").values
    vac = 1.0 - c.sum("actor").values
    actors = [str(a) for a in ds["actor"].values]

    def style(i: int) -> dict[str, Any]:
        if vac[i] >= 0.5 or share[i] <= 0.0:
            return {"facecolor": VACUUM_COLOR, "hatch": "...", "alpha": 1.0}
        base = {"facecolor": colors[actors[best[i]]], "alpha": 0.85}
        return base | ({"hatch": "///", "alpha": 0.5} if share[i] < 0.5 else {})

    for i, cell in zip(area, cells):
        st = style(int(i))
        ax.add_patch(PathPatch(_polygon_path(cell), facecolor=st["facecolor"], alpha=st["alpha"],
                               hatch=st.get("hatch"), edgecolor="white", linewidth=1.2, zorder=1,
                               gid=f"region:{names[i]}"))
    for i in sites:
        st = style(int(i))
        ax.scatter(lon[i], lat[i], s=60, marker="o", color=st["facecolor"], hatch=st.get("hatch"),
                   edgecolor="black", linewidth=0.8, zorder=4)
    for i in area:
        ax.scatter(lon[i], lat[i], s=9, color="black", zorder=4)
    for g in spec.get("garrisons") or []:
        actor = str(g.get("actor"))
        for r in g.get("regions") or []:
            i = index.get(str(r))
            if i is not None:
                ax.scatter(lon[i], lat[i], s=150, marker="*", color=colors.get(actor, "black"),
                           edgecolor="black", linewidth=0.8, zorder=5)

    plon, plat = lon.copy(), lat.copy()
    if offmap and off.any():
        # Off-map regions far away (a homeland behind an air bridge) go on the frame's edge in
        # their direction.
        clon, clat = (lon0 + lon1) / 2, (lat0 + lat1) / 2
        for i in np.flatnonzero(off):
            dx, dy = plon[i] - clon, plat[i] - clat
            scale = 1.0
            if abs(dx) > 1e-9:
                scale = min(scale, ((lon1 - 0.15 - clon) if dx > 0 else (lon0 + 0.15 - clon)) / dx)
            if abs(dy) > 1e-9:
                scale = min(scale, ((lat1 - 0.15 - clat) if dy > 0 else (lat0 + 0.15 - clat)) / dy)
            plon[i], plat[i] = clon + dx * scale, clat + dy * scale
            ax.scatter(plon[i], plat[i], s=45, marker="D", color="white", edgecolor="#555555",
                       zorder=4)
        for e in spec.get("exits") or []:
            a, z = index.get(str(e.get("from"))), index.get(str(e.get("to")))
            if a is not None and z is not None:
                ax.plot([plon[a], plon[z]], [plat[a], plat[z]], color="#666666", lw=0.8,
                        ls="--", zorder=3)
    texts = []
    if labels:
        halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
        for i, region in enumerate(names):
            if off[i] and not offmap:
                continue
            texts.append(ax.annotate(
                display_name(ds, region), (plon[i], plat[i]), xytext=(4, 3), textcoords="offset points",
                fontsize="small" if i in area else "x-small", zorder=6, path_effects=halo,
                color="#555555" if off[i] else "black", style="italic" if off[i] else "normal",
                weight="bold" if i in area else "normal"))
    if legend:
        shown = sorted({int(best[i]) for i in on if vac[i] < 0.5 and share[i] > 0})
        handles: list[Any] = [Patch(facecolor=colors[actors[a]], alpha=0.85, label=actors[a])
                              for a in shown]
        handles += [
            Patch(facecolor="#bbbbbb", alpha=0.5, hatch="///", label="contested (leader < ½)"),
            Patch(facecolor=VACUUM_COLOR, hatch="...", label="vacuum ≥ ½"),
            Line2D([], [], marker="o", ls="", color="#bbbbbb", markeredgecolor="black",
                   markersize=7, label="site (small region)"),
            Line2D([], [], marker="*", ls="", color="#777777", markeredgecolor="black",
                   markersize=11, label="base (garrison)"),
            Line2D([], [], color=BORDER_COLOR, ls=(0, (4, 2)), label="country border"),
        ]
        if offmap and off.any():
            handles += [Line2D([], [], marker="D", ls="", color="white", markeredgecolor="#555555",
                               markersize=6, label="off-map region"),
                        Line2D([], [], color="#666666", ls="--", label="exit")]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize="small", frameon=False)
    when = np.datetime_as_string(ds["time"].values[time], unit="D")
    n = ds.sizes.get("replicate", 1)
    how = (f" (replicate {replicate})" if replicate is not None
           else f" (mean of {n} replicates)" if n > 1 else "")
    ax.set_title(f"Controller by region on {when}{how}")
    ax.set_xlabel("Areas: nearest region centre, clipped to the country. Borders and coast: "
                  "Natural Earth 1:110m", fontsize="xx-small", color="#555555", loc="left")
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1.0 / np.cos(np.deg2rad((lat0 + lat1) / 2)))
    ax.tick_params(labelsize="x-small")
    ax.set_xticks(ax.get_xticks(), [f"{t:g}°E" for t in ax.get_xticks()])
    ax.set_yticks(ax.get_yticks(), [f"{t:g}°N" for t in ax.get_yticks()])
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    _spread_labels(ax, texts)
    return ax


def _spread_labels(ax: Axes, texts: list[Any]) -> None:
    """Place labels so that none overlaps another: each (in order, the large regions first) takes
    the first free spot of eight around its point, else stays where it is."""
    if len(texts) < 2:
        return
    fig: Any = ax.figure
    while not isinstance(fig, Figure):  # a SubFigure: its root Figure lays out and draws
        fig = fig.figure
    fig.draw_without_rendering()  # final layout and limits, so that extents are right
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    spots = [((4, 3), "left", "bottom"), ((4, -3), "left", "top"), ((-4, 3), "right", "bottom"),
             ((-4, -3), "right", "top"), ((0, 6), "center", "bottom"), ((0, -6), "center", "top"),
             ((8, 0), "left", "center"), ((-8, 0), "right", "center")]
    placed: list[Any] = []
    frame = ax.get_window_extent(renderer)
    order = sorted(range(len(texts)), key=lambda k: texts[k].get_fontweight() != "bold")
    for k in order:
        t = texts[k]
        for (dx, dy), ha, va in spots:
            t.set_position((dx, dy))
            t.set_ha(ha)
            t.set_va(va)
            box = t.get_window_extent(renderer).expanded(1.04, 1.15)
            inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(o) for o in placed):
                break
        else:
            (dx, dy), ha, va = spots[0]
            t.set_position((dx, dy))
            t.set_ha(ha)
            t.set_va(va)
        placed.append(t.get_window_extent(renderer))


@analysis("plot.control_maps")
def control_maps(ds: xr.Dataset, times: Sequence[int] | None = None, *, ncols: int = 2,
                 replicate: int | None = None) -> Figure:
    """Small multiples of :func:`control_map` over time: at the recorded steps ``times``
    (indices; default four evenly spaced from the first to the last), one legend."""
    nt = ds.sizes["time"]
    if times is None:
        times = sorted({int(round(x)) for x in np.linspace(0, nt - 1, 4)})
    nrows = int(np.ceil(len(times) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.8 * nrows + 0.6),
                             layout="constrained", squeeze=False)
    for ax, t in zip(axes.flat, times):
        control_map(ds, t, ax=ax, labels=False, legend=False, offmap=False, replicate=replicate)
        ax.set_title(np.datetime_as_string(ds["time"].values[t], unit="D"), fontsize="medium")
        ax.set_xlabel("")
    _hide_unused(axes, len(times))
    colors = _colors(ds)
    c = _reduce(ds["control"].isel(time=list(times)).astype(np.float64), replicate)
    leaders = {str(a) for a in c["actor"].values[np.unique(c.argmax("actor").values)]}
    handles = [Patch(facecolor=colors[a], alpha=0.85, label=a)
               for a in [str(x) for x in ds["actor"].values] if a in leaders]
    handles += [Patch(facecolor="#bbbbbb", alpha=0.5, hatch="///", label="contested"),
                Patch(facecolor=VACUUM_COLOR, hatch="...", label="vacuum ≥ ½")]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 8),
               fontsize="small", frameon=False)
    fig.suptitle("Controller by region over time")
    return fig


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
    mark_events(ax, ds)
    return ax


@analysis("plot.fan_grid")
def fan_grid(ds: xr.Dataset, variable: str = "control_share_pop",
             actors: Sequence[str] | None = None, *, ncols: int = 4,
             q: Sequence[float] = (0.05, 0.5, 0.95), sharey: bool = True) -> Figure:
    """One fan chart per actor (small multiples on one y scale, so that panels compare;
    ``sharey=False`` gives each its own, to show the spread of small actors)."""
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
        mark_events(ax, ds, names=False)
        _small_panel(ax, a)
    _hide_unused(axes, len(actors))
    n = ds.sizes.get("replicate", 1)
    fig.suptitle(f"{da.attrs.get('long_name', variable)}: median and "
                 f"{round(q[0] * 100)}–{round(q[-1] * 100)}% of {n} replicates")
    return fig


@analysis("plot.casualties")
def casualties(ds: xr.Dataset, *, ax: Axes | None = None, q: Sequence[float] = (0.05, 0.5, 0.95),
               min_losses: float = 1.0) -> Axes:
    """Cumulative combat losses per actor over time: median and 5–95% band over replicates, on
    a symmetric-log scale (linear below 10) so that small actors' losses show beside a large
    one's."""
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
    ax.set_yscale("symlog", linthresh=10.0)
    ax.set_ylim(bottom=0)
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
        colors = {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(levels)}
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
