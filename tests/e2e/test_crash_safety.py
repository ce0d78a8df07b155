"""Crash safety, checkpoints and `inspect` (the HDF5 issue): a killed run never leaves a file at
the final name; SIGTERM/SIGUSR1 checkpoint and a resume is bit-identical; corrupt inputs to
`inspect` and `--resume` give exit 2 and a message, never a crash."""
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import h5py
import pytest

BIN = os.environ.get("POWERSHIFT_BIN")
pytestmark = pytest.mark.skipif(not BIN, reason="POWERSHIFT_BIN not set")

VARIABLES = ["control", "support", "power", "forces", "casualties", "budget", "withdrawn",
             "vacuum_share", "attribution_net", "counterfactual_effect", "vacuum_days"]
RUN = ["run", "--replicates", "24", "--counterfactual", "--threads", "2", "-q"]


def identical(a: Path, b: Path) -> bool:
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        return all(fa[v][...].tobytes() == fb[v][...].tobytes() for v in VARIABLES)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "full.h5"
    subprocess.run([BIN, *RUN, "-o", str(out)], check=True, timeout=600)
    return out


def test_sigkill_never_leaves_a_partial_file_at_the_final_name(tmp_path):
    rng = random.Random(20241208)
    for i in range(20):
        out = tmp_path / f"k{i}.h5"
        proc = subprocess.Popen([BIN, *RUN, "-o", str(out)])
        time.sleep(rng.uniform(0.0, 0.8))
        proc.kill()
        proc.wait(timeout=60)
        if out.exists():
            # Only a run that finished before the kill may leave the file, and then it is whole.
            with h5py.File(out, "r") as f:
                assert f["control"].shape[0] == 24
                assert "created" in f.attrs
    # Leftovers carry a .partial name: nothing looks complete.
    for p in tmp_path.iterdir():
        assert p.name.startswith(".") and ".partial." in p.name or p.suffix == ".h5", p.name


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGUSR1])
def test_signal_checkpoints_and_resume_is_bit_identical(tmp_path, reference, sig):
    out, ck = tmp_path / "out.h5", tmp_path / "ck.h5"
    for attempt in range(10):
        proc = subprocess.Popen([BIN, *RUN, "-o", str(out), "--checkpoint", str(ck),
                                 "--checkpoint-every", "25"], stderr=subprocess.PIPE, text=True)
        time.sleep(0.15 + 0.1 * attempt)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 75:
            break
        out.unlink(missing_ok=True)  # finished before the signal: try again, sooner
    assert proc.returncode == 75, err
    assert "checkpoint written" in err
    assert ck.exists() and not out.exists()
    done = subprocess.run([BIN, *RUN, "-o", str(out), "--checkpoint", str(ck), "--resume", str(ck)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert identical(reference, out)
    assert not ck.exists()  # spent once the run completes


def test_resume_refuses_another_setting(tmp_path):
    out, ck = tmp_path / "out.h5", tmp_path / "ck.h5"
    proc = subprocess.Popen([BIN, *RUN, "-o", str(out), "--checkpoint", str(ck)],
                            stderr=subprocess.DEVNULL)
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    if proc.returncode != 75:
        pytest.skip("the run finished before the signal")
    other_seed = subprocess.run([BIN, *RUN, "--seed", "9", "-o", str(out), "--resume", str(ck)],
                                capture_output=True, text=True, timeout=120)
    assert other_seed.returncode == 2 and "seed" in other_seed.stderr
    assert not out.exists()


def corrupt_files(tmp_path: Path, good: Path) -> dict:
    data = good.read_bytes()
    files = {
        "zero-length": b"",
        "random-bytes": random.Random(1).randbytes(20000),
        "truncated": data[: len(data) // 3],
        "text": b"name: not an output\n",
    }
    paths = {}
    for name, content in files.items():
        p = tmp_path / f"{name}.h5"
        p.write_bytes(content)
        paths[name] = p
    wrong = tmp_path / "wrong-layout.h5"
    with h5py.File(wrong, "w") as f:
        f["control"] = [1.0, 2.0]
    paths["wrong-layout"] = wrong
    return paths


def test_inspect_reads_a_good_file(reference):
    res = subprocess.run([BIN, "inspect", str(reference)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "replicate = 24" in res.stdout and "Hmeimim" in res.stdout


def test_inspect_and_resume_reject_corrupt_files(tmp_path, reference):
    for name, path in corrupt_files(tmp_path, reference).items():
        res = subprocess.run([BIN, "inspect", str(path)], capture_output=True, text=True, timeout=60)
        assert res.returncode == 2, (name, res.stdout, res.stderr)
        assert str(path) in res.stderr and "error" in res.stderr, name
        out = tmp_path / f"resumed-{name}.h5"
        res = subprocess.run([BIN, *RUN, "-o", str(out), "--resume", str(path)],
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 2, (name, res.stderr)
        assert "checkpoint" in res.stderr or str(path) in res.stderr, (name, res.stderr)
        assert not out.exists()
