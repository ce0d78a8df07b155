"""Sweeps from Python: spec dicts (built by hand or by ps.sweep.grid/lhs/sobol/morris) are the
YAML files the command reads, and ps.sweep.run reports progress as members finish, in the order
they finish (a local run, a process pool, Dask), on a terminal (faked here) or to a callback."""
from __future__ import annotations

import io
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Executor, Future
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import SOURCE_DIR
from fake_tty import FakeTTY

sys.path.insert(0, str(SOURCE_DIR / "tests" / "e2e"))
from sweep_support import differences, member_files  # noqa: E402

TWO_TOWNS = SOURCE_DIR / "scenarios" / "examples" / "two-towns.yaml"
PARAMS = {"events[0].pace_days": [15, 30, 60], "events[0].scope": [0.5, 1.0]}


def small_grid(ps, **options):
    options = {"replicates": 2, "seed": 7, "record": {"fields": ["control"], "interval": 10},
               "outputs": ["control_share_pop", "vacuum_share", "control"], **options}
    return ps.sweep.grid(TWO_TOWNS, PARAMS, **options)


def done_markers(d: Path) -> int:
    return len(list((d / "members").glob("member-*.done"))) if (d / "members").is_dir() else 0


def test_grid_builds_the_spec_a_file_would_hold(ps):
    spec = small_grid(ps, name="pace-scope")
    assert spec["sweep"] == "pace-scope"
    assert spec["scenario"] == str(TWO_TOWNS)
    assert spec["design"] == {"type": "grid"}
    assert spec["parameters"] == [
        {"name": "pace_days", "path": "events[0].pace_days", "values": [15, 30, 60]},
        {"name": "scope", "path": "events[0].scope", "values": [0.5, 1.0]}]
    table = ps.sweep.expand(spec)
    # A full grid, last parameter fastest: 3 x 2 members, seeds seed + m (per_member).
    assert list(table["pace_days"]) == [15, 15, 30, 30, 60, 60]
    assert list(table["scope"]) == [0.5, 1.0] * 3
    assert list(table["seed"]) == list(range(7, 13))


def test_names_fall_back_to_the_whole_path_and_tuples_are_ranges(ps):
    spec = ps.sweep.lhs(TWO_TOWNS, {"events[0].scope": (0.2, 1.0), "relations[0].value": [0.1, 0.9],
                                    "regions[0].terrain": {"name": "terrain", "distribution": {"uniform": [1, 2]}}},
                        samples=16, design_seed=3)
    assert [p["name"] for p in spec["parameters"]] == ["scope", "value", "terrain"]
    assert spec["parameters"][0]["range"] == {"first": 0.2, "last": 1.0}
    assert spec["design"] == {"type": "latin_hypercube", "samples": 16, "seed": 3}
    table = ps.sweep.expand(spec)
    assert len(table) == 16
    assert table["scope"].between(0.2, 1.0).all() and set(table["value"]) <= {0.1, 0.9}
    # One stratum of 1/16 per member: the scope values fall one in each sixteenth of [0.2, 1].
    strata = np.floor((table["scope"].to_numpy() - 0.2) / 0.8 * 16).astype(int)
    assert sorted(strata) == list(range(16))
    twice = ps.sweep.grid(TWO_TOWNS, {"events[0].scope": [0.5], "events[1].scope": [1.0]})
    assert [p["name"] for p in twice["parameters"]] == ["scope", "events_1_scope"]
    with pytest.raises(TypeError, match="a grid needs a list"):
        ps.sweep.grid(TWO_TOWNS, {"events[0].scope": (0.2, 1.0)})


def test_sobol_and_morris_member_counts(ps):
    params = {"events[0].scope": (0.2, 1.0), "events[0].pace_days": (10, 90)}
    # Saltelli: N (D + 2) members, N (2D + 2) with second order; Morris: r (D + 1).
    assert len(ps.sweep.expand(ps.sweep.sobol(TWO_TOWNS, params, 8))) == 8 * 4
    assert len(ps.sweep.expand(ps.sweep.sobol(TWO_TOWNS, params, 8, second_order=True))) == 8 * 6
    assert len(ps.sweep.expand(ps.sweep.morris(TWO_TOWNS, params, 5, levels=4))) == 5 * 3
    with pytest.raises(ps.InputError, match="power of two"):
        ps.sweep.expand(ps.sweep.sobol(TWO_TOWNS, params, 12))


def test_a_bad_dict_is_reported_as_the_command_reports_a_bad_file(ps, tmp_path):
    spec = ps.sweep.grid(TWO_TOWNS, {"events[0].pace_dayz": [10]})
    with pytest.raises(ps.InputError, match=r"unknown key 'pace_dayz'.*did you mean 'pace_days'"):
        ps.sweep.run(spec, dir=tmp_path / "bad", progress=False)
    assert not (tmp_path / "bad" / "members").exists()


