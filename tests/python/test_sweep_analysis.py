"""Analysis functions on a merged sweep (a `member` dimension): every plot of one run refuses it
with the way forward (one member, `ps.metrics.member`, or `plot.members`), does the right thing
given one member, and labels that are not in the Dataset get a "did you mean"."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import SOURCE_DIR  # noqa: E402

TWO_TOWNS = SOURCE_DIR / "scenarios" / "examples" / "two-towns.yaml"
OUTPUTS = ["control", "control_share_pop", "vacuum_share", "forces_total", "casualties",
           "attribution_net", "attribution_lost", "attribution_unfilled"]


@pytest.fixture(scope="module")
def merged(ps, tmp_path_factory):
    """A merged sweep: 3 paces x 2 scopes of the two-towns drawdown, 2 replicates each."""
    spec = ps.sweep.grid(TWO_TOWNS, {"events[0].pace_days": [15, 30, 60], "events[0].scope": [0.5, 1.0]},
                         name="analysis-check", replicates=2, seed=3,
                         record={"fields": ["control"], "interval": 10}, outputs=OUTPUTS)
    return ps.sweep.run(spec, dir=tmp_path_factory.mktemp("sweep") / "s", threads=2, progress=False)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


ONE_RUN_PLOTS = {
    "control_over_time": {},
    "control_regions": {},
    "attribution": {},
    "counterfactual": {},
    "fan": {},
    "fan_grid": {},
    "casualties": {},
}


@pytest.mark.parametrize("name", sorted(ONE_RUN_PLOTS))
def test_plots_of_one_run_refuse_a_sweep_and_say_how(ps, merged, name):
    fn = getattr(ps.plot, name)
    with pytest.raises(ps.metrics.SweepDatasetError) as e:
        fn(merged, **ONE_RUN_PLOTS[name])
    message = str(e.value)
    assert f"plot.{name}: this Dataset is a merged sweep of 6 members (parameters: pace_days, scope)" in message
    assert "ps.metrics.member(ds, pace_days=15" in message and "plot.members" in message


@pytest.mark.parametrize("name", sorted(ONE_RUN_PLOTS))
def test_plots_of_one_run_draw_one_member(ps, merged, name):
    one = ps.metrics.member(merged, pace_days=30, scope=1.0)
    assert int(one.member) == 3 and "member" not in one.dims
    fn = getattr(ps.plot, name)
    if name == "counterfactual":  # a sweep's members have no paired counterfactual
        with pytest.raises(ValueError, match="no counterfactual in this Dataset"):
            fn(one)
        return
    out = fn(one)
    fig = out.figure if hasattr(out, "figure") and not isinstance(out, matplotlib.figure.Figure) else out
    assert isinstance(fig, matplotlib.figure.Figure)
    # Something was drawn from the member's own data (not every member piled up).
    assert any(ax.lines or ax.collections or ax.patches for ax in fig.axes)


def test_members_plot_draws_one_line_per_member(ps, merged):
    ax = ps.plot.members(merged, "control_share_pop", actor="militia")
    assert len(ax.lines) == 6
    # Each line is its member's replicate mean.
    expected = merged.control_share_pop.sel(actor="militia").mean("replicate")
    for i, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_ydata(), expected.isel(member=i).values)
    ax = ps.plot.members(merged, "vacuum_share", hue="scope")
    assert len(ax.lines) == 6
    with pytest.raises(ValueError, match="choose one with actor="):
        ps.plot.members(merged, "control_share_pop")
    with pytest.raises(KeyError, match="did you mean 'scope'"):
        ps.plot.members(merged, "vacuum_share", hue="scop")
    with pytest.raises(KeyError, match="did you mean 'vacuum_share'"):
        ps.plot.members(merged, "vacum_share")


def test_metrics_keep_the_member_dimension_or_refuse(ps, merged):
    share = ps.metrics.control_share(merged, regions=["Upper", "Lower"])
    assert share.dims == ("member", "replicate", "time", "actor")
    vac = ps.metrics.vacuum(merged)
    assert vac.sizes["member"] == 6 and vac.name == "vacuum"
    for name in ("controllers", "summary_table", "attribution_table", "events_table"):
        with pytest.raises(ps.metrics.SweepDatasetError, match=f"metrics.{name}: this Dataset is a merged sweep"):
            getattr(ps.metrics, name)(merged)
    table = ps.metrics.attribution_table(ps.metrics.member(merged, 5))
    assert table.index.name == "region"


def test_member_selection_errors(ps, merged):
    with pytest.raises(KeyError, match="1 members have|0 members have"):
        ps.metrics.member(merged, pace_days=31)
    with pytest.raises(KeyError, match="members \\[0, 1\\] match"):
        ps.metrics.member(merged, pace_days=15)
    with pytest.raises(KeyError, match="did you mean 'pace_days'"):
        ps.metrics.member(merged, pace=15, scope=0.5)
    with pytest.raises(KeyError, match="no member 6"):
        ps.metrics.member(merged, 6)


def test_labels_get_a_did_you_mean(ps, small_ensemble):
    with pytest.raises(KeyError, match=r"plot.control_over_time: no region 'Hmeimm' .*did you mean 'Hmeimim'"):
        ps.plot.control_over_time(small_ensemble, region="Hmeimm")
    with pytest.raises(ValueError, match=r"metrics.control_share: no region 'Tartous'.*did you mean 'Tartus'"):
        ps.metrics.control_share(small_ensemble, regions=["Tartous"])
    with pytest.raises(KeyError, match=r"plot.fan: no actor 'turky'.*did you mean 'turkey'"):
        ps.plot.fan(small_ensemble, actors=["turky"])
    with pytest.raises(KeyError, match=r"plot.fan: no variable 'control_share'.*did you mean 'control_share_pop'"):
        ps.plot.fan(small_ensemble, "control_share")
