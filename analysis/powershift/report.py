"""Reports of powershift outputs.

- :func:`html_report` (``python -m powershift report FILE OUT.html``): one self-contained HTML
  file to send or archive: the provenance (scenario, hash, seed, version, command), the
  headline, the summary, controller, attribution and counterfactual tables, interactive time
  series (plotly, its library embedded), the maps and the figures (PNG embedded as ``data:``
  URIs). Nothing in it loads from the network.
- :func:`report` (``python -m powershift report FILE -o DIR``): the same figures as PNG files,
  ``summary.md`` (Markdown) and ``report.html`` in a directory.

A merged sweep (``powershift sweep merge``: a ``member`` dimension) is reported one member at a
time (``member=``, ``--member``); an input that is not a powershift output raises
:class:`ReportError` naming the file.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd
import xarray as xr

from . import metrics

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["ReportError", "html_report", "open_output", "report"]


class ReportError(ValueError):
    """The input cannot be reported: unreadable, not a powershift output, or a merged sweep
    without a member chosen. The message is one line and names the file."""


# The variables without which there is nothing to report.
_REQUIRED = ("time", "actor")


def open_output(source: xr.Dataset | PathLike, member: int | None = None) -> xr.Dataset:
    """The Dataset to report: ``source`` itself or the file it names, with ``member`` chosen
    from a merged sweep. Raises :class:`ReportError` (one line naming the file) when the file
    cannot be read, is not a powershift output, or is a merged sweep and ``member`` is None or
    not one of its members."""
    from .io import load

    name = "the Dataset" if isinstance(source, xr.Dataset) else os.fspath(source)
    if isinstance(source, xr.Dataset):
        ds = source
    else:
        if not Path(name).is_file():
            raise ReportError(f"{name}: no such file")
        try:
            ds = load(name)
        except Exception as e:  # h5netcdf, h5py and xarray raise many kinds: all mean unreadable
            why = " ".join(str(e).split()) or type(e).__name__
            raise ReportError(f"{name}: not a readable powershift output (netCDF-4/HDF5): "
                              f"{why}") from None
    missing = [v for v in _REQUIRED if v not in ds.variables]
    if missing or not any(v in ds for v in ("control_share_pop", "control")):
        raise ReportError(f"{name}: not a powershift output (no {', '.join(missing) or 'control'}"
                          " variable; see docs/output-format.md)")
    if "member" in ds.dims:
        members = [int(m) for m in ds["member"].values]
        span = f"{members[0]}..{members[-1]}" if members else "none"
        if member is None:
            raise ReportError(
                f"{name}: a merged sweep of {len(members)} members ({span}): report one with "
                "--member M (member=M in Python), or its member file")
        if member not in members:
            raise ReportError(f"{name}: no member {member} in this merged sweep (members {span})")
        ds = ds.sel(member=member)
    elif member is not None:
        raise ReportError(f"{name}: --member {member} given, but this is not a merged sweep")
    if "replicate" not in ds.dims:
        ds = ds.expand_dims("replicate")
    return ds


@dataclass
class _Figure:
    name: str
    caption: str
    png: bytes
    section: str = "figures"


@dataclass
class _Built:
    figures: list[_Figure] = field(default_factory=list)
    interactive: list[tuple[str, Any]] = field(default_factory=list)  # (caption, plotly figure)


def _progress(total: int, enabled: bool | None) -> Any:
    """A tqdm bar (a widget in Jupyter, a bar on a terminal); ``enabled=None``: only where the
    output is a terminal or a notebook, silent otherwise."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="report", unit="part", disable=None if enabled is None
                else not enabled, leave=False)