def test_a_dict_run_from_python_equals_its_written_spec_run_by_the_command(ps, cli, tmp_path):
    spec = small_grid(ps)
    ds = ps.sweep.run(spec, dir=tmp_path / "py", threads=2, progress=False)
    written = tmp_path / "py" / "spec.yaml"
    assert yaml.safe_load(written.read_text()) == spec
    assert ps.sweep.status(spec, tmp_path / "py").complete
    assert list(ds.pace_days.values) == [15, 15, 30, 30, 60, 60]
    proc = subprocess.run([cli, "sweep", "run", str(written), "--dir", str(tmp_path / "cli"), "--threads", "2", "-q"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([cli, "sweep", "merge", str(written), "--dir", str(tmp_path / "cli")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    py, cl = member_files(tmp_path / "py"), member_files(tmp_path / "cli")
    assert len(py) == len(cl) == 6
    for x, y in zip(py, cl):
        assert differences(x, y) == [], x.name
    assert differences(tmp_path / "py" / "two-towns-grid.h5", tmp_path / "cli" / "two-towns-grid.h5") == []


def test_progress_bar_on_a_terminal_follows_a_local_run(ps, tmp_path, monkeypatch):
    import powershift._progress

    monkeypatch.setattr(powershift._progress, "MININTERVAL", 0.0)  # draw every update
    tty = FakeTTY(lambda: done_markers(tmp_path / "local"))
    monkeypatch.setattr(sys, "stderr", tty)
    ps.sweep.run(small_grid(ps), dir=tmp_path / "local", threads=1)
    shown = tty.counts(6)
    assert shown[0][0] == 0 and shown[-1][0] == 6
    # Every member counted once, and never before its marker was on disk.
    assert sorted({n for n, _ in shown}) == list(range(7))
    assert all(n <= done for n, done in shown)
    # Not silent on a pipe: no bar at all.
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    ps.sweep.run(small_grid(ps), dir=tmp_path / "again")
    assert pipe.getvalue() == ""


class LastFirstExecutor(Executor):
    """Runs its tasks one at a time on a thread, the most recently submitted first, once the
    first task has waited a moment: completion order is the reverse of submission order. After
    each task it waits for ``proceed`` (set by the test's progress callback), so that the
    callback sees exactly the members of the tasks finished so far."""

    def __init__(self) -> None:
        self.queue: deque = deque()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.proceed = threading.Event()

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        with self.lock:
            self.queue.append((future, fn, args, kwargs))
            if self.thread is None:
                self.thread = threading.Thread(target=self._work)
                self.thread.start()
        return future

    def _work(self) -> None:
        threading.Event().wait(0.5)  # every task submitted by then
        while True:
            with self.lock:
                if not self.queue:
                    return
                future, fn, args, kwargs = self.queue.pop()
            future.set_result(fn(*args, **kwargs))
            self.proceed.wait(timeout=120)
            self.proceed.clear()

    def shutdown(self, wait=True, **kwargs):
        if self.thread is not None and wait:
            self.thread.join()


def test_executor_progress_is_in_completion_order(ps, tmp_path):
    d = tmp_path / "lifo"
    seen: list[tuple[int, int, int]] = []
    ex = LastFirstExecutor()

    def progress(done: int, total: int) -> None:
        seen.append((done, total, done_markers(d)))
        ex.proceed.set()

    ps.sweep.run(small_grid(ps), executor=ex, dir=d, members_per_task=2, progress=progress)
    ex.shutdown()
    # Three tasks of two members, finishing last-first: each report comes when its task is done
    # (reports in submission order would wait for the first task, finished last: 6 on disk at 2).
    assert seen == [(2, 6, 2), (4, 6, 4), (6, 6, 6)]


def test_process_pool_and_dask_report_every_member(ps, tmp_path, monkeypatch):
    from concurrent.futures import ProcessPoolExecutor

    import powershift._progress

    monkeypatch.setattr(powershift._progress, "MININTERVAL", 0.0)
    tty = FakeTTY(lambda: done_markers(tmp_path / "pool"))
    monkeypatch.setattr(sys, "stderr", tty)
    with ProcessPoolExecutor(2) as pool:
        ps.sweep.run(small_grid(ps), executor=pool, dir=tmp_path / "pool", members_per_task=1)
    shown = tty.counts(6)
    assert sorted({n for n, _ in shown}) == list(range(7)) and all(n <= done for n, done in shown)

    distributed = pytest.importorskip("distributed")
    d = tmp_path / "dask"
    seen: list[tuple[int, int]] = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        ds = ps.sweep.run(small_grid(ps), executor=client.get_executor(), dir=d, members_per_task=1,
                          progress=lambda done, total: seen.append((done, done_markers(d))))
    assert [n for n, _ in seen] == [1, 2, 3, 4, 5, 6] and all(n <= done for n, done in seen)
    assert ds.sizes["member"] == 6
