"""The shareable report (`python -m powershift report FILE OUT.html`): one self-contained HTML
file, opened in headless Chromium (Debian's `chromium`), with no console error, no failed or
network request, and every section there; the report on bad and unsupported input."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import PYTHON_DIR, UNDER_CTEST, child_env

SECTIONS = ["provenance", "headline", "tables", "interactive", "maps", "figures"]
TABLES = ["table-summary", "table-controllers", "table-attribution", "table-counterfactual"]
CHECK_JS = Path(__file__).resolve().parent / "browser" / "check.js"
# Links that may point outside the file: documentation only (the report has none today).
DOC_LINK = re.compile(r"^https://(www\.)?(naturalearthdata\.com|plotly\.com/javascript)/")


def artifact_dir(tmp_path: Path) -> Path:
    """Where the screenshot and the PNG maps are kept: build/<preset>/test-artifacts under
    ctest, else the test's tmp dir."""
    d = Path(PYTHON_DIR).parent / "test-artifacts" if PYTHON_DIR else tmp_path
    d.mkdir(parents=True, exist_ok=True)
    return d


def run_report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "powershift", "report", *args],
                          capture_output=True, text=True, env=child_env(), timeout=600)


@pytest.fixture(scope="module")
def run_file(ps, small_ensemble, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("run") / "run.h5"
    ps.save(small_ensemble, path)
    return path


@pytest.fixture(scope="module")
def html_file(run_file) -> Path:
    out = run_file.parent / "report.html"
    done = run_report(str(run_file), str(out), "--dpi", "80")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    assert done.stderr == ""  # no progress bar when not on a terminal, no warnings
    return out


class _Refs(HTMLParser):
    """Every src/href of the markup (scripts' text is not markup) and the ids."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.refs.append((tag, name, value))
            if name == "id" and value:
                self.ids.add(value)


def outside_refs(markup: str) -> tuple[list[tuple[str, str, str]], set[str]]:
    p = _Refs()
    p.feed(markup)
    bad = [(t, n, v) for t, n, v in p.refs
           if not (v.startswith("#") or v.startswith("data:")) and not DOC_LINK.match(v)]
    return bad, p.ids


def test_html_report_is_self_contained(html_file, small_ensemble):
    text = html_file.read_text(encoding="utf-8")
    bad, ids = outside_refs(text)
    assert bad == []  # no http(s), file or relative URL: nothing to fetch
    assert not re.search(r"<script[^>]*\bsrc=", text)  # plotly.js is inline
    assert "Plotly.newPlot" in text
    for section in SECTIONS + TABLES:
        assert section in ids, section
    assert {"fig-control_map", "fig-control_maps"} <= ids
    a = small_ensemble.attrs
    for value in (a["scenario_hash"], a["scenario_name"], a["powershift_version"]):
        assert str(value) in text
    assert text.count('src="data:image/png;base64,') >= 9


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if UNDER_CTEST:
            pytest.fail("chromium is not installed (scripts/install-deps.sh installs it)")
        pytest.skip("chromium is not installed")
    return exe


def browse(exe: str, page: Path, *extra: str) -> subprocess.CompletedProcess:
    home = page.parent / "chromium-home"  # a profile of its own, not the user's
    return subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--disable-background-networking", "--enable-logging=stderr",
         "--v=0", f"--user-data-dir={home}", "--virtual-time-budget=15000",
         "--window-size=1280,4000", *extra, page.as_uri()],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(home)})


def test_html_report_in_headless_chromium(html_file, tmp_path):
    exe = chromium()
    # A copy with a checker first in <head>: it records console errors and warnings, uncaught
    # errors, failed loads, XHR/fetch calls and every resource requested, into #browser-check.
    page = tmp_path / "checked.html"
    text = html_file.read_text(encoding="utf-8")
    page.write_text(text.replace("<head>", f"<head><script>{CHECK_JS.read_text()}</script>", 1),
                    encoding="utf-8")
    done = browse(exe, page, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="browser-check">([^<]*)</pre>', done.stdout)
    assert found, "the checker did not run: " + done.stderr[-2000:]
    assert json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")) == []
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []  # nothing written to the console at all
    dom = done.stdout
    bad, ids = outside_refs(dom)  # the DOM after the scripts ran (plotly's modebar included)
    assert bad == []
    for section in SECTIONS + TABLES:
        assert section in ids, section
    # plotly drew every interactive figure: one SVG plot per figure div.
    plots = dom.count('class="plotly-graph-div')
    assert plots == 4 and dom.count('class="main-svg"') >= plots
    shot = artifact_dir(tmp_path) / "report-chromium.png"
    done = browse(exe, html_file, f"--screenshot={shot}")
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def one_line_error(done: subprocess.CompletedProcess, name: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert name in lines[0] and lines[0].startswith("python -m powershift report: error: ")
    return lines[0]


def test_report_on_unreadable_input(run_file, tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(os.urandom(4096))
    cut = tmp_path / "cut.h5"
    cut.write_bytes(run_file.read_bytes()[: run_file.stat().st_size // 3])
    text = tmp_path / "notes.txt"
    text.write_text("not a model output\n")
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("i", np.arange(3.0))}).to_netcdf(other, engine="h5netcdf")
    for path in (junk, cut, text):
        line = one_line_error(run_report(str(path), str(tmp_path / "r.html")), str(path))
        assert "not a readable powershift output" in line
    line = one_line_error(run_report(str(other), str(tmp_path / "r.html")), str(other))
    assert "not a powershift output" in line
    one_line_error(run_report(str(tmp_path), str(tmp_path / "r.html")), str(tmp_path))
    assert not (tmp_path / "r.html").exists()


@pytest.fixture(scope="module")
def merged_file(small_ensemble, tmp_path_factory) -> Path:
    """A merged sweep as docs/output-format.md describes it: the members' variables along a
    leading `member` dimension, with the member's parameter as a coordinate, no events and
    no scenario_text (they stay in the member files)."""
    one = small_ensemble.drop_dims("event")
    one.attrs = {k: v for k, v in one.attrs.items() if k != "scenario_text"}
    merged = xr.concat([one, one], dim=pd.Index([3, 4], name="member"))
    merged = merged.assign_coords(pace=("member", [30.0, 60.0]))
    path = tmp_path_factory.mktemp("sweep") / "merged.h5"
    merged.to_netcdf(path, engine="h5netcdf")
    return path


def test_report_on_a_merged_sweep(merged_file, tmp_path):
    line = one_line_error(run_report(str(merged_file), str(tmp_path / "r.html")), str(merged_file))
    assert "merged sweep of 2 members (3..4)" in line and "--member" in line
    line = one_line_error(run_report(str(merged_file), str(tmp_path / "r.html"), "--member", "7"),
                          str(merged_file))
    assert "no member 7" in line
    out = tmp_path / "member4.html"
    done = run_report(str(merged_file), str(out), "--member", "4", "--dpi", "60")
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "<th>member</th>" in text and "<th>member pace</th>" in text
    assert 'id="fig-control_map"' in text and outside_refs(text)[0] == []


def test_plots_refuse_a_merged_sweep_with_the_way_forward(ps, merged_file):
    ds = ps.load(merged_file)
    for draw in (ps.plot.control_over_time, ps.plot.control_map, ps.plot.fan_grid,
                 ps.plot.casualties, ps.plot.control_regions):
        with pytest.raises(ps.metrics.SweepDatasetError, match=r"merged sweep of 2 members.*ds\.isel\(member=0\)"):
            draw(ds)
    ax = ps.plot.control_over_time(ds.isel(member=0))
    assert ax.has_data()


def test_report_progress(ps, small_ensemble, tmp_path, capsys):
    from powershift.report import html_report

    html_report(small_ensemble, tmp_path / "quiet.html", dpi=50)
    assert capsys.readouterr().err == ""  # not a terminal: silent
    html_report(small_ensemble, tmp_path / "loud.html", dpi=50, progress=True)
    err = capsys.readouterr().err
    # tqdm redraws the bar as each part is done: 9 figures and the interactive series.
    assert "report:" in err and "10/10" in err


def test_report_on_a_merged_sweep_from_the_cli(cli, ps, tmp_path):
    """A real merged sweep (`powershift sweep run` + `merge` of the two-towns grid: 6 members,
    only `control_share_pop`, `vacuum_share` and `control` kept)."""
    spec = ps.scenario_dir() / "sweeps" / "two-towns-grid.yaml"
    work = tmp_path / "sweep"
    for args in (["sweep", "run", str(spec), "--dir", str(work)],
                 ["sweep", "merge", str(spec), "--dir", str(work), "-o", str(work / "merged.h5")]):
        done = subprocess.run([cli, *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    merged = work / "merged.h5"
    line = one_line_error(run_report(str(merged), str(tmp_path / "r.html")), str(merged))
    assert "a merged sweep of 6 members (0..5)" in line
    out = tmp_path / "m5.html"
    done = run_report(str(merged), str(out), "--member", "5", "--dpi", "50")
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    # Member 5 of the grid (pace 10, 30, 50 x scope 0.5, 1.0; the last parameter fastest): pace
    # 50, scope 1.0.
    assert re.search(r"<th>member pace</th>\s*<td>50", text) and re.search(
        r"<th>member scope</th>\s*<td>1(\.0)?<", text)
    assert 'id="fig-control_map"' in text and outside_refs(text)[0] == []
