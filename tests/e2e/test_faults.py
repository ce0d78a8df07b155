"""Hostile input and fault injection (issue 15): nothing lost, nothing crashes. Output targets
(never an input, never a device or directory, checked before any work, no silent replace by a
concurrent run), full and read-only file systems (a size-limited tmpfs where mounting is allowed),
closed and full standard output, seeds as unsigned 64-bit integers, hostile HDF5 files for
`inspect`, `--resume` and `sweep merge`. Every failure is exit 1 (runtime, with the OS cause) or 2
(bad input), never a signal, a hang or exit 0 with a wrong or missing file."""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np
import pytest
from cli_limits import IS_ASAN, limited

BIN = os.environ.get("POWERSHIFT_BIN")
pytestmark = pytest.mark.skipif(not BIN, reason="POWERSHIFT_BIN not set")
SOURCE = Path(os.environ.get("POWERSHIFT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
MINI = SOURCE / "tests" / "data" / "reproducers" / "mini.yaml"
TWO_TOWNS_SWEEP = SOURCE / "scenarios" / "sweeps" / "two-towns-grid.yaml"
U64_MAX = "18446744073709551615"


def ps(*args, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def no_signal(res: subprocess.CompletedProcess) -> None:
    assert res.returncode >= 0, f"killed by signal {-res.returncode}: {res.stderr}"


@pytest.fixture()
def mini(tmp_path) -> Path:
    path = tmp_path / "mini.yaml"
    shutil.copy(MINI, path)
    return path


@pytest.fixture()
def big(tmp_path) -> Path:
    """mini.yaml run long enough that its output needs more than a small file system holds."""
    path = tmp_path / "big.yaml"
    path.write_text(MINI.read_text().replace("run: {steps: 20}", "run: {steps: 400}"))
    return path


@contextmanager
def tmpfs(tmp_path: Path, options: str):
    """A size-limited (or read-only) tmpfs at tmp_path/fs; the test is skipped where mounting is
    not permitted (not root, or a container without CAP_SYS_ADMIN)."""
    where = tmp_path / f"fs-{uuid.uuid4().hex[:8]}"
    where.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


# --- 1. --checkpoint never deletes a file it did not create ---------------------------------

def test_checkpoint_that_is_the_output_is_refused_before_any_work(tmp_path, mini):
    out = tmp_path / "a.h5"
    res = ps("run", mini, "-q", "-o", out, "--checkpoint", out)
    assert res.returncode == 2 and "output file" in res.stderr, res.stderr
    assert not out.exists()


def test_checkpoint_that_is_the_scenario_or_another_file_is_refused_and_kept(tmp_path, mini):
    text = mini.read_bytes()
    res = ps("run", mini, "-q", "-o", tmp_path / "b.h5", "--checkpoint", mini)
    assert res.returncode == 2 and "input of this run" in res.stderr, res.stderr
    assert mini.read_bytes() == text
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    res = ps("run", mini, "-q", "-o", tmp_path / "c.h5", "--checkpoint", notes)
    assert res.returncode == 2 and "not a powershift checkpoint" in res.stderr, res.stderr
    assert notes.read_text() == "my notes\n"
    assert not (tmp_path / "c.h5").exists()


def test_completed_run_leaves_no_checkpoint_of_its_own(tmp_path, mini):
    out, ck = tmp_path / "d.h5", tmp_path / "d.ckpt"
    res = ps("run", mini, "-q", "-o", out, "--checkpoint", ck, "--checkpoint-every", "1")
    assert res.returncode == 0, res.stderr
    assert out.exists() and not ck.exists()


# --- 2. one output-target policy ------------------------------------------------------------

def test_output_never_replaces_an_input_even_with_force(tmp_path, mini):
    text = mini.read_bytes()
    res = ps("run", mini, "-q", "-o", mini, "--force")
    assert res.returncode == 2 and "input of this run" in res.stderr, res.stderr
    assert mini.read_bytes() == text


def test_output_never_replaces_a_fifo_or_directory(tmp_path, mini):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    res = ps("run", mini, "-q", "-o", fifo, "--force", timeout=30)
    assert res.returncode == 2 and "not a regular file" in res.stderr, res.stderr
    assert fifo.is_fifo()
    d = tmp_path / "dir"
    d.mkdir()
    res = ps("run", mini, "-q", "-o", d, "--force", timeout=30)
    assert res.returncode == 2 and "is a directory" in res.stderr, res.stderr
    res = ps("run", mini, "-q", "-o", tmp_path / "missing" / "x.h5", timeout=30)
    assert res.returncode == 2 and "does not exist" in res.stderr, res.stderr


def test_sweep_expand_never_overwrites_the_spec(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(TWO_TOWNS_SWEEP.read_text().replace(
        "../examples/two-towns.yaml", str(SOURCE / "scenarios" / "examples" / "two-towns.yaml")))
    text = spec.read_text()
    for extra in ([], ["--force"]):
        res = ps("sweep", "expand", spec, "-o", spec, *extra)
        assert res.returncode == 2, res.stderr
        assert spec.read_text() == text
    csv = tmp_path / "design.csv"
    assert ps("sweep", "expand", spec, "-o", csv).returncode == 0
    assert csv.read_text().startswith("member,seed")
    res = ps("sweep", "expand", spec, "-o", csv)
    assert res.returncode == 2 and "exists" in res.stderr
    assert ps("sweep", "expand", spec, "-o", csv, "--force").returncode == 0


def test_two_runs_to_one_output_do_not_both_succeed(tmp_path, big):
    out = tmp_path / "same.h5"
    cmd = [BIN, "run", str(big), "-q", "--replicates", "8", "--threads", "1", "-o", str(out)]
    a = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    results = []
    for p in (a, b):
        _, err = p.communicate(timeout=300)
        results.append((p.returncode, err))
    codes = sorted(rc for rc, _ in results)
    # Either the second saw the first's file before starting (2), or both ran and the one that
    # finished second found the target taken (1); never two successes.
    assert codes in ([0, 1], [0, 2]), results
    assert "exists" in [err for rc, err in results if rc != 0][0]
    with h5py.File(out) as f:
        assert f["control"].shape[0] == 8


# --- 3. full disks, read-only directories, long names: exit 1 with the OS cause -------------

def test_full_disk_is_exit_1_naming_the_cause_and_leaves_nothing(tmp_path, big):
    with tmpfs(tmp_path, "size=64k") as fs:
        for extra in ([], ["--checkpoint", str(fs / "x.ckpt"), "--checkpoint-every", "1"]):
            res = ps("run", big, "-q", "--replicates", "50", "-o", fs / "x.h5", *extra)
            no_signal(res)
            assert res.returncode == 1, res.stderr
            assert "No space left on device" in res.stderr, res.stderr
            assert "HDF5-DIAG" not in res.stderr
            assert list(fs.iterdir()) == []


def test_full_disk_in_sweep_run_and_merge(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(TWO_TOWNS_SWEEP.read_text().replace(
        "../examples/two-towns.yaml", str(SOURCE / "scenarios" / "examples" / "two-towns.yaml")))
    with tmpfs(tmp_path, "size=32k") as fs:
        res = ps("sweep", "run", spec, "--dir", fs / "sw", "-q", timeout=300)
        no_signal(res)
        assert res.returncode == 1, res.stderr
        assert "No space left on device" in res.stderr or "No space" in "".join(
            p.read_text() for p in (fs / "sw" / "members").glob("*.failed")), res.stderr
    done = tmp_path / "done"
    assert ps("sweep", "run", spec, "--dir", done, "-q", timeout=300).returncode == 0
    with tmpfs(tmp_path, "size=16k") as fs:
        res = ps("sweep", "merge", spec, "--dir", done, "-o", fs / "merged.h5")
        no_signal(res)
        assert res.returncode == 1 and "No space left on device" in res.stderr, res.stderr
        assert list(fs.iterdir()) == []


def test_read_only_directory_is_refused_before_any_work(tmp_path, mini):
    with tmpfs(tmp_path, "size=64k,ro") as fs:
        res = ps("run", mini, "-q", "-o", fs / "x.h5")
        assert res.returncode == 1 and "Read-only file system" in res.stderr, res.stderr
        res = ps("run", mini, "-q", "-o", tmp_path / "y.h5", "--checkpoint", fs / "y.ckpt")
        assert res.returncode == 1 and "Read-only file system" in res.stderr, res.stderr
        assert not (tmp_path / "y.h5").exists()


def test_over_long_name_is_exit_1_naming_the_cause(tmp_path, mini):
    res = ps("run", mini, "-q", "-o", tmp_path / ("a" * 250 + ".h5"))
    assert res.returncode == 1 and "File name too long" in res.stderr, res.stderr
    res = ps("run", mini, "-q", "-o", tmp_path / ("a" * 300 + ".h5"))
    assert res.returncode == 1 and "File name too long" in res.stderr, res.stderr


# --- 4. seeds are unsigned 64-bit end to end ------------------------------------------------

def test_seed_above_int64_is_kept_exactly(tmp_path, mini):
    out = tmp_path / "s.h5"
    res = ps("run", mini, "-q", "-o", out, "--seed", "9223372036854775808")
    assert res.returncode == 0, res.stderr
    with h5py.File(out) as f:
        assert int(f.attrs["seed"]) == 2**63
    out2 = tmp_path / "s2.h5"
    assert ps("run", mini, "-q", "-o", out2, "--seed", U64_MAX).returncode == 0
    with h5py.File(out2) as f:
        assert int(f.attrs["seed"]) == 2**64 - 1


@pytest.mark.parametrize("seed", ["18446744073709551616", "5abc", "-1", "1e3", ""])
def test_bad_seed_is_exit_2_naming_the_u64_range(tmp_path, mini, seed):
    res = ps("run", mini, "-q", "-o", tmp_path / "x.h5", "--seed", seed)
    assert res.returncode == 2, res.stderr
    assert U64_MAX in res.stderr and "unsigned 64-bit" in res.stderr, res.stderr


def test_sweep_seed_near_int64_max_gives_each_member_its_own_seed(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(TWO_TOWNS_SWEEP.read_text().replace(
        "../examples/two-towns.yaml", str(SOURCE / "scenarios" / "examples" / "two-towns.yaml"))
        .replace("seed: 7", "seed: 9223372036854775807"))
    res = ps("sweep", "expand", spec)
    assert res.returncode == 0, res.stderr
    rows = [line.split(",") for line in res.stdout.splitlines()[1:]]
    assert [int(r[1]) for r in rows] == [2**63 - 1 + i for i in range(len(rows))]
    d = tmp_path / "sw"
    assert ps("sweep", "run", spec, "--dir", d, "-q", timeout=300).returncode == 0
    for i, path in enumerate(sorted((d / "members").glob("member-*.h5"))):
        with h5py.File(path) as f:
            assert int(f.attrs["seed"]) == 2**63 - 1 + i
    res = ps("sweep", "merge", spec, "--dir", d)
    assert res.returncode == 0, res.stderr
    with h5py.File(d / "two-towns-grid.h5") as f:
        assert [int(s) for s in f["seed"][...]] == [2**63 - 1 + i for i in range(len(rows))]
    over = tmp_path / "over.yaml"
    over.write_text(spec.read_text().replace("seed: 9223372036854775807",
                                             "seed: 18446744073709551616"))
    res = ps("sweep", "expand", over)
    assert res.returncode == 2 and U64_MAX in res.stderr and "seed" in res.stderr, res.stderr


# --- 5. writes to standard output that fail are reported ------------------------------------

@pytest.mark.parametrize("args", [["schema"], ["validate", "MINI"], ["inspect", "OUT"],
                                  ["sweep", "expand", "SPEC"]])
def test_full_or_closed_stdout_is_exit_1(tmp_path, mini, args):
    out = tmp_path / "o.h5"
    assert ps("run", mini, "-q", "-o", out).returncode == 0
    spec = tmp_path / "spec.yaml"
    spec.write_text(TWO_TOWNS_SWEEP.read_text().replace(
        "../examples/two-towns.yaml", str(SOURCE / "scenarios" / "examples" / "two-towns.yaml")))
    argv = [{"MINI": str(mini), "OUT": str(out), "SPEC": str(spec)}.get(a, a) for a in args]
    with open("/dev/full", "w") as full:
        res = subprocess.run([BIN, *argv], stdout=full, stderr=subprocess.PIPE, text=True,
                             timeout=60)
    assert res.returncode == 1 and "No space left on device" in res.stderr, res.stderr
    res = subprocess.run(["bash", "-c", '"$@" >&-', "_", BIN, *argv], stderr=subprocess.PIPE,
                         text=True, timeout=60)
    assert res.returncode == 1 and "standard output" in res.stderr, res.stderr


def test_reader_that_goes_away_is_exit_1_not_a_silent_sigpipe():
    proc = subprocess.Popen([BIN, "schema"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the schema (tens of kB) is written
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and b"Broken pipe" in err, err


# --- 6. inspect: bounded work on hostile files ----------------------------------------------

def coordinates(f: h5py.File, regions: list[str], actors: list[str]) -> None:
    text = h5py.string_dtype()
    f.create_dataset("region", data=np.array(regions, dtype=object), dtype=text)
    f.create_dataset("actor", data=np.array(actors, dtype=object), dtype=text)


def test_inspect_refuses_an_empty_actor_axis(tmp_path):
    path = tmp_path / "empty-actor.h5"
    with h5py.File(path, "w") as f:
        coordinates(f, ["A"], [])
        f.create_dataset("control", shape=(1, 1, 1, 0), dtype="f4")
    res = ps("inspect", path, timeout=60)
    no_signal(res)
    assert res.returncode == 2 and "actor axis is empty" in res.stderr, res.stderr


def test_inspect_of_a_huge_stated_replicate_count_is_bounded(tmp_path):
    path = tmp_path / "huge.h5"
    with h5py.File(path, "w") as f:
        coordinates(f, ["A"], ["x"])
        f.create_dataset("control", shape=(10**9, 1, 1, 1), chunks=(1, 1, 1, 1), dtype="f4")
    res = ps("inspect", path, timeout=60)
    no_signal(res)
    assert res.returncode == 2 and "more than inspect summarises" in res.stderr, res.stderr


def test_inspect_follows_no_external_link(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    path = tmp_path / "linked.h5"
    with h5py.File(path, "w") as f:
        coordinates(f, ["A"], ["x"])
        f["control"] = h5py.ExternalLink(str(fifo), "/control")
    res = ps("inspect", path, timeout=60)
    assert res.returncode == 2 and "link" in res.stderr, res.stderr


def test_inspect_reads_what_powershift_writes(tmp_path, mini):
    for extra in (["--summary-only"], ["--fields", "forces"], []):
        out = tmp_path / f"o{len(extra)}{'-'.join(extra)}.h5"
        assert ps("run", mini, "-q", "-o", out, *extra).returncode == 0
        res = ps("inspect", out)
        assert res.returncode == 0, (extra, res.stderr)
        assert "replicate = " in res.stdout and "region = 3" in res.stdout


def test_inspect_reads_a_merged_sweep(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(TWO_TOWNS_SWEEP.read_text().replace(
        "../examples/two-towns.yaml", str(SOURCE / "scenarios" / "examples" / "two-towns.yaml")))
    d = tmp_path / "sw"
    assert ps("sweep", "run", spec, "--dir", d, "-q", timeout=300).returncode == 0
    assert ps("sweep", "merge", spec, "--dir", d).returncode == 0
    res = ps("inspect", d / "two-towns-grid.h5")
    assert res.returncode == 0, res.stderr
    assert "member = 6" in res.stdout and "final control" in res.stdout


# --- 7. checkpoints and merges trust nothing they did not check -----------------------------

def test_resume_with_another_interval_is_refused(tmp_path, mini):
    ck = tmp_path / "r.ckpt"
    out = tmp_path / "r.h5"
    base = ["run", mini, "-q", "--replicates", "2", "-o", out]
    # A checkpoint of a stopped run: SIGTERM right after the first snapshot.
    proc = subprocess.Popen([BIN, *map(str, base), "--checkpoint", str(ck),
                             "--checkpoint-every", "1", "--steps", "20000"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not ck.exists() and time.time() < deadline:
        time.sleep(0.05)
    proc.terminate()
    _, err = proc.communicate(timeout=120)
    assert ck.exists(), err
    res = ps(*base, "--steps", "20000", "--resume", ck, "--interval", "3")
    assert res.returncode == 2 and "interval" in res.stderr, res.stderr
    assert not out.exists()


def test_merge_refuses_a_member_file_swapped_in_from_another_member(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(TWO_TOWNS_SWEEP.read_text().replace(
        "../examples/two-towns.yaml", str(SOURCE / "scenarios" / "examples" / "two-towns.yaml")))
    d = tmp_path / "sw"
    assert ps("sweep", "run", spec, "--dir", d, "-q", timeout=300).returncode == 0
    members = sorted((d / "members").glob("member-*.h5"))
    shutil.copy(members[1], members[0])
    # The done marker records the file's size: a swap made on purpose updates it too.
    marker = members[0].with_suffix(".done")
    lines = [f"bytes: {members[0].stat().st_size}" if line.startswith("bytes: ") else line
             for line in marker.read_text().splitlines()]
    marker.write_text("\n".join(lines) + "\n")
    res = ps("sweep", "merge", spec, "--dir", d)
    assert res.returncode == 2 and "design row" in res.stderr, res.stderr


# --- 8. messages -----------------------------------------------------------------------------

def test_extends_symlink_loop_is_named(tmp_path):
    (tmp_path / "loop-a.yaml").symlink_to(tmp_path / "loop-b.yaml")
    (tmp_path / "loop-b.yaml").symlink_to(tmp_path / "loop-a.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("extends: loop-a.yaml\nname: child\n")
    res = ps("validate", child)
    assert res.returncode == 2 and "symlink loop" in res.stderr, res.stderr


# --- 6. Counts bounded at run time, state kept finite ----------------------------------------

def test_recruits_past_the_unit_limit_stop_the_run_naming_limit_and_actor(tmp_path, mini):
    """Valid input (validate says ok) whose recruits would reach ~5e7 units of size 1 in one step:
    recruits per step = recruit_rate (1) x supporters (~0.5 x 1e8) exceeds the 5,000,000-unit limit,
    so the run stops with exit 1 on the step they gather, not std::bad_alloc or unbounded memory."""
    text = mini.read_text().replace("population: 1000", "population: 1.0e8").replace(
        "run: {steps: 20}", "run: {steps: 20, unit_size: 1}\nmodel: {economy: {recruit_rate: 1}}")
    text += "  - {type: budget_change, actor: blue, day: 1, budget_delta: 1.0e15}\n"
    scen = tmp_path / "recruits.yaml"
    scen.write_text(text)
    assert ps("validate", scen).returncode == 0
    out = tmp_path / "r.h5"
    res = ps("run", scen, "-q", "-o", out, timeout=60)
    no_signal(res)
    assert res.returncode == 1, res.stderr
    assert "actor blue" in res.stderr and "limit of 5000000 units" in res.stderr, res.stderr
    assert "internal error" not in res.stderr
    assert not out.exists()


@pytest.mark.parametrize("key,value", [("model.economy.d_ref", "1e-310"),
                                       ("model.economy.tau_budget", "1e-320")])
def test_tiny_economy_parameter_that_must_overflow_is_refused_at_load(tmp_path, mini, key, value):
    # 1 / 1e-310 and 1 / 1e-320 are beyond the largest double (~1.8e308): overflow is certain.
    res = ps("validate", mini, "--set", f"{key}={value}")
    assert res.returncode == 2 and key in res.stderr and "too small" in res.stderr, res.stderr


def test_income_factor_product_past_a_double_is_refused_at_load(tmp_path, mini):
    # 100^155 = 1e310 > 1.8e308: the 155th event (events[154], after the drawdown at [0]) is named.
    text = mini.read_text()
    text += "  - {type: budget_change, actor: blue, day: 1, income_factor: 100}\n" * 160
    scen = tmp_path / "factors.yaml"
    scen.write_text(text)
    res = ps("validate", scen)
    assert res.returncode == 2, res.stderr
    assert "events[155].income_factor" in res.stderr and "overflows" in res.stderr, res.stderr


@pytest.mark.parametrize("key,value,named", [
    ("model.economy.d_ref", "1e-303", "model.economy.d_ref"),
    ("model.economy.tau_budget", "1e-307", "model.economy.tau_budget")])
def test_budget_that_stops_being_finite_stops_the_run(tmp_path, mini, key, value, named):
    """Accepted at load (1 / value is finite) but distances of ~100 km / 1e-303 or a surplus /
    1e-307 overflow in the first steps: exit 1 naming the actor and the parameter, no file."""
    assert ps("validate", mini, "--set", f"{key}={value}").returncode == 0
    out = tmp_path / "nan.h5"
    res = ps("run", mini, "-q", "-o", out, "--set", f"{key}={value}")
    no_signal(res)
    assert res.returncode == 1 and "actor " in res.stderr and named in res.stderr, res.stderr
    assert "no longer finite" in res.stderr
    assert not out.exists()


def test_income_overflow_from_budget_change_stops_the_run(tmp_path, mini):
    # 153 factors of 100 give 1e306 (finite, so accepted at load); times red's income of order
    # 1e3 per day (a measured run with 150 factors gains ~2.9e303 a day) it passes 1.8e308.
    text = mini.read_text()
    text += "  - {type: budget_change, actor: red, day: 1, income_factor: 100}\n" * 153
    scen = tmp_path / "income.yaml"
    scen.write_text(text)
    assert ps("validate", scen).returncode == 0
    out = tmp_path / "inc.h5"
    res = ps("run", scen, "-q", "-o", out)
    no_signal(res)
    assert res.returncode == 1 and "actor red" in res.stderr and "income" in res.stderr, res.stderr
    assert not out.exists()


def test_scenario_text_keeps_nul_bytes(tmp_path, mini):
    """A UTF-16 scenario (yaml reads it) has a NUL in every other byte: the stored provenance is
    the whole file, byte for byte, not the 3 bytes before the first NUL."""
    raw = mini.read_text().encode("utf-16")
    scen = tmp_path / "utf16.yaml"
    scen.write_bytes(raw)
    out = tmp_path / "u.h5"
    res = ps("run", scen, "-q", "-o", out)
    assert res.returncode == 0, res.stderr
    with h5py.File(out, "r") as f:
        attr = f.attrs.get_id("scenario_text")
        buf = np.empty((), dtype=attr.dtype)
        attr.read(buf)
    assert buf.dtype.itemsize == len(raw)
    assert buf.tobytes() == raw


# --- 9. Messages -------------------------------------------------------------------------------

def test_invisible_characters_in_a_key_are_printed_escaped(tmp_path, mini):
    scen = tmp_path / "zw.yaml"
    scen.write_bytes(mini.read_bytes().replace(b"run:", b"run\xe2\x80\x8b:").replace(
        b"edges:", b"ed\x01ges:"))
    res = ps("validate", scen)
    assert res.returncode == 2
    assert "'run\\u200b'" in res.stderr and "'ed\\x01ges'" in res.stderr, res.stderr
    assert "\u200b" not in res.stderr and "\x01" not in res.stderr


def test_too_many_regions_is_one_error_not_a_cascade(tmp_path, mini):
    extra = "".join(f"  - {{name: R{i}, lat: 30.0, lon: 36.0, population: 10}}\n"
                    for i in range(5001))
    text = mini.read_text().replace("regions:\n", "regions:\n" + extra, 1)
    text += "".join(f"  - {{type: reinforcement, actor: red, day: 1, unit_type: inf, region: R{i},"
                    f" strength: 1}}\n" for i in range(100))
    scen = tmp_path / "many.yaml"
    scen.write_text(text)
    res = ps("validate", scen)
    assert res.returncode == 2
    errors = [line for line in res.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and "limit 5000" in errors[0], res.stderr[:2000]


@pytest.mark.parametrize("option", ["--partition", "--account", "--time"])
def test_sweep_slurm_refuses_a_newline_in_a_script_value(tmp_path, option):
    d = tmp_path / "sw"
    res = ps("sweep", "slurm", TWO_TOWNS_SWEEP, "--dir", d, option, "gpu\n#SBATCH --evil")
    assert res.returncode == 2 and option in res.stderr and "\\n" in res.stderr, res.stderr
    assert not list(d.glob("slurm/*.sbatch")) if d.exists() else True


def test_sweep_slurm_submit_line_is_shell_quoted(tmp_path):
    d = tmp_path / "a dir; touch x"
    res = ps("sweep", "slurm", TWO_TOWNS_SWEEP, "--dir", d)
    assert res.returncode == 0, res.stderr
    line = next(l for l in res.stdout.splitlines() if l.startswith("submit with:"))
    words = shlex.split(line.removeprefix("submit with: "))
    assert words[-3:] == ["--dir", str(d), "--submit"], line


def test_resume_on_a_checkpoint_with_odd_group_names_says_what_is_wrong(tmp_path, mini):
    ck = tmp_path / "r.ckpt"
    out = tmp_path / "r.h5"
    base = ["run", mini, "-q", "--replicates", "2", "-o", out]
    proc = subprocess.Popen([BIN, *map(str, base), "--checkpoint", str(ck),
                             "--checkpoint-every", "1", "--steps", "20000"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not ck.exists() and time.time() < deadline:
        time.sleep(0.05)
    proc.terminate()
    proc.communicate(timeout=120)
    assert ck.exists()
    with h5py.File(ck, "a") as f:
        group = f["running"] if len(f["running"]) else f["finished"]
        group.move(next(iter(group)), "x\u200b1")
    res = ps(*base, "--steps", "20000", "--resume", ck)
    no_signal(res)
    assert res.returncode == 2, res.stderr
    assert "stoi" not in res.stderr and "x\\u200b1" in res.stderr, res.stderr
    assert "not a replicate index" in res.stderr
    assert not out.exists()


# --- 9. hostile checkpoint values -------------------------------------------------------------

def stopped_checkpoint(tmp_path: Path, mini: Path) -> tuple[Path, list]:
    """A checkpoint of a run stopped by SIGTERM right after its first snapshot, and the
    arguments that resume it."""
    ck = tmp_path / "r.ckpt"
    out = tmp_path / "r.h5"
    base = ["run", mini, "-q", "--replicates", "2", "-o", out, "--steps", "20000"]
    proc = subprocess.Popen([BIN, *map(str, base), "--checkpoint", str(ck),
                             "--checkpoint-every", "1"], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not ck.exists() and time.time() < deadline:
        time.sleep(0.05)
    proc.terminate()
    _, err = proc.communicate(timeout=120)
    assert ck.exists(), err
    return ck, base


def _set(group, name, index, value):
    data = group[name][...]
    data.flat[index] = value
    group[name][...] = data


# (what to change in running/<r>, the name the message must give)
HOSTILE = {
    "nan_strength": (lambda g: _set(g["state"], "unit_strength", 0, np.nan),
                     "state/unit_strength[0] = nan"),
    "negative_strength": (lambda g: _set(g["state"], "unit_strength", 0, -5.0),
                          "state/unit_strength[0] = -5"),
    "unit_region": (lambda g: _set(g["state"], "unit_region", 0, 7), "state/unit_region[0] = 7"),
    "withdraw_event": (lambda g: _set(g["state"], "unit_withdraw_event", 0, 99),
                       "state/unit_withdraw_event[0] = 99"),
    "control_share": (lambda g: _set(g["state"], "control", 0, 1.5), "state/control[0] = 1.5"),
    "relation": (lambda g: _set(g["state"], "relations", 1, -3.0), "state/relations[1] = -3"),
    "budget": (lambda g: _set(g["state"], "budget", 0, np.inf), "state/budget[0] = inf"),
    "controller": (lambda g: _set(g["state"], "controller", 0, 5), "state/controller[0] = 5"),
    "step": (lambda g: g["state"].attrs.modify("step", np.int32(-4)), "state/step = -4"),
    "event_actor": (lambda g: _set(g["trajectory"], "event_actor", 0, 40),
                    "trajectory/event_actor[0] = 40"),
    "field": (lambda g: _set(g["trajectory"], "control", 0, np.nan), "trajectory/control[0] = nan"),
    "steps": (lambda g: _set(g["trajectory"], "steps", 0, 3), "trajectory/steps"),
    "replicate": (lambda g: g["trajectory"].attrs.modify("replicate", np.int32(9)),
                  "trajectory/replicate = 9"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_resume_refuses_a_checkpoint_value_out_of_range_naming_it(tmp_path, mini, case):
    ck, base = stopped_checkpoint(tmp_path, mini)
    change, named = HOSTILE[case]
    with h5py.File(ck, "a") as f:
        if case == "event_actor" and not any(len(f["running"][r]["trajectory"]["event_actor"])
                                             for r in f["running"]):
            pytest.skip("no event logged before the snapshot")
        rep = next(r for r in f["running"]
                   if case != "event_actor" or len(f["running"][r]["trajectory"]["event_actor"]))
        change(f["running"][rep])
    res = ps(*base, "--resume", ck)
    no_signal(res)
    assert res.returncode == 2, res.stderr
    assert str(ck) in res.stderr and f"running/{rep}/{named}" in res.stderr, res.stderr
    assert not base[base.index("-o") + 1].exists()
    assert ck.exists()  # the input of the failed resume is kept


# --- 10. checksums: silent corruption is detected when read ------------------------------------

def flip_chunk_byte(path: Path, dataset: str) -> None:
    """Flips one byte inside the first stored chunk of `dataset` (not its checksum)."""
    with h5py.File(path, "r") as f:
        ds = f[dataset]
        assert ds.fletcher32, f"{dataset} is stored without a checksum"
        info = ds.id.get_chunk_info(0)
    with open(path, "r+b") as fh:
        fh.seek(info.byte_offset + info.size // 2 - 2)
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x5A]))


def test_output_chunks_carry_checksums_that_hdf5_checks(tmp_path, mini):
    out = tmp_path / "c.h5"
    assert ps("run", mini, "-q", "--replicates", "3", "-o", out).returncode == 0
    with h5py.File(out, "r") as f:
        good = f["control"][...]  # HDF5 verifies the checksums written by the direct writer
        assert f["control"].fletcher32 and f["forces"].fletcher32
    flip_chunk_byte(out, "control")
    with h5py.File(out, "r") as f, pytest.raises(OSError, match="(?i)fletcher32|checksum|filter returned failure"):
        f["control"][...]
    assert good.shape[0] == 3
    res = ps("inspect", out)
    no_signal(res)
    assert res.returncode == 2 and "checksum" in res.stderr.lower(), res.stderr


def test_resume_refuses_a_checkpoint_with_a_damaged_chunk(tmp_path, mini):
    ck, base = stopped_checkpoint(tmp_path, mini)
    with h5py.File(ck, "r") as f:
        rep = next(iter(f["running"]))
    flip_chunk_byte(ck, f"running/{rep}/state/unit_strength")
    res = ps(*base, "--resume", ck)
    no_signal(res)
    assert res.returncode == 2 and str(ck) in res.stderr, res.stderr
    assert "unit_strength" in res.stderr and "checksum" in res.stderr.lower(), res.stderr


def test_merge_refuses_a_member_with_a_damaged_chunk(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(TWO_TOWNS_SWEEP.read_text().replace(
        "../examples/two-towns.yaml", str(SOURCE / "scenarios" / "examples" / "two-towns.yaml")))
    d = tmp_path / "sw"
    assert ps("sweep", "run", spec, "--dir", d, "-q", timeout=300).returncode == 0
    member = sorted((d / "members").glob("member-*.h5"))[2]
    flip_chunk_byte(member, "control")
    res = ps("sweep", "merge", spec, "--dir", d)
    no_signal(res)
    assert res.returncode == 2 and member.name in res.stderr, res.stderr
    assert "checksum" in res.stderr.lower(), res.stderr
    assert not (d / "two-towns-grid.h5").exists()


# --- 11. sweep status of a design too large to expand -------------------------------------------

def test_sweep_status_of_ten_million_members_is_bounded(tmp_path, mini):
    """10^7 members (seven parameters of ten values): status answers from one listing of the
    members directory, without expanding the design (bounded by RLIMIT_AS, not a wall clock)."""
    head = ["sweep: big", f"scenario: {mini}", "replicates: 1", "steps: 3", "seed: 5",
            "design: {type: grid}", "members_per_task: 1000", "parameters:"]
    spec = tmp_path / "big.yaml"
    paths = ["events[0].pace_days", "events[0].scope", "actors.red.forces[0].strength",
             "actors.blue.forces[0].strength", "regions[0].population", "regions[1].population",
             "relations[0].value"]
    tenths = "[" + ", ".join(f"{k / 10:.1f}" for k in range(1, 11)) + "]"
    values = ["range: {first: 1, step: 1, last: 10}", f"values: {tenths}",
              "range: {first: 100, step: 100, last: 1000}",
              "range: {first: 100, step: 100, last: 1000}",
              "range: {first: 100, step: 100, last: 1000}",
              "range: {first: 100, step: 100, last: 1000}",
              "values: [" + ", ".join(f"-{k / 10:.1f}" for k in range(1, 11)) + "]"]
    for i, (p, v) in enumerate(zip(paths, values)):
        head += [f"  - name: p{i}", f"    path: {p}", f"    {v}"]
    spec.write_text("\n".join(head) + "\n")
    d = tmp_path / "sw"
    res = ps("sweep", "status", spec, "--dir", d, **limited(timeout=600))
    no_signal(res)
    assert res.returncode == 1, res.stderr
    assert "10000000 members" in res.stdout and "missing  10000000" in res.stdout, res.stdout
    assert "not done: members 0-9999999" in res.stdout, res.stdout


# --- 12. signals at random steps, memory limits ----------------------------------------------

def limited_memory(limit: int) -> dict:
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return {"preexec_fn": cap}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_at_a_random_step_leaves_the_output_complete_or_absent(tmp_path, big, sig):
    import random
    rng = random.Random(1508 + int(sig))
    text = big.read_bytes()
    for i in range(6):
        out = tmp_path / f"s{i}.h5"
        proc = subprocess.Popen([BIN, "run", str(big), "-q", "--replicates", "8", "--threads",
                                 "2", "-o", str(out)], stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.0, 0.6))
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        # Only the signal sent, and only before the handlers are installed (nothing written
        # yet); never another signal (a crash while stopping).
        assert proc.returncode >= 0 or proc.returncode == -sig, err
        assert big.read_bytes() == text  # the input is never touched
        if out.exists():
            assert proc.returncode == 0, err  # only a run that finished leaves its file
            res = ps("inspect", out)
            assert res.returncode == 0 and "replicate = 8" in res.stdout, res.stderr
        else:
            assert proc.returncode != 0, err
        leftovers = [p.name for p in tmp_path.iterdir() if ".partial." in p.name]
        assert not leftovers, leftovers


def test_signal_during_a_resume_keeps_the_checkpoint(tmp_path, mini):
    """The checkpoint a run resumes from is one of its inputs: stopping the resumed run leaves a
    checkpoint (the newer one) in its place, never none."""
    ck, base = stopped_checkpoint(tmp_path, mini)
    proc = subprocess.Popen([BIN, *map(str, base), "--resume", str(ck), "--checkpoint", str(ck)],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode >= 0, err
    out = base[base.index("-o") + 1]
    assert ck.exists() or (proc.returncode == 0 and out.exists()), (proc.returncode, err)


def test_run_under_a_small_address_space_is_exit_1_naming_memory(tmp_path, mini):
    """Runs under address-space limits (ulimit -v) from too small to load the program to enough:
    each either cannot start (the dynamic loader's message, before powershift runs), completes
    with its file, or stops with exit 1 saying it is out of memory and leaves no file; never a
    crash (libhdf5 1.10 crashed when an allocation failed in its lazy initialisation) nor an
    'internal error'."""
    if IS_ASAN:
        pytest.skip("ASan builds reserve shadow memory and cannot run under RLIMIT_AS")
    outcomes = []
    for mib in range(24, 121, 3):
        out = tmp_path / f"m{mib}.h5"
        res = ps("run", mini, "-q", "--replicates", "500", "--steps", "100", "--threads", "2",
                 "-o", out, timeout=300, **limited_memory(mib << 20))
        assert res.returncode in (0, 1, 127), (mib, res.returncode, res.stderr)
        if res.returncode == 127:
            assert "loading shared libraries" in res.stderr, (mib, res.stderr)
        elif res.returncode == 1:
            # The OS cause: an allocation or a thread the OS refused.
            assert ("out of memory" in res.stderr or "Resource temporarily unavailable"
                    in res.stderr) and "internal error" not in res.stderr, (mib, res.stderr)
            assert not out.exists()
        else:
            assert out.exists()
        outcomes.append(res.returncode)
    assert 1 in outcomes and outcomes[-1] == 0, outcomes
    assert not [p.name for p in tmp_path.iterdir() if ".partial." in p.name]