def _build(ds: xr.Dataset, dpi: int, progress: bool | None) -> _Built:
    """Every figure the Dataset's variables allow, as PNG bytes, and the interactive series."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from . import plot

    has = ds.__contains__
    withdrawing = str(ds.attrs.get("withdrawing_actor") or "")
    onmap_geo = has("control") and all(v in ds.variables for v in (
        "region_lat", "region_lon", "region_offmap", "region_population"))
    steps: list[tuple[str, str, str, Callable[[], Any]]] = [
        ("control_overall.png", "Population-weighted control over time (stacked), vacuum on top; "
         "dotted lines mark the scenario's events", "figures", lambda: plot.control_over_time(ds)),
    ]
    if onmap_geo:
        steps += [
            ("control_map.png", "Controller of each region at the end", "maps",
             lambda: plot.control_map(ds)),
            ("control_maps.png", "Controller of each region over time", "maps",
             lambda: plot.control_maps(ds)),
            ("control_regions.png", "Control over time in each region", "figures",
             lambda: plot.control_regions(ds)),
        ]
    if withdrawing and has("attribution_net"):
        steps.append(("attribution_net.png", f"Net attribution of the control {withdrawing} lost",
                      "figures", lambda: plot.attribution(ds)))
    if has("counterfactual_effect"):
        steps.append(("counterfactual.png", "Paired counterfactual: the drawdown's effect with its "
                      "spread", "figures", lambda: plot.counterfactual(ds)))
    if has("control_share_pop"):
        steps.append(("fan_control_share.png", "Population-weighted control per actor: median and "
                      "5–95% of replicates", "figures", lambda: plot.fan_grid(ds, "control_share_pop")))
    if has("vacuum_share"):
        steps.append(("fan_vacuum.png", "Population-weighted vacuum: median and 5–95% of "
                      "replicates", "figures", lambda: plot.fan(ds, "vacuum_share")))
    if has("casualties"):
        steps.append(("casualties.png", "Cumulative combat losses per actor (symmetric log scale)",
                      "figures", lambda: plot.casualties(ds)))
    built = _Built()
    with _progress(len(steps) + 1, progress) as bar:
        for name, caption, section, draw in steps:
            bar.set_postfix_str(name, refresh=False)
            made = draw()
            fig = made if isinstance(made, Figure) else made.figure
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
            plt.close(fig)
            built.figures.append(_Figure(name, caption, buf.getvalue(), section))
            bar.update()
        bar.set_postfix_str("interactive", refresh=False)
        built.interactive = _interactive(ds)
        bar.update()
    return built


def _interactive(ds: xr.Dataset) -> list[tuple[str, Any]]:
    """Plotly time series: median and 5–95% band over replicates, per actor where the variable
    has actors, with the scenario's events as dotted lines."""
    import plotly.graph_objects as go
    from matplotlib.colors import to_hex

    from .plot import _colors, event_dates

    colors = _colors(ds)
    t = pd.to_datetime(ds["time"].values)
    out: list[tuple[str, Any]] = []
    specs = [("control_share_pop", "Population-weighted control per actor", "share", False),
             ("vacuum_share", "Population-weighted vacuum", "share", False),
             ("casualties", "Cumulative combat losses per actor", "strength lost", True),
             ("effective_actors", "Effective number of actors", "actors", False)]
    for var, title, ylabel, log in specs:
        if var not in ds:
            continue
        da = ds[var].astype(np.float64)
        qs = metrics.band(da)
        fig = go.Figure()
        series = ([str(a) for a in da["actor"].values] if "actor" in da.dims else [None])
        for a in series:
            sel = qs.sel(actor=a) if a is not None else qs
            hi = sel.isel(quantile=-1).values
            if a is not None and float(np.nanmax(hi)) < (1.0 if log else 0.005):
                continue
            color = to_hex(colors[a]) if a is not None else "#333333"
            label = a or var
            fig.add_trace(go.Scatter(x=t, y=sel.isel(quantile=0).values, mode="lines",
                                     line={"width": 0}, legendgroup=label, showlegend=False,
                                     hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=t, y=hi, mode="lines", line={"width": 0}, fill="tonexty",
                                     fillcolor=_rgba(color, 0.22), legendgroup=label,
                                     showlegend=False, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=t, y=sel.isel(quantile=1).values, mode="lines",
                                     name=label, legendgroup=label, line={"color": color, "width": 2},
                                     hovertemplate=f"{label}: %{{y:.3g}}<extra>%{{x|%Y-%m-%d}}</extra>"))
        for when, name in event_dates(ds):
            if t[0] <= when <= t[-1]:
                x = pd.Timestamp(when)
                fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, xref="x", yref="paper",
                              line={"color": "#444444", "width": 1, "dash": "dot"})
                fig.add_annotation(x=x, y=1, xref="x", yref="paper", text=html.escape(name),
                                   showarrow=False, textangle=-90, xanchor="left", yanchor="top",
                                   font={"size": 10, "color": "#444444"})
        n = ds.sizes.get("replicate", 1)
        fig.update_layout(title=f"{title}: median and 5–95% of {n} replicates", height=420,
                          margin={"l": 60, "r": 20, "t": 50, "b": 40}, template="plotly_white",
                          yaxis_title=ylabel, hovermode="x unified")
        if log:
            fig.update_yaxes(type="log")
        out.append((title, fig))
    return out


def _rgba(color: Any, alpha: float) -> str:
    from matplotlib.colors import to_rgb

    r, g, b = (round(255 * c) for c in to_rgb(color))
    return f"rgba({r},{g},{b},{alpha})"


