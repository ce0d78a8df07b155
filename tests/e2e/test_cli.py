"""End-to-end tests of the `powershift` command line (sim/cli/main.cpp).

They drive the real binary (env POWERSHIFT_BIN) in a temporary directory and read what it writes
with h5py, xarray (h5netcdf engine), ncdump and h5dump. Exit codes: 0 success, 1 runtime failure,
2 bad input.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

BIN = os.environ.get("POWERSHIFT_BIN")
if not BIN:
    pytest.skip("POWERSHIFT_BIN is not set (run through ctest)", allow_module_level=True)

h5py = pytest.importorskip("h5py")

SOURCE_DIR = Path(os.environ.get("POWERSHIFT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SYRIA = SOURCE_DIR / "scenarios" / "syria-2024-12.yaml"
N_TIME, N_REGION, N_ACTOR = 31, 24, 13  # --steps 30 records days 0..30

# A small valid scenario with no drawdown: two on-map regions, an off-map homeland, two actors.
MINI_NO_DRAWDOWN = """\
name: mini
run: {steps: 20}
regions:
  - {name: A, lat: 33.0, lon: 36.0, population: 1000}
  - {name: B, lat: 34.0, lon: 36.5, population: 1000}
  - {name: Home, offmap: true}
edges:
  - {a: A, b: B}
exits:
  - {from: A, to: Home, capacity: 100}
unit_types:
  inf: {attack: 1.0, defence: 1.0}
actors:
  red:
    kind: state
    home: Home
    control: {A: 0.8}
    forces:
      - {type: inf, region: A, strength: 600}
  blue:
    kind: non_state
    home: B
    control: {B: 0.5}
    forces:
      - {type: inf, region: B, strength: 300}
