"""`powershift sweep` on one machine: the design table, members identical to single runs and
across shards and thread counts, status, merge and its refusal of gaps, SIGKILL and SIGTERM in
the middle of a sweep, and bad specs (exit 2, located, nothing written)."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from sweep_support import GRID_STUDY, SOURCE, TWO_TOWNS, differences, member_files, run

BIN = os.environ.get("POWERSHIFT_BIN")
pytestmark = pytest.mark.skipif(not BIN, reason="POWERSHIFT_BIN not set")


def sweep(*args, **kwargs) -> subprocess.CompletedProcess:
    return run(BIN, "sweep", *args, **kwargs)


def test_expand_writes_the_grid_in_nested_loop_order():
    proc = sweep("expand", TWO_TOWNS)
    assert proc.returncode == 0, proc.stderr
    # The spec: pace 10..50 step 20 (BehaviorSpace's first/step/last), scope [0.5, 1.0], the
    # last parameter varying fastest; per_member seeds are seed (7) + member.
    expected = ["member,seed,pace,scope"] + [
        f"{i},{7 + i},{pace},{scope}" for i, (pace, scope) in
        enumerate((p, s) for p in (10, 30, 50) for s in ("0.5", "1.0"))]
    assert proc.stdout.splitlines() == expected
    assert "6 members (grid design, 2 parameters, 2 replicates each)" in proc.stderr
    assert sweep("expand", TWO_TOWNS).stdout == proc.stdout, "indices are stable"


def test_every_member_equals_powershift_run_with_its_overrides_and_seed(tmp_path):
    d = tmp_path / "sw"
    proc = sweep("run", TWO_TOWNS, "--dir", d, "--threads", "2")
    assert proc.returncode == 0, proc.stderr
    files = member_files(d)
    assert len(files) == 6
    for f in files:
        with h5py.File(f, "r") as h:
            line = h.attrs["command_line"]
            command = shlex.split(line.decode() if isinstance(line, bytes) else str(line))
        assert command[:2] == ["powershift", "run"]
        single = tmp_path / f"single-{f.stem}.h5"
        command[command.index("-o") + 1] = str(single)
        done = subprocess.run([BIN, *command[1:], "-q"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert differences(f, single) == [], f


def test_shards_and_thread_counts_do_not_change_a_member(tmp_path):
    whole, sharded = tmp_path / "whole", tmp_path / "sharded"
    assert sweep("run", TWO_TOWNS, "--dir", whole, "--threads", "2").returncode == 0
    for i in range(4):  # 4 shards of 6 members: 2, 2, 2, 0
        proc = sweep("run", TWO_TOWNS, "--dir", sharded, "--shard", f"{i}/4", "--threads", "1")
        assert proc.returncode == 0, proc.stderr
    env = dict(os.environ, SLURM_ARRAY_TASK_ID="1", SLURM_ARRAY_TASK_COUNT="3")
    assert "shard 1/3, members 2-3" in sweep("run", TWO_TOWNS, "--dir", tmp_path / "slurmish", env=env).stderr
    a, b = member_files(whole), member_files(sharded)
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b):
        assert differences(x, y) == [], x.name
    for d in (whole, sharded):
        assert sweep("merge", TWO_TOWNS, "--dir", d).returncode == 0
    assert differences(whole / "two-towns-grid.h5", sharded / "two-towns-grid.h5") == []


def test_merged_file_has_a_member_dimension_and_parameters_as_coordinates(tmp_path):
    xr = pytest.importorskip("xarray")
    d = tmp_path / "sw"
    assert sweep("run", TWO_TOWNS, "--dir", d).returncode == 0
    proc = sweep("merge", TWO_TOWNS, "--dir", d)
    assert proc.returncode == 0, proc.stderr
    with xr.open_dataset(d / "two-towns-grid.h5", engine="h5netcdf") as ds:
        assert ds.sizes["member"] == 6
        assert list(ds.pace.values) == [10, 10, 30, 30, 50, 50]
        assert list(ds.scope.values) == [0.5, 1.0] * 3
        assert list(ds.seed.values) == list(range(7, 13))
        assert {"pace", "scope", "seed"} <= set(ds.coords)
        sel = ds.set_index(member=["pace", "scope"]).sel(pace=30, scope=1.0)
        # Member 3's own file holds the same numbers.
        with xr.open_dataset(d / "members" / "member-000003.h5", engine="h5netcdf") as m3:
            np.testing.assert_array_equal(sel.control_share_pop.values, m3.control_share_pop.values)
            np.testing.assert_array_equal(sel.control.values, m3.control.values)
        assert ds.attrs["design"] == "grid" and ds.attrs["design_members"] == 6
        assert ds.attrs["missing_members"] == ""


def test_merge_refuses_gaps_and_names_them(tmp_path):
    xr = pytest.importorskip("xarray")
    d = tmp_path / "sw"
    assert sweep("run", TWO_TOWNS, "--dir", d, "--members", "0-2,5").returncode == 0
    proc = sweep("merge", TWO_TOWNS, "--dir", d)
    assert proc.returncode == 2
    assert "2 of 6 members are not done: 3-4" in proc.stderr
    assert not (d / "two-towns-grid.h5").exists()
    st = sweep("status", TWO_TOWNS, "--dir", d)
    assert st.returncode == 1
    assert "done     4" in st.stdout and "missing  2" in st.stdout
    assert "not done: members 3-4" in st.stdout
    assert "--array=1-2" in st.stdout  # members_per_task 2: members 3 and 4 are in tasks 1 and 2
    partial = sweep("merge", TWO_TOWNS, "--dir", d, "--allow-missing")
    assert partial.returncode == 0, partial.stderr
    with xr.open_dataset(d / "two-towns-grid.h5", engine="h5netcdf") as ds:
        assert list(ds.member.values) == [0, 1, 2, 5]
        assert ds.attrs["missing_members"] == "3 4"


def _wait_for_done(members: Path, at_least: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(list(members.glob("*.done"))) >= at_least:
            return
        assert proc.poll() is None, "the sweep finished before it could be interrupted"
        time.sleep(0.01)
    raise AssertionError("no member finished in time")


def _snapshot(d: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in member_files(d)
            if p.with_suffix(".done").exists()}


def test_sigkill_mid_sweep_then_rerun_recomputes_only_unfinished_members(tmp_path):
    d = tmp_path / "sw"
    proc = subprocess.Popen([BIN, "sweep", "run", str(GRID_STUDY), "--dir", str(d), "--threads", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_done(d / "members", 5, proc)
    proc.kill()
    proc.wait()
    st = sweep("status", GRID_STUDY, "--dir", d, "--json")
    assert st.returncode == 1
    import json
    before = json.loads(st.stdout)
    done = before["done"]
    assert 5 <= len(done) < 60 and before["failed"] == []
    assert sorted(done + before["missing"]) == list(range(60))
    kept = _snapshot(d)
    assert len(kept) == len(done)

    again = sweep("run", GRID_STUDY, "--dir", d, "--threads", "2")
    assert again.returncode == 0, again.stderr
    assert f"{60 - len(done)} run, {len(done)} already done, 0 failed" in again.stderr
    after = _snapshot(d)
    assert all(after[name] == kept[name] for name in kept), "finished members were not rewritten"
    assert sweep("status", GRID_STUDY, "--dir", d).returncode == 0
    assert not [p for p in (d / "members").iterdir() if ".partial." in p.name or ".tmp." in p.name]


def test_sigterm_checkpoints_members_and_the_rerun_matches_an_uninterrupted_sweep(tmp_path):
    reference, d = tmp_path / "ref", tmp_path / "sw"
    # Four Syria members of 24 replicates each: long enough to be caught part-way.
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""sweep: caught
scenario: {SOURCE / 'scenarios/syria-2024-12.yaml'}
parameters:
  - name: scope
    path: events[0].scope
    values: [0.4, 0.6, 0.8, 1.0]
design: {{type: grid}}
replicates: 24
record: {{fields: [control], interval: 30}}
""")
    assert sweep("run", spec, "--dir", reference, "--threads", "2").returncode == 0
    proc = subprocess.Popen([BIN, "sweep", "run", str(spec), "--dir", str(d), "--threads", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_done(d / "members", 0, proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the sweep finished before SIGTERM arrived (machine too fast for this timing)")
    assert proc.returncode == 75, err
    assert "stopped (checkpointed)" in err
    assert list((d / "members").glob("*.ckpt")), "running members wrote checkpoints"
    assert not (d / "members" / "member-000000.done").exists() or not (d / "members" / "member-000001.done").exists()
    again = sweep("run", spec, "--dir", d, "--threads", "2")
    assert again.returncode == 0, again.stderr
    assert not list((d / "members").glob("*.ckpt")), "checkpoints are spent"
    for x, y in zip(member_files(reference), member_files(d)):
        assert differences(x, y) == [], x.name


def test_a_damaged_member_file_is_not_counted_as_done(tmp_path):
    d = tmp_path / "sw"
    assert sweep("run", TWO_TOWNS, "--dir", d).returncode == 0
    victim = d / "members" / "member-000004.h5"
    victim.write_bytes(victim.read_bytes()[:1000])  # truncated: the marker's size no longer fits
    st = sweep("status", TWO_TOWNS, "--dir", d)
    assert st.returncode == 1 and "not done: members 4" in st.stdout
    again = sweep("run", TWO_TOWNS, "--dir", d)
    assert "1 run, 5 already done" in again.stderr
    # Same size, garbage content: the marker fits but the merge cannot read it and says which.
    size = victim.stat().st_size
    victim.write_bytes(b"\0" * size)
    merged = sweep("merge", TWO_TOWNS, "--dir", d)
    assert merged.returncode == 2
    assert "member-000004.h5" in merged.stderr and "HDF5" in merged.stderr
    assert not (d / "two-towns-grid.h5").exists()


def _spec(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(text.replace("SCENARIO", str(SOURCE / "scenarios/examples/two-towns.yaml")))
    return p


GOOD_PARAMS = "parameters:\n  - name: scope\n    path: events[0].scope\n    values: [0.5, 1.0]\n"
BAD_SPECS = {
    "unknown path": ("sweep: s\nscenario: SCENARIO\nparameters:\n  - name: pace\n    path: events[0].pace\n"
                     "    values: [10, 20]\ndesign: {type: grid}\n",
                     "bad.yaml:4:5: parameters.pace = 10: error: events[0].pace: unknown key 'pace'"),
    "index out of range": ("sweep: s\nscenario: SCENARIO\nparameters:\n  - name: x\n    path: events[3].scope\n"
                           "    values: [1]\ndesign: {type: grid}\n", "bad.yaml:4:5: parameters.x = 1: error: events[3]: index 3 is out of range"),
    "value out of range": ("sweep: s\nscenario: SCENARIO\nparameters:\n  - name: scope\n    path: events[0].scope\n"
                           "    values: [0.5, 1.5]\ndesign: {type: grid}\n", "bad.yaml:4:5: parameters.scope = 1.5: error: events[0].scope"),
    "empty range": ("sweep: s\nscenario: SCENARIO\nparameters:\n  - name: pace\n    path: events[0].pace_days\n"
                    "    range: {first: 30, step: 10, last: 20}\ndesign: {type: grid}\n",
                    "bad.yaml:6:12: error: parameters[0].range: is empty: first 30 is above last 20"),
    "sobol size": ("sweep: s\nscenario: SCENARIO\nparameters:\n  - name: scope\n    path: events[0].scope\n"
                   "    distribution: {uniform: [0.1, 1]}\ndesign: {type: sobol, samples: 48}\n",
                   "bad.yaml:7:32: error: design.samples: a Sobol design needs a power of two (as SALib's Saltelli scheme does), got 48 (nearest: 32 or 64)"),
    "unknown key": ("sweep: s\nscenario: SCENARIO\n" + GOOD_PARAMS + "design: {type: grid}\nreplicas: 3\n",
                    "bad.yaml:8:1: error: replicas: unknown key 'replicas' in a sweep spec (did you mean 'replicates'?)"),
    "wrong type": ("sweep: s\nscenario: SCENARIO\n" + GOOD_PARAMS + "design: {type: grid}\nreplicates: many\n",
                   "bad.yaml:8:13: error: replicates: must be an integer, got 'many'"),
    "missing scenario": ("sweep: s\nscenario: nowhere.yaml\n" + GOOD_PARAMS + "design: {type: grid}\n",
                         "bad.yaml:2:11: error: scenario: the base scenario"),
    "no design": ("sweep: s\nscenario: SCENARIO\n" + GOOD_PARAMS, "error: design: missing required key 'design'"),
    "unknown output": ("sweep: s\nscenario: SCENARIO\n" + GOOD_PARAMS + "design: {type: grid}\noutputs: [control_share]\n",
                       "bad.yaml:8:11: error: outputs[0]: unknown output variable 'control_share'"),
    "unrecorded field": ("sweep: s\nscenario: SCENARIO\n" + GOOD_PARAMS + "design: {type: grid}\nrecord: {fields: []}\noutputs: [control]\n",
                         "bad.yaml:9:11: error: outputs[0]: 'control' is a field the members do not record"),
    "malformed yaml": ("sweep: s\nscenario: SCENARIO\nparameters: [\n", "bad.yaml:4:1: error: invalid YAML"),
    "not a mapping": ("- just\n- a list\n", "bad.yaml:1:1: error: a sweep spec must be a mapping"),
    "empty": ("", "error: the sweep spec is empty"),
    "huge grid": ("sweep: s\nscenario: SCENARIO\nparameters:\n"
                  "  - {name: a, path: 'events[0].scope', range: {first: 0, step: 0.0001, last: 1}}\n"
                  "  - {name: b, path: 'events[0].pace_days', range: {first: 1, step: 0.01, last: 999}}\n"
                  "design: {type: grid}\n", "error: design: the design has more than 10000000 members"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_specs_exit_2_with_a_located_message_and_write_nothing(tmp_path, case):
    text, message = BAD_SPECS[case]
    spec = _spec(tmp_path, text)
    for sub in ("expand", "run", "slurm"):
        proc = sweep(sub, spec, *(["--dir", tmp_path / "out"] if sub != "expand" else []), timeout=60)
        assert proc.returncode == 2, (sub, proc.stderr)
        assert message in proc.stderr, (sub, proc.stderr)
        assert "internal error" not in proc.stderr
    assert not (tmp_path / "out").exists(), "no sweep directory for a bad spec"


@pytest.mark.parametrize("args,message", [
    (["--shard", "4/4"], "--shard 4/4: shard index 4 is out of range: shards are numbered 0 to 3"),
    (["--shard", "-1/4"], "--shard -1/4: shard index -1 is out of range"),
    (["--shard", "0/0"], "--shard 0/0: the shard count must be at least 1"),
    (["--shard", "two"], "--shard two: give it as INDEX/COUNT"),
    (["--members", "2-9"], "--members 2-9: member 9 is out of range: the design has members 0 to 5"),
    (["--members", "4-2"], "--members 4-2: '4-2' is an empty range"),
    (["--shard", "0/2", "--members", "1"], "--members and --shard: give one of them"),
])
def test_bad_shards_exit_2(tmp_path, args, message):
    proc = sweep("run", TWO_TOWNS, "--dir", tmp_path / "out", *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not list((tmp_path / "out").glob("members/*.h5")) if (tmp_path / "out").exists() else True


def test_slurm_array_out_of_range_task_is_refused(tmp_path):
    env = dict(os.environ, SLURM_ARRAY_TASK_ID="7", SLURM_ARRAY_TASK_COUNT="3")
    proc = sweep("run", TWO_TOWNS, "--dir", tmp_path / "o", env=env)
    assert proc.returncode == 2
    assert "SLURM_ARRAY_TASK_ID 7 + offset 0 of 3 shards: shard index 7 is out of range" in proc.stderr


def test_the_yaml_test_suite_never_crashes_the_spec_loader():
    # Where tests/e2e/test_yaml_test_suite.py finds the corpus.
    shared = Path(os.environ.get("SHARED_DIR") or SOURCE.parent / "shared")
    files = sorted((shared / "data" / "yaml-test-suite").glob("*.yaml"))
    if not files:
        pytest.skip(f"YAML test suite corpus not found under {shared} (set SHARED_DIR)")
    for f in files:
        proc = sweep("expand", f, timeout=30)
        assert proc.returncode == 2, (f.name, proc.returncode, proc.stderr[-500:])
        assert proc.stderr.startswith(str(f)) or "powershift" in proc.stderr, (f.name, proc.stderr)


def test_slurm_scripts_name_the_array_the_signal_and_the_merge(tmp_path):
    d = tmp_path / "sw"
    proc = sweep("slurm", TWO_TOWNS, "--dir", d, "--max-running", "2", "--time", "00:10:00", "--signal-lead", "60")
    assert proc.returncode == 0, proc.stderr
    array = (d / "slurm" / "array-0.sbatch").read_text()
    assert "#SBATCH --array=0-2%2" in array  # 6 members, 2 per task
    assert "#SBATCH --signal=B:USR1@60" in array and "#SBATCH --time=00:10:00" in array
    assert "--shard-count 3 --shard-offset 0" in array and array.count("exec ") == 1
    merge = (d / "slurm" / "merge.sbatch").read_text()
    assert "sweep merge" in merge and "--array" not in merge
    split = sweep("slurm", TWO_TOWNS, "--dir", tmp_path / "split", "--tasks", "6", "--max-array-size", "4")
    assert split.returncode == 0, split.stderr
    second = (tmp_path / "split" / "slurm" / "array-1.sbatch").read_text()
    assert "#SBATCH --array=0-1" in second and "--shard-count 6 --shard-offset 4" in second


def test_a_member_that_fails_is_reported_and_retried(tmp_path):
    d = tmp_path / "sw"
    (d / "members" / "member-000002.h5").mkdir(parents=True)  # its output target is refused
    proc = sweep("run", TWO_TOWNS, "--dir", d)
    assert proc.returncode == 1, proc.stderr
    assert "5 run, 0 already done, 1 failed" in proc.stderr
    assert "member 2:" in proc.stderr and "member-000002.h5: is a directory" in proc.stderr
    st = sweep("status", TWO_TOWNS, "--dir", d)
    assert st.returncode == 1
    assert "failed   1" in st.stdout and "failed member 2:" in st.stdout and "is a directory" in st.stdout
    assert "--array=1" in st.stdout
    merged = sweep("merge", TWO_TOWNS, "--dir", d)
    assert merged.returncode == 2 and "(failed: 2)" in merged.stderr
    (d / "members" / "member-000002.h5").rmdir()
    again = sweep("run", TWO_TOWNS, "--dir", d)
    assert again.returncode == 0 and "1 run, 5 already done, 0 failed" in again.stderr
    assert not (d / "members" / "member-000002.failed").exists()
    assert sweep("status", TWO_TOWNS, "--dir", d).returncode == 0


def test_each_parameter_is_checked_on_its_own(tmp_path):
    # A bad path in one parameter neither hides another's bad value nor is blamed on it.
    spec = _spec(tmp_path, "sweep: s\nscenario: SCENARIO\nparameters:\n"
                           "  - name: pace\n    path: events[0].pace\n    values: [10]\n"
                           "  - name: scope\n    path: events[0].scope\n    values: [0.5, 1.5]\n"
                           "design: {type: grid}\n")
    proc = sweep("expand", spec)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2, proc.stderr
    assert "bad.yaml:4:5: parameters.pace = 10: error: events[0].pace: unknown key 'pace'" in lines[0]
    assert "bad.yaml:7:5: parameters.scope = 1.5: error: events[0].scope" in lines[1]
    assert "(with parameter" not in proc.stderr


def test_merged_file_keeps_labels_and_the_runs_auxiliary_coordinates(tmp_path):
    xr = pytest.importorskip("xarray")
    spec = _spec(tmp_path, "sweep: lab\nscenario: SCENARIO\nparameters:\n"
                           "  - {name: scope, path: 'events[0].scope', values: [0.5, 1.0], labels: [half, all]}\n"
                           "design: {type: grid}\n")
    d = tmp_path / "sw"
    assert sweep("run", spec, "--dir", d).returncode == 0
    assert sweep("merge", spec, "--dir", d).returncode == 0
    with xr.open_dataset(d / "lab.h5", engine="h5netcdf") as ds:
        assert list(ds.scope.values) == ["half", "all"]
        assert ds.scope.attrs["distribution"] == "values (labelled)"
        assert {"region_population", "region_value", "actor_kind", "step"} <= set(ds.coords)
        assert list(ds.region_population.values[:3]) == [600000, 300000, 2000]  # two-towns.yaml


def test_auxiliary_coordinates_that_a_parameter_changes_are_left_out(tmp_path):
    xr = pytest.importorskip("xarray")
    spec = _spec(tmp_path, "sweep: pop\nscenario: SCENARIO\nparameters:\n"
                           "  - {name: people, path: 'regions[0].population', values: [1000, 50000]}\n"
                           "design: {type: grid}\n")
    d = tmp_path / "sw"
    assert sweep("run", spec, "--dir", d).returncode == 0
    assert sweep("merge", spec, "--dir", d).returncode == 0
    with xr.open_dataset(d / "pop.h5", engine="h5netcdf") as ds:
        assert "region_population" not in ds.variables, "one value per region would be wrong for a member"
        # region_value too: a region's strategic value includes its population (model.md).
        assert ds.attrs["varying_coordinates"].split() == ["region_population", "region_value"]
        assert {"region_lat", "region_lon", "region_offmap", "actor_kind"} <= set(ds.coords)
