"""One sweep, four engines: a local run (TBB), a Slurm job array on the real one-node cluster
(with the merge job chained by afterok), Open MPI (`mpirun -n 3`, oversubscribed), and Python
executors (a process pool and a Dask LocalCluster). Every route must give the same merged file,
bit for bit."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from sweep_support import GRID_STUDY, SOURCE, TWO_TOWNS, differences, member_files, run  # noqa: E402

BIN = os.environ.get("POWERSHIFT_BIN")
pytestmark = pytest.mark.skipif(not BIN, reason="POWERSHIFT_BIN not set (run through ctest)")

# A small Syria sweep: 3 x 2 members of 3 replicates, 2 members per task.
SPEC_TEXT = f"""sweep: cluster-check
description: A small sweep for the cluster tests.
scenario: {SOURCE / 'scenarios/syria-us-withdrawal.yaml'}
parameters:
  - name: pace
    path: events[0].pace_days
    values: [20, 60, 180]
  - name: us
    path: events[2].scope
    values: [0.0, 1.0]
design: {{type: grid}}
replicates: 3
seed: 11
steps: 200
record: {{fields: [control], interval: 10}}
members_per_task: 2
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "cluster-check.yaml"
    path.write_text(SPEC_TEXT)
    return path


@pytest.fixture(scope="module")
def reference(spec, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("local") / "sweep"
    proc = run(BIN, "sweep", "run", spec, "--dir", d, "--threads", "2")
    assert proc.returncode == 0, proc.stderr
    assert run(BIN, "sweep", "merge", spec, "--dir", d).returncode == 0
    return d


def same_as_reference(reference: Path, d: Path) -> None:
    for x, y in zip(member_files(reference), member_files(d), strict=True):
        assert differences(x, y) == [], x.name
    assert differences(reference / "cluster-check.h5", d / "cluster-check.h5") == []


def test_slurm_job_array_gives_the_local_result(slurm_cluster, spec, reference, tmp_path):
    d = tmp_path / "slurm"
    proc = subprocess.run([BIN, "sweep", "slurm", str(spec), "--dir", str(d), "--submit", "--max-running", "2",
                           "--time", "00:10:00"], capture_output=True, text=True, env=slurm_cluster.env, timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    ids = re.findall(r"as job (\d+)", proc.stdout)
    assert len(ids) == 2, proc.stdout  # the array and the merge job
    assert f"afterok:{ids[0]}" in proc.stdout
    states = slurm_cluster.wait(ids, timeout=300)
    tasks = {k: v for k, v in states.items() if k.startswith(f"{ids[0]}_")}
    assert len(tasks) == 3, states  # 6 members, 2 per task
    assert set(states.values()) == {"COMPLETED"}, (states, slurm_cluster.log_tails())
    # Each task wrote a log; the merge job ran after them.
    assert len(list((d / "logs").glob("*.out"))) == 4
    same_as_reference(reference, d)
    st = run(BIN, "sweep", "status", spec, "--dir", d)
    assert st.returncode == 0 and "done     6" in st.stdout


def test_slurm_rerun_of_a_killed_task_completes_the_sweep(slurm_cluster, spec, reference, tmp_path):
    d = tmp_path / "slurm-rerun"
    made = run(BIN, "sweep", "slurm", spec, "--dir", d)
    assert made.returncode == 0, made.stderr
    array = d / "slurm" / "array-0.sbatch"
    # Only task 1 runs first; status then names tasks 0 and 2, which a second submission runs.
    first = slurm_cluster.sbatch("--array=1", str(array))
    slurm_cluster.wait([first], timeout=300)
    st = run(BIN, "sweep", "status", spec, "--dir", d)
    assert st.returncode == 1
    assert "not done: members 0-1,4-5" in st.stdout and "--array=0,2" in st.stdout
    again = slurm_cluster.sbatch("--array=0,2", str(array))
    states = slurm_cluster.wait([again], timeout=300)
    assert set(states.values()) == {"COMPLETED"}, states
    assert run(BIN, "sweep", "merge", spec, "--dir", d).returncode == 0
    same_as_reference(reference, d)


def test_mpirun_with_three_ranks_gives_the_local_result(spec, reference, tmp_path):
    d = tmp_path / "mpi"
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    proc = subprocess.run(["mpirun", "-n", "3", "--oversubscribe", BIN, "sweep", "run", str(spec), "--dir", str(d),
                           "--mpi"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "2 MPI workers" in proc.stderr
    assert "6 run, 0 already done, 0 failed" in proc.stderr
    assert run(BIN, "sweep", "merge", spec, "--dir", d).returncode == 0
    same_as_reference(reference, d)
    # A second mpirun finds everything done.
    again = subprocess.run(["mpirun", "-n", "3", "--oversubscribe", BIN, "sweep", "run", str(spec), "--dir", str(d),
                            "--mpi"], capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0 and "0 run, 6 already done" in again.stderr


def test_process_pool_executor_gives_the_local_result(ps, spec, reference, tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    d = tmp_path / "pool"
    with ProcessPoolExecutor(2) as pool:
        ds = ps.sweep.run(spec, executor=pool, dir=d)
    assert ds.sizes["member"] == 6
    same_as_reference(reference, d)


def test_dask_local_cluster_executor_gives_the_local_result(ps, spec, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    d = tmp_path / "dask"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        seen = []
        ds = ps.sweep.run(spec, executor=client.get_executor(), dir=d, members_per_task=1,
                          progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (6, 6)
    assert list(ds.pace.values) == [20, 20, 60, 60, 180, 180]
    same_as_reference(reference, d)


def test_mpi4py_futures_pool_gives_the_local_result(ps, spec, reference, tmp_path):
    pytest.importorskip("mpi4py")
    d = tmp_path / "mpi4py"
    script = tmp_path / "drive.py"
    script.write_text(f"""
import powershift as ps
from mpi4py.futures import MPIPoolExecutor
if __name__ == "__main__":
    with MPIPoolExecutor() as pool:
        ds = ps.sweep.run({str(spec)!r}, executor=pool, dir={str(d)!r})
    print("members", ds.sizes["member"])
""")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    proc = subprocess.run(["mpirun", "-n", "3", "--oversubscribe", sys.executable, "-m", "mpi4py.futures", str(script)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "members 6" in proc.stdout
    same_as_reference(reference, d)


def test_sigusr1_before_the_time_limit_checkpoints_and_a_resubmission_finishes(slurm_cluster, tmp_path):
    # What `#SBATCH --signal=B:USR1@LEAD` does at LEAD seconds before the limit, sent now with
    # scancel: the task's batch shell is powershift itself (exec), so it gets the signal, stops
    # its members at a step boundary, checkpoints them and exits 75.
    spec = tmp_path / "long.yaml"
    spec.write_text(f"""sweep: long
scenario: {SOURCE / 'scenarios/syria-2024-12.yaml'}
parameters:
  - name: scope
    path: events[0].scope
    values: [0.5, 1.0]
design: {{type: grid}}
replicates: 64
record: {{fields: [], interval: 30}}
members_per_task: 2
""")
    reference = tmp_path / "local"
    assert run(BIN, "sweep", "run", spec, "--dir", reference, "--threads", "1").returncode == 0
    d = tmp_path / "slurm"
    assert run(BIN, "sweep", "slurm", spec, "--dir", d).returncode == 0
    array = d / "slurm" / "array-0.sbatch"
    job = slurm_cluster.sbatch(str(array))
    # Wait until the task is running and has done some work.
    import time
    end = time.monotonic() + 120
    while time.monotonic() < end:
        states = slurm_cluster.states(job)
        if states and all(s == "RUNNING" for s in states.values()):
            break
        time.sleep(0.2)
    time.sleep(1.5)
    slurm_cluster.run("scancel", "--batch", "--signal=USR1", job)
    states = slurm_cluster.wait([job], timeout=120)
    records = slurm_cluster.job_records(job)
    if set(states.values()) == {"COMPLETED"}:
        pytest.skip("the task finished before the signal arrived")
    assert [r.get("ExitCode") for r in records] == ["75:0"], (records, slurm_cluster.log_tails())
    assert list((d / "members").glob("*.ckpt")), "the running members left checkpoints"
    log = "".join(p.read_text() for p in (d / "logs").glob("*.out"))
    assert "stopped (checkpointed)" in log, log
    again = slurm_cluster.sbatch("--array=0", str(array))
    assert set(slurm_cluster.wait([again], timeout=300).values()) == {"COMPLETED"}
    assert not list((d / "members").glob("*.ckpt"))
    for x, y in zip(member_files(reference), member_files(d), strict=True):
        assert differences(x, y) == [], x.name


def test_mpirun_with_a_bad_spec_or_an_unwritable_directory_exits_without_hanging(tmp_path):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC_TEXT.replace("events[0].pace_days", "events[0].pace"))
    proc = subprocess.run(["mpirun", "-n", "3", "--oversubscribe", BIN, "sweep", "run", str(bad), "--dir",
                           str(tmp_path / "out"), "--mpi"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("unknown key 'pace'") == 1, "rank 0 reports it; the others exit quietly"
    assert not (tmp_path / "out").exists()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the sweep directory should go")
    spec = tmp_path / "ok.yaml"
    spec.write_text(SPEC_TEXT)
    proc = subprocess.run(["mpirun", "-n", "3", "--oversubscribe", BIN, "sweep", "run", str(spec), "--dir",
                           str(blocker / "sweep"), "--mpi"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "cannot create the sweep directory" in proc.stderr