"""

BROKEN_YAML = """\
name: broken
run: {steps: 10}
regions: [A, B
edges: []
"""

LOCATION = re.compile(r":(\d+):(\d+): error")


def run_cli(*args, cwd, input=None):
    return subprocess.run(
        [BIN, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        input=input,
    )


def listing(path):
    return sorted(p.name for p in Path(path).iterdir())


@pytest.fixture(scope="module")
def syria_output(tmp_path_factory):
    """One quiet 30-step run of the bundled scenario, shared by the read-back tests."""
    d = tmp_path_factory.mktemp("syria")
    r = run_cli("run", SYRIA, "--steps", 30, "-q", "-o", "out.h5", cwd=d)
    assert r.returncode == 0, r.stderr
    return d / "out.h5", r


# --- run --------------------------------------------------------------------------------------


def test_run_writes_hdf5_with_expected_layout(syria_output):
    path, r = syria_output
    assert path.is_file()
    assert r.stdout == ""  # -q prints nothing but errors
    with h5py.File(path, "r") as f:
        for name in ("control", "time", "region", "actor"):
            assert name in f, f"missing dataset {name}"
        assert f["control"].shape == (1, N_TIME, N_REGION, N_ACTOR)
        assert f["time"].shape == (N_TIME,)
        assert f["region"].shape == (N_REGION,)
        assert f["actor"].shape == (N_ACTOR,)
        actors = [a.decode() if isinstance(a, bytes) else a for a in f["actor"][()]]
        assert "russia" in actors
        assert "scenario_text" in f.attrs
        text = f.attrs["scenario_text"]
        text = text.decode() if isinstance(text, bytes) else str(text)
        assert text == SYRIA.read_text()
        control = f["control"][()]
        assert ((control >= -1e-6) & (control <= 1 + 1e-6)).all()
    assert listing(path.parent) == ["out.h5"]  # no partial file left behind


def test_run_prints_closing_table(tmp_path):
    r = run_cli("run", SYRIA, "--steps", 30, "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "russia" in r.stdout
    assert "vacuum" in r.stdout
    assert "out.h5" in r.stdout


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "out.h5"
    r = run_cli("run", SYRIA, "--steps", 30, "-q", "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    before = out.read_bytes()
    stat_before = out.stat()

    r = run_cli("run", SYRIA, "--steps", 10, "-q", "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 2
    assert "exists" in r.stderr and "--force" in r.stderr
    assert out.read_bytes() == before
    assert out.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert listing(tmp_path) == ["out.h5"]

    r = run_cli("run", SYRIA, "--steps", 10, "-q", "--force", "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        assert f["control"].shape == (1, 11, N_REGION, N_ACTOR)
    assert listing(tmp_path) == ["out.h5"]


@pytest.mark.parametrize("kind", ["broken_yaml", "unknown_key"])
def test_bad_scenario_exits_2_with_location_and_writes_nothing(tmp_path, kind):
    scen = tmp_path / "bad.yaml"
    if kind == "broken_yaml":
        scen.write_text(BROKEN_YAML)
        expected_line = None  # the parser decides where it notices; at or after line 3
    else:
        lines = SYRIA.read_text().splitlines(keepends=True)
        idx = next(i for i, line in enumerate(lines) if line.startswith("  steps: "))
        lines[idx] = lines[idx].replace("steps:", "stesp:")
        scen.write_text("".join(lines))
        expected_line = idx + 1
    r = run_cli("run", scen, "--steps", 5, "-q", "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    m = re.search(re.escape(str(scen)) + LOCATION.pattern, r.stderr)
    assert m, f"no {scen}:line:col in stderr: {r.stderr!r}"
    line, col = int(m.group(1)), int(m.group(2))
    if expected_line is None:
        assert line >= 3 and col >= 1
        assert "invalid YAML" in r.stderr
    else:
        assert (line, col) == (expected_line, 3)
        assert "stesp" in r.stderr and "did you mean 'steps'" in r.stderr
    assert r.stdout == ""
    # No output file and no stray partial file: only the scenario is there.
    assert listing(tmp_path) == ["bad.yaml"]


def test_nonexistent_scenario_exits_2(tmp_path):
    r = run_cli("run", tmp_path / "nope.yaml", "-q", "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 2
    assert "nope.yaml" in r.stderr
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--threads", "0"],
        ["--replicates", "-1"],
        ["--replicates", "0"],
        ["--steps", "0"],
        ["--seed", "-3"],
        ["--no-such-flag"],
    ],
    ids=["threads0", "replicates-1", "replicates0", "steps0", "seed-3", "unknown-flag"],
)
def test_bad_options_exit_2(tmp_path, args):
    r = run_cli("run", SYRIA, *args, "-q", "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.strip() != ""
    assert listing(tmp_path) == []


def test_no_subcommand_exits_2(tmp_path):
    r = run_cli(cwd=tmp_path)
    assert r.returncode == 2


# --- validate ---------------------------------------------------------------------------------


def test_validate_bundled_scenario(tmp_path):
    r = run_cli("validate", SYRIA, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "ok" in r.stdout
    assert listing(tmp_path) == []


def test_validate_broken_scenario(tmp_path):
    scen = tmp_path / "broken.yaml"
    scen.write_text(BROKEN_YAML)
    r = run_cli("validate", scen, cwd=tmp_path)
    assert r.returncode == 2
    assert re.search(re.escape(str(scen)) + LOCATION.pattern, r.stderr), r.stderr
    # A good and a bad file together: every file is checked, the status is the worst.
    r = run_cli("validate", SYRIA, scen, cwd=tmp_path)
    assert r.returncode == 2
    assert "ok" in r.stdout
    assert str(scen) in r.stderr


def test_validate_reads_a_pipe(tmp_path):
    """A scenario read through a pipe (/dev/stdin, or `<(...)` in a shell) is not seekable; the
    loader must read it rather than size it as empty."""
    r = run_cli("validate", "/dev/stdin", cwd=tmp_path, input=SYRIA.read_text())
    assert r.returncode == 0, r.stderr


# --- counterfactual ---------------------------------------------------------------------------


def test_counterfactual_writes_paired_effect(tmp_path):
    r = run_cli(
        "run", SYRIA, "--steps", 30, "--counterfactual", "--replicates", 2, "-q", "-o", "cf.h5",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "cf.h5", "r") as f:
        assert "counterfactual_effect" in f
        assert f["counterfactual_effect"].shape == (2, N_REGION, N_ACTOR)
        assert f["control"].shape == (2, N_TIME, N_REGION, N_ACTOR)
        effect = f["counterfactual_effect"][()]
        assert abs(effect).max() <= 1 + 1e-9
    assert listing(tmp_path) == ["cf.h5"]


def test_counterfactual_without_drawdown_exits_2(tmp_path):
    scen = tmp_path / "mini.yaml"
    scen.write_text(MINI_NO_DRAWDOWN)
    # The scenario itself is fine.
    r = run_cli("run", scen, "-q", "--no-output", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli("run", scen, "--counterfactual", "-q", "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 2
    assert "drawdown" in r.stderr
    assert listing(tmp_path) == ["mini.yaml"]


def test_counterfactual_event_removes_only_that_event(tmp_path):
    """--counterfactual EVENT (name or index, repeatable) removes only those events: removing the
    relation change alone (index 1) leaves Russia's withdrawal in both arms, so Hmeimim, which
    the day-30 relation change cannot touch before day 30, shows exactly no effect by day 20."""
    base = ["run", SYRIA, "--steps", 20, "--replicates", 2, "-q", "--force"]
    r = run_cli(*base, "--counterfactual=russia-turkey-warming", "-o", "a.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli(*base, "--counterfactual=1", "--counterfactual=russia-turkey-warming", "-o", "b.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli(*base, "--counterfactual=russia-drawdown", "-o", "c.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "a.h5", "r") as a, h5py.File(tmp_path / "b.h5", "r") as b, \
            h5py.File(tmp_path / "c.h5", "r") as c:
        ea, eb, ec = (f["counterfactual_effect"][()] for f in (a, b, c))
    assert (ea == eb).all()
    assert (ea == 0).all()  # the relation change (day 30) has not happened by day 20
    assert abs(ec).max() > 0  # the drawdown has


def test_counterfactual_unknown_event_exits_2(tmp_path):
    r = run_cli("run", SYRIA, "--steps", 5, "--counterfactual=nope", "-q", "--no-output",
                cwd=tmp_path)
    assert r.returncode == 2
    assert "no such event" in r.stderr and "russia-drawdown" in r.stderr


# --- readers ----------------------------------------------------------------------------------


def test_output_opens_in_xarray_h5netcdf(syria_output):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    path, _ = syria_output
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        for dim in ("replicate", "time", "region", "actor"):
            assert dim in ds.dims
        assert ds.sizes["replicate"] == 1
        assert ds.sizes["time"] == N_TIME
        assert ds.sizes["region"] == N_REGION
        assert ds.sizes["actor"] == N_ACTOR
        assert ds["control"].dims == ("replicate", "time", "region", "actor")
        assert "russia" in [str(a) for a in ds["actor"].values]
        assert "scenario_text" in ds.attrs


@pytest.mark.parametrize("tool,flag", [("ncdump", "-h"), ("h5dump", "-H")])
def test_output_readable_by_command_line_tools(syria_output, tool, flag):
    exe = shutil.which(tool)
    if exe is None:
        pytest.skip(f"{tool} is not installed")
    path, _ = syria_output
    r = subprocess.run([exe, flag, str(path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "control" in r.stdout
