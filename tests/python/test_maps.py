"""Maps that can go in a brief (plot.control_map): land, sea, coastline and country borders
from the shipped Natural Earth data, regions as areas coloured by controller, placed labels;
and the time axes' event marks, shared fan scales and the palette."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection

from test_report_html import artifact_dir

# Syria's extent (CIA World Factbook, "Geographic coordinates" and the boundary it describes:
# about 32.3 to 37.3 N and 35.7 to 42.4 E).
SYRIA_LON = (35.7, 42.4)
SYRIA_LAT = (32.3, 37.3)


def by_gid(ax, gid):
    return [c for c in ax.collections if c.get_gid() == gid]


def test_syria_control_map_is_a_map(ps, small_ensemble, tmp_path):
    import matplotlib.pyplot as plt

    ds = small_ensemble
    ax = ps.plot.control_map(ds)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    # The frame holds the whole country, with a margin, and not much more.
    assert x0 <= SYRIA_LON[0] and x1 >= SYRIA_LON[1] and y0 <= SYRIA_LAT[0] and y1 >= SYRIA_LAT[1]
    assert x1 - x0 < (SYRIA_LON[1] - SYRIA_LON[0]) + 2.0
    assert y1 - y0 < (SYRIA_LAT[1] - SYRIA_LAT[0]) + 1.5
    (land,) = by_gid(ax, "land")
    assert isinstance(land, PathCollection) and len(land.get_paths()[0].vertices) > 20
    (coast,) = by_gid(ax, "coastline")
    (borders,) = by_gid(ax, "borders")
    assert isinstance(coast, LineCollection) and isinstance(borders, LineCollection)
    coast_pts = np.concatenate(coast.get_segments())
    border_pts = np.concatenate(borders.get_segments())
    # The only sea in the frame is the Mediterranean, west of 36.5 E; borders run all round.
    assert len(coast_pts) > 5 and coast_pts[:, 0].max() < 36.5
    assert border_pts[:, 0].min() < 36.5 and border_pts[:, 0].max() > 41.5
    assert border_pts[:, 1].min() < 33.0 and border_pts[:, 1].max() > 37.0
    # Areas: one per populated region (population at least 2% of the largest), each inside the
    # frame and filled with its controller's colour (the largest mean control at the end).
    onmap = ~ds["region_offmap"].values.astype(bool)
    pop = ds["region_population"].values
    areas = [str(r) for r, o, p in zip(ds["region"].values, onmap, pop) if o and p >= 0.02 * pop[onmap].max()]
    patches = {p.get_gid().split(":", 1)[1]: p for p in ax.patches if str(p.get_gid()).startswith("region:")}
    assert sorted(patches) == sorted(areas) and "Damascus" in patches and "Hmeimim" not in patches
    ctrl = ps.metrics.controllers(ds)
    colors = ps.plot.actor_colors([str(a) for a in ds["actor"].values])
    import matplotlib.colors as mcolors

    for region, patch in patches.items():
        v = patch.get_path().vertices
        assert v[:, 0].min() >= x0 and v[:, 0].max() <= x1 and v[:, 1].min() >= y0
        row = ctrl.loc[region]
        if row["vacuum"] < 0.5:
            want = mcolors.to_rgb(colors[row["controller"]])
            assert np.allclose(patch.get_facecolor()[:3], want), region
    # Labels: display names, none overlapping another.
    fig = ax.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text()]
    names = {t.get_text() for t in labels}
    assert {"Rif Dimashq", "Deir Ez Zor", "Damascus"} <= names and "RifDimashq" not in names
    boxes = [t.get_window_extent(renderer) for t in labels]
    overlaps = [(labels[i].get_text(), labels[j].get_text()) for i in range(len(boxes))
                for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    assert overlaps == []
    assert "Controller by region on 2025-04-07" in ax.get_title()  # the date shown: day 120
    assert ax.get_legend() is not None
    fig.savefig(artifact_dir(tmp_path) / "syria-control-map.png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def test_control_maps_over_time(ps, small_ensemble, tmp_path):
    import matplotlib.pyplot as plt

    fig = ps.plot.control_maps(small_ensemble, times=[0, 60, 120])
    maps = [ax for ax in fig.axes if ax.get_visible() and by_gid(ax, "coastline")]
    assert [ax.get_title() for ax in maps] == ["2024-12-08", "2025-02-06", "2025-04-07"]
    fig.savefig(artifact_dir(tmp_path) / "syria-control-maps.png", dpi=70)
    plt.close(fig)


def test_time_axes_mark_the_scenario_events(ps, small_ensemble):
    import matplotlib.pyplot as plt

    # syria-2024-12.yaml: russia-drawdown on day 1, russia-turkey-warming on day 30, from
    # 2024-12-08.
    want = {"event:russia-drawdown": "2024-12-09", "event:russia-turkey-warming": "2025-01-07"}
    for ax in (ps.plot.control_over_time(small_ensemble), ps.plot.fan(small_ensemble, "vacuum_share"),
               ps.plot.casualties(small_ensemble)):
        marks = {ln.get_gid(): str(np.datetime64(ln.get_xdata()[0], "D"))
                 for ln in ax.lines if str(ln.get_gid()).startswith("event:")}
        assert marks == want
        plt.close(ax.figure)


def test_fans_share_a_y_scale_and_the_palette_is_the_safe_one(ps, small_ensemble):
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt

    fig = ps.plot.fan_grid(small_ensemble)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) > 2 and len({ax.get_ylim() for ax in shown}) == 1
    plt.close(fig)
    actors = [str(a) for a in small_ensemble["actor"].values]
    colors = ps.plot.actor_colors(actors)
    # Okabe-Ito's first colours, then Paul Tol's muted set; no two actors share one.
    assert mcolors.to_hex(colors[actors[0]]) == "#0072b2"
    assert mcolors.to_hex(colors[actors[1]]) == "#e69f00"
    assert len(set(colors.values())) == len(actors)


def test_casualties_on_a_log_scale(ps, small_ensemble):
    import matplotlib.pyplot as plt

    ax = ps.plot.casualties(small_ensemble)
    assert ax.get_yscale() == "symlog"
    plt.close(ax.figure)


def test_display_names(ps, small_ensemble):
    assert ps.plot.display_name(small_ensemble, "RifDimashq") == "Rif Dimashq"
    assert ps.plot.display_name(small_ensemble, "AlTanf") == "Al Tanf"
    assert ps.plot.display_name(small_ensemble, "Homs") == "Homs"


@pytest.mark.parametrize("time", [0, -1])
def test_map_draws_on_given_axes(ps, small_ensemble, time):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert ps.plot.control_map(small_ensemble, time, ax=ax, labels=False) is ax
    assert by_gid(ax, "coastline") and by_gid(ax, "borders")
    plt.close(fig)
