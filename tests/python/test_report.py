"""Metrics helpers and `python -m powershift report`."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import child_env

FIGURES = ["control_overall.png", "control_regions.png", "control_map.png", "control_maps.png",
           "attribution_net.png", "counterfactual.png", "fan_control_share.png", "fan_vacuum.png",
           "casualties.png"]


def test_control_share_and_effective_actors(ps, small_ensemble):
    ds = small_ensemble
    onmap = [str(r) for r, o in zip(ds.region.values, ds.region_offmap.values) if not o]
    recomputed = ps.metrics.control_share(ds, regions=onmap)
    assert np.allclose(recomputed, ds.control_share_pop, atol=1e-6)  # float32 fields
    eff = ps.metrics.effective_actors(ds.control_share_pop)
    assert np.allclose(eff, ds.effective_actors, rtol=1e-9)
    some = ps.metrics.control_share(ds, regions=["Hmeimim", "Latakia"], weight="value")
    assert float(some.sum("actor").max()) <= 1.0 + 1e-6
    vac = ps.metrics.vacuum(ds)
    assert vac.dims == ("replicate", "time", "region") and float(vac.min()) >= -1e-5


def test_attribution_tables(ps, syria, small_ensemble):
    # Model v2 (docs/model.md §4.1): at the baseline's scope 0.7 the remaining Russian forces hold
    # Hmeimim, so the tables are checked on the full-scope drawdown: all 4,200 free Russian
    # strength outside the TartusBase and Qamishli garrisons is ordered out by day 60 and leaves
    # through the exits (150 + 400 a day), after which Russia's control of Hmeimim decays as
    # (1 - zeta)^t, so by day 120 more than half of it is lost.
    full = ps.run_ensemble(syria.override({"events[0].scope": 1.0}), replicates=4, seed=5,
                           steps=120, counterfactual=True, threads=2)
    table = ps.metrics.attribution_table(full)
    assert "Hmeimim" in table.index and table.loc["Hmeimim", "lost"] > 0.5
    gains = table.drop(columns=["lost", "unfilled"]).sum(axis=1)
    assert np.allclose(table["lost"], gains + table["unfilled"], atol=1e-9)
    cf = ps.metrics.counterfactual_table(full)
    assert list(cf.columns) == ["region", "actor", "mean", "sd", "q05", "q95", "replicates"]
    top = cf.iloc[0]
    assert (top["region"], top["actor"]) == ("Hmeimim", "russia") and top["mean"] < 0
    assert (cf["q05"] <= cf["q95"]).all()
    m = ps.metrics.counterfactual_matrix(small_ensemble)
    assert m.shape == (small_ensemble.sizes["region"], small_ensemble.sizes["actor"])
    assert isinstance(ps.metrics.summary_table(small_ensemble), pd.DataFrame)
    ctrl = ps.metrics.controllers(small_ensemble)
    assert ctrl.loc["TartusBase", "controller"] == "russia"
    ev = ps.metrics.events_table(small_ensemble)
    assert len(ev) == small_ensemble.sizes["event"] and set(ev["kind"]) <= {
        "control_change", "withdrawal", "engagement", "collapse"}


def test_no_counterfactual_is_a_clear_error(ps, syria):
    ds = ps.run_ensemble(syria, replicates=1, steps=40, fields=["control"])
    with pytest.raises(ValueError, match="counterfactual=True"):
        ps.metrics.counterfactual_table(ds)


def test_report_writes_figures_and_summary(ps, small_ensemble, tmp_path):
    data = tmp_path / "run.h5"
    ps.save(small_ensemble, data)
    out = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "powershift", "report", str(data), "-o", str(out)],
                          capture_output=True, text=True, env=child_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    for name in FIGURES:
        png = out / name
        assert png.is_file(), name
        head = png.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, name
        assert str(png) in done.stdout
    summary = (out / "summary.md").read_text()
    assert summary.startswith("# powershift report: syria-2024-12")
    for part in ("## Headline", "Net attribution of russia", "Paired counterfactual", "](control_map.png)"):
        assert part in summary
    assert "-0.000" not in summary  # rounded as shown, no negative zeros
    page = out / "report.html"
    assert str(page) in done.stdout and page.read_text().startswith("<!DOCTYPE html>")


def test_report_of_a_missing_file(tmp_path):
    done = subprocess.run([sys.executable, "-m", "powershift", "report", str(tmp_path / "no.h5")],
                          capture_output=True, text=True, env=child_env(), timeout=120)
    assert done.returncode == 2 and "no such file" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_plots_draw_on_given_axes(ps, small_ensemble):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3)
    ps.plot.control_over_time(small_ensemble, "Hmeimim", ax=axes[0, 0])
    ps.plot.control_map(small_ensemble, time=0, ax=axes[0, 1])
    ps.plot.attribution(small_ensemble, ax=axes[0, 2])
    ps.plot.counterfactual(small_ensemble, ax=axes[1, 0])
    ps.plot.fan(small_ensemble, "control", actors=["hts"], region="Latakia", ax=axes[1, 1])
    ps.plot.casualties(small_ensemble, ax=axes[1, 2])
    assert all(ax.has_data() for ax in axes.flat)
    plt.close(fig)