def _tables(ds: xr.Dataset) -> list[tuple[str, str, pd.DataFrame, str]]:
    """(id, title, table, float format) for every table the Dataset's variables allow."""
    out: list[tuple[str, str, pd.DataFrame, str]] = []
    if all(v in ds for v in ("control_share_pop", "control_share_value", "forces_total",
                             "casualties", "withdrawn")):
        out.append(("summary", "Actors (mean over replicates)", metrics.summary_table(ds), ".3f"))
    if "control" in ds and "region_offmap" in ds.variables:
        out.append(("controllers", "Controllers at the end", metrics.controllers(ds), ".2f"))
    withdrawing = ds.attrs.get("withdrawing_actor") or ""
    if withdrawing and "attribution_net" in ds:
        out.append(("attribution", f"Net attribution of {withdrawing}'s lost control",
                    metrics.attribution_table(ds), ".3f"))
    if "counterfactual_effect" in ds:
        cf = metrics.counterfactual_table(ds).head(15)
        out.append(("counterfactual", "Paired counterfactual (largest effects)",
                    cf.set_index(["region", "actor"]), "+.3f"))
    return out


def _clean(df: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """A copy rounded as ``fmt`` shows it, without negative zeros (``-0.000``)."""
    digits = int(fmt.rsplit(".", 1)[1].rstrip("f"))
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(digits) + 0.0
    return out


def _headline(ds: xr.Dataset) -> list[str]:
    lines = []
    if "vacuum_share" in ds:
        vac0 = float(ds["vacuum_share"].isel(time=0).mean())
        vac1 = float(ds["vacuum_share"].isel(time=-1).mean())
        lines.append(f"Population-weighted vacuum: {vac0:.3f} on day 0, {vac1:.3f} at the end (mean).")
    if "effective_actors" in ds:
        lines.append(f"Effective number of actors at the end: "
                     f"{float(ds['effective_actors'].isel(time=-1).mean()):.2f}.")
    withdrawing = ds.attrs.get("withdrawing_actor") or ""
    if withdrawing and "attribution_net" in ds:
        table = metrics.attribution_table(ds)
        if len(table):
            gains = table.drop(columns=["lost", "unfilled"]).sum().sort_values(ascending=False)
            top = ", ".join(f"{k} {v:.2f}" for k, v in gains.head(3).items() if v > 0.005)
            lines.append(f"{withdrawing} lost {table['lost'].sum():.2f} region-shares of control "
                         f"in {len(table)} region(s); net gains: {top or 'none'}; "
                         f"still vacuum {table['unfilled'].sum():.2f}.")
    if "counterfactual_effect" in ds:
        cf = metrics.counterfactual_table(ds)
        if len(cf):
            r = cf.iloc[0]
            lines.append(f"Largest paired effect of the drawdown: {r['actor']} in {r['region']} "
                         f"{r['mean']:+.2f} (sd {r['sd']:.2f}, 5–95% {r['q05']:+.2f} to "
                         f"{r['q95']:+.2f}).")
        else:
            lines.append("The paired counterfactual finds no effect of at least 0.01.")
    return lines


_PROVENANCE = ("scenario_name", "scenario_path", "scenario_hash", "seed", "replicates", "steps",
               "dt_days", "start_date", "powershift_version", "powershift_build", "command_line",
               "created", "sweep_name", "design", "design_members", "missing_members")


def _provenance(ds: xr.Dataset) -> pd.DataFrame:
    rows = [(k, str(ds.attrs[k])) for k in _PROVENANCE if k in ds.attrs and str(ds.attrs[k]) != ""]
    if "member" in ds.coords:  # one member of a merged sweep: its index, seed and parameters
        rows.append(("member", str(int(ds["member"]))))
        for name, coord in ds.coords.items():
            if coord.dims == () and name not in ("member", "time", "quantile"):
                rows.append((f"member {name}", str(coord.values)))
    start = np.datetime_as_string(ds["time"].values[0], unit="D")
    end = np.datetime_as_string(ds["time"].values[-1], unit="D")
    rows.append(("recorded", f"{ds.sizes['time']} steps, {start} to {end}"))
    return pd.DataFrame(rows, columns=["", "value"]).set_index("")


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:1rem 2rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
nav a{margin-right:1rem}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555}pre{background:#f7f7f7;padding:.6rem;overflow:auto;
font-size:.75rem;max-height:30rem}code{font-size:.85rem}
"""


def _html(ds: xr.Dataset, built: _Built) -> str:
    import plotly.io as pio

    a = ds.attrs
    title = f"powershift report: {a.get('scenario_name', '?')}"
    esc = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        '<nav><a href="#provenance">Provenance</a><a href="#headline">Headline</a>'
        '<a href="#tables">Tables</a><a href="#interactive">Time series</a><a href="#maps">Maps</a>'
        '<a href="#figures">Figures</a></nav>',
        '<section id="provenance"><h2>Provenance</h2>',
        _provenance(ds).to_html(border=0, escape=True),
    ]
    if a.get("scenario_text"):
        parts.append("<details><summary>Scenario (YAML, as run)</summary><pre>"
                     f"{esc(str(a['scenario_text']))}</pre></details>")
    parts.append("</section>")
    parts.append('<section id="headline"><h2>Headline</h2><ul>')
    parts += [f"<li>{esc(line)}</li>" for line in _headline(ds)]
    parts.append("</ul></section>")
    parts.append('<section id="tables"><h2>Tables</h2>')
    for tid, ttitle, table, fmt in _tables(ds):
        parts.append(f'<div id="table-{tid}"><h3>{esc(ttitle)}</h3>')
        if len(table):
            parts.append(_clean(table, fmt).to_html(border=0, float_format=lambda v, f=fmt: format(v, f)))
        else:
            parts.append("<p><em>none</em></p>")
        parts.append("</div>")
    parts.append("</section>")
    parts.append('<section id="interactive"><h2>Time series (interactive)</h2>'
                 "<p>Hover for values; click a legend entry to hide a series, double-click to "
                 "show it alone; drag to zoom.</p>")
    config = {"displaylogo": False, "responsive": True}
    for k, (_, fig) in enumerate(built.interactive):
        # The first figure carries plotly.js itself (inline, no network); the others use it.
        parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=(k == 0),
                                 include_mathjax=False, config=config))
    parts.append("</section>")
    for section, heading in (("maps", "Maps"), ("figures", "Figures")):
        parts.append(f'<section id="{section}"><h2>{heading}</h2>')
        for f in built.figures:
            if f.section != section:
                continue
            data = base64.b64encode(f.png).decode("ascii")
            parts.append(f'<figure id="fig-{esc(f.name.removesuffix(".png"))}">'
                         f'<img alt="{esc(f.caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{esc(f.caption)}</figcaption></figure>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def html_report(source: xr.Dataset | PathLike, path: PathLike, *, member: int | None = None,
                dpi: int = 110, progress: bool | None = None) -> Path:
    """Write one self-contained HTML report of a file or Dataset to ``path`` (its folder must
    exist); returns the path. ``member`` picks a member of a merged sweep; ``progress``: a tqdm
    bar (None: only on a terminal or in a notebook). Raises :class:`ReportError` on input that
    cannot be reported."""
    ds = open_output(source, member)
    built = _build(ds, dpi, progress)
    out = Path(path)
    out.write_text(_html(ds, built), encoding="utf-8")
    return out


def report(source: xr.Dataset | PathLike, outdir: PathLike, *, dpi: int = 120,
           member: int | None = None, progress: bool | None = None) -> list[Path]:
    """Write the figures (PNG), ``summary.md`` and ``report.html`` for a file or Dataset into
    ``outdir`` (created); returns the paths written. Figures: control overall and by region,
    the control map and maps over time, net vacuum attribution, the paired counterfactual (if
    recorded), fan charts of control shares and of the vacuum, casualties."""
    ds = open_output(source, member)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    built = _build(ds, dpi, progress)
    written: list[Path] = []
    for f in built.figures:
        p = out / f.name
        p.write_bytes(f.png)
        written.append(p)
    summary = out / "summary.md"
    summary.write_text(_summary(ds, built.figures), encoding="utf-8")
    written.append(summary)
    page = out / "report.html"
    page.write_text(_html(ds, built), encoding="utf-8")
    written.append(page)
    return written


def _summary(ds: xr.Dataset, figures: list[_Figure]) -> str:
    a = ds.attrs
    n = ds.sizes.get("replicate", 1)
    start = np.datetime_as_string(ds["time"].values[0], unit="D")
    end = np.datetime_as_string(ds["time"].values[-1], unit="D")
    lines = [
        f"# powershift report: {a.get('scenario_name', '?')}",
        "",
        f"- {n} replicate{'s' if n != 1 else ''}, seed {a.get('seed', '?')}, "
        f"{a.get('steps', '?')} steps of {a.get('dt_days', '?')} day(s), {start} to {end}",
        f"- scenario hash `{a.get('scenario_hash', '?')}`, powershift {a.get('powershift_version', '?')}"
        f" ({a.get('powershift_build', '?')})",
        f"- made by: `{a.get('command_line', '?')}`",
        "",
        "## Headline",
        "",
    ]
    lines += [f"- {line}" for line in _headline(ds)]
    lines.append("")
    for _, title, table, fmt in _tables(ds):
        lines += [f"## {title}", ""]
        lines += [_clean(table, fmt).to_markdown(floatfmt=fmt) if len(table) else "_none_", ""]
    lines += ["## Figures", ""]
    for f in figures:
        lines += [f"### {f.caption}", "", f"![{f.caption}]({f.name})", ""]
    return "\n".join(lines)
