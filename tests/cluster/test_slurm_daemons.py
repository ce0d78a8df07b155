"""Self-test of the Slurm test cluster: a job array, and a job chained after it."""
from __future__ import annotations

import time


def test_array_and_dependency(slurm_cluster, tmp_path):
    work = tmp_path / "jobs"
    work.mkdir()
    t0 = time.monotonic()
    # %a only expands in file-name options (-o), not inside the command: use the variable.
    array_id = slurm_cluster.sbatch(
        "--array=0-3", "-D", str(work), "-o", "slurm-%A_%a.out",
        "--wrap", "echo $SLURM_ARRAY_TASK_ID > out_$SLURM_ARRAY_TASK_ID")
    # Runs only after every task of the array succeeded; records that they were all there.
    after_id = slurm_cluster.sbatch(
        f"--dependency=afterok:{array_id}", "-D", str(work), "-o", "slurm-%j.out",
        "--wrap", "ls out_0 out_1 out_2 out_3 > after.txt && cat out_* >> after.txt")

    states = slurm_cluster.wait([array_id, after_id], timeout=120)
    elapsed = time.monotonic() - t0

    assert states == {
        **{f"{array_id}_{i}": "COMPLETED" for i in range(4)},
        after_id: "COMPLETED",
    }, slurm_cluster.log_tails()
    for i in range(4):
        assert (work / f"out_{i}").read_text().strip() == str(i)
    assert (work / "after.txt").read_text().split() == [
        "out_0", "out_1", "out_2", "out_3", "0", "1", "2", "3"]
    print(f"array of 4 + dependent job: {elapsed:.1f} s")


def test_failed_dependency_is_cancelled(slurm_cluster, tmp_path):
    failing = slurm_cluster.sbatch("-D", str(tmp_path), "--wrap", "exit 3")
    dependent = slurm_cluster.sbatch(
        f"--dependency=afterok:{failing}", "-D", str(tmp_path), "--wrap", "touch ran")
    states = slurm_cluster.wait([failing, dependent], timeout=60)
    assert states == {failing: "FAILED", dependent: "CANCELLED"}
    assert not (tmp_path / "ran").exists()
    exit_codes = {r["JobId"]: r["ExitCode"] for r in slurm_cluster.job_records(failing)}
    assert exit_codes == {failing: "3:0"}


def test_two_tasks_run_at_once(slurm_cluster, tmp_path):
    """The node has CPUs=nproc (2 here) with CR_Core: two one-CPU tasks overlap. Each task waits
    (up to 30 s) until both have started, so a loaded machine that starts the second a few
    seconds late still passes, while tasks run one after the other still fail: the first ends
    before the second starts."""
    array_id = slurm_cluster.sbatch(
        "--array=0-1", "-D", str(tmp_path), "-o", "/dev/null",
        "--wrap", "date +%s.%N > start_$SLURM_ARRAY_TASK_ID; "
                  "for i in $(seq 300); do [ -e start_0 ] && [ -e start_1 ] && break; sleep 0.1; done; "
                  "sleep 0.5; date +%s.%N > end_$SLURM_ARRAY_TASK_ID")
    states = slurm_cluster.wait(array_id, timeout=120)
    assert set(states.values()) == {"COMPLETED"}
    starts = [float((tmp_path / f"start_{i}").read_text()) for i in range(2)]
    ends = [float((tmp_path / f"end_{i}").read_text()) for i in range(2)]
    assert max(starts) < min(ends), "the two tasks did not run at the same time"
