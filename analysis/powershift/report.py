"""``python -m powershift report FILE -o DIR``: the standard figures (PNG) of an output and a
short Markdown summary."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import numpy as np
import pandas as pd
import xarray as xr

from . import metrics

PathLike = Union[str, "os.PathLike[str]"]


def _markdown_table(df: pd.DataFrame, floatfmt: str = "{:.3f}",
                    formats: dict[str, str] | None = None) -> str:
    """A DataFrame as a Markdown table (index as the first column); ``formats`` per column."""
    formats = formats or {}
    cols = [df.index.name or ""] + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for idx, row in df.iterrows():
        cells = [str(idx)]
        for col, v in zip(df.columns, row.values):
            if isinstance(v, (float, np.floating)):
                fmt = formats.get(str(col), floatfmt)
                shown = fmt.format(v)
                if float(shown.replace("+", "")) == 0.0:  # no "-0.000"
                    shown = fmt.format(0.0)
                cells.append(shown)
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(source: xr.Dataset | PathLike, outdir: PathLike, *, dpi: int = 120) -> list[Path]:
    """Write the figures and ``summary.md`` for a file or Dataset into ``outdir`` (created);
    returns the paths written. Figures: control overall and by region (stacked areas), the
    control map, net vacuum attribution, the paired counterfactual (if recorded), ensemble fan
    charts of control shares and of the vacuum, casualties."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot
    from .io import load

    ds = source if isinstance(source, xr.Dataset) else load(source)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    figures: list[tuple[str, str]] = []

    def save(fig, name: str, caption: str) -> None:
        path = out / name
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
        figures.append((name, caption))

    has_control = "control" in ds
    ax = plot.control_over_time(ds)
    save(ax.figure, "control_overall.png", "Population-weighted control over time (stacked), vacuum on top")
    if has_control:
        save(plot.control_regions(ds), "control_regions.png", "Control over time in each region")
        ax = plot.control_map(ds)
        save(ax.figure, "control_map.png", "Controller of each region at the end, edges, exits and bases")
    withdrawing = ds.attrs.get("withdrawing_actor") or ""
    if withdrawing:
        ax = plot.attribution(ds)
        save(ax.figure, "attribution_net.png", f"Net attribution of the control {withdrawing} lost")
    if "counterfactual_effect" in ds:
        ax = plot.counterfactual(ds)
        save(ax.figure, "counterfactual.png", "Paired counterfactual: the drawdown's effect with its spread")
    save(plot.fan_grid(ds, "control_share_pop"), "fan_control_share.png",
         "Population-weighted control per actor: median and 5–95% of replicates")
    ax = plot.fan(ds, "vacuum_share")
    save(ax.figure, "fan_vacuum.png", "Population-weighted vacuum: median and 5–95% of replicates")
    ax = plot.casualties(ds)
    save(ax.figure, "casualties.png", "Cumulative combat losses per actor")

    summary = out / "summary.md"
    summary.write_text(_summary(ds, figures), encoding="utf-8")
    written.append(summary)
    return written


def _summary(ds: xr.Dataset, figures: list[tuple[str, str]]) -> str:
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
    ]
    vac0 = float(ds["vacuum_share"].isel(time=0).mean())
    vac1 = float(ds["vacuum_share"].isel(time=-1).mean())
    eff1 = float(ds["effective_actors"].isel(time=-1).mean())
    lines += [
        "## Headline",
        "",
        f"- Population-weighted vacuum: {vac0:.3f} on day 0, {vac1:.3f} at the end (mean).",
        f"- Effective number of actors at the end: {eff1:.2f}.",
    ]
    withdrawing = a.get("withdrawing_actor") or ""
    if withdrawing:
        table = metrics.attribution_table(ds)
        if len(table):
            gains = table.drop(columns=["lost", "unfilled"]).sum().sort_values(ascending=False)
            top = ", ".join(f"{k} {v:.2f}" for k, v in gains.head(3).items() if v > 0.005)
            lines.append(f"- {withdrawing} lost {table['lost'].sum():.2f} region-shares of control "
                         f"in {len(table)} region(s); net gains: {top or 'none'}; "
                         f"still vacuum {table['unfilled'].sum():.2f}.")
    if "counterfactual_effect" in ds:
        cf = metrics.counterfactual_table(ds)
        if len(cf):
            r = cf.iloc[0]
            lines.append(f"- Largest paired effect of the drawdown: {r['actor']} in {r['region']} "
                         f"{r['mean']:+.2f} (sd {r['sd']:.2f}, 5–95% {r['q05']:+.2f} to {r['q95']:+.2f}).")
        else:
            lines.append("- The paired counterfactual finds no effect of at least 0.01.")
    lines += ["", "## Actors (mean over replicates)", "",
              _markdown_table(metrics.summary_table(ds), "{:.3f}"), ""]
    if "control" in ds:
        lines += ["## Controllers at the end", "",
                  _markdown_table(metrics.controllers(ds), "{:.2f}"), ""]
    if withdrawing:
        table = metrics.attribution_table(ds)
        lines += [f"## Net attribution of {withdrawing}'s lost control", ""]
        lines += [_markdown_table(table, "{:.3f}") if len(table) else "_no control lost_", ""]
    if "counterfactual_effect" in ds:
        cf = metrics.counterfactual_table(ds).head(10)
        lines += ["## Paired counterfactual (largest effects)", ""]
        lines += [_markdown_table(
            cf.set_index("region"), "{:+.3f}", {"sd": "{:.3f}"}) if len(cf) else "_no effect ≥ 0.01_", ""]
    lines += ["## Figures", ""]
    for name, caption in figures:
        lines += [f"### {caption}", "", f"![{caption}]({name})", ""]
    return "\n".join(lines)
