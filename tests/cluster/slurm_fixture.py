"""A real one-node Slurm (munge + slurmctld + slurmd on this host) for the tests.

``slurm_cluster`` (session scope) runs ``scripts/cluster/slurm-up.sh`` in a temporary
directory, yields a :class:`SlurmCluster`, and always runs ``scripts/cluster/slurm-down.sh``
afterwards. When the daemons cannot start, the tests that use it fail (needs root and the
packages from ``scripts/install-deps.sh``); set ``POWERSHIFT_SKIP_CLUSTER=1`` to skip them
instead.

Accounting is disabled in that cluster, so there is no ``sacct``: :meth:`SlurmCluster.wait`
polls ``squeue`` until the jobs are gone from the queue and then reads their final states
from ``scontrol show job`` (slurm.conf keeps finished jobs for ``MinJobAge=3600`` s).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SLURM_UP = REPO_ROOT / "scripts" / "cluster" / "slurm-up.sh"
SLURM_DOWN = REPO_ROOT / "scripts" / "cluster" / "slurm-down.sh"
SKIP_ENV = "POWERSHIFT_SKIP_CLUSTER"

#: Job states after which a job never changes again.
FINAL_STATES = frozenset({
    "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
    "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT",
})


class ClusterError(RuntimeError):
    """The test cluster could not be started or queried."""


def _field(record: str, key: str) -> str | None:
    m = re.search(r"(?:^|\s)" + re.escape(key) + r"=(\S*)", record)
    return m.group(1) if m else None


def parse_job_records(text: str) -> list[dict[str, str]]:
    """Parses ``scontrol -o show job`` output (one job record a line) into dicts with the
    fields JobId, ArrayJobId, ArrayTaskId, JobState, Reason and ExitCode (absent: '')."""
    records = []
    for line in text.splitlines():
        if not line.strip().startswith("JobId="):
            continue
        records.append({k: _field(line, k) or "" for k in
                        ("JobId", "ArrayJobId", "ArrayTaskId", "JobState", "Reason", "ExitCode")})
    return records


def job_key(record: dict[str, str]) -> str:
    """'ARRAYJOBID_TASKID' for an array task ('ARRAYJOBID_[2-3]' for tasks not yet split off),
    else 'JOBID'."""
    if record.get("ArrayJobId") and record.get("ArrayTaskId"):
        task = record["ArrayTaskId"]
        if not task.isdigit():
            task = f"[{task}]"
        return f"{record['ArrayJobId']}_{task}"
    return record["JobId"]


class SlurmCluster:
    """A running test cluster: ``dir`` holds its slurm.conf, state, spool and logs; ``env`` is
    a copy of os.environ with SLURM_CONF pointing at it (pass it to every Slurm command)."""

    def __init__(self, directory: Path, env: dict[str, str]):
        self.dir = Path(directory)
        self.env = env
        self.conf = Path(env["SLURM_CONF"])

    # -- commands --------------------------------------------------------------------------
    def run(self, *args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
        """Runs a Slurm client command with this cluster's environment; text output captured."""
        proc = subprocess.run(list(args), env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise ClusterError(f"{' '.join(args)} exited with {proc.returncode}:\n"
                               f"{proc.stdout}{proc.stderr}")
        return proc

    def sbatch(self, *args: str) -> str:
        """Submits with ``sbatch --parsable ARGS`` and returns the job id."""
        out = self.run("sbatch", "--parsable", *args).stdout.strip()
        return out.split(";")[0]

    def job_records(self, job_id: str | int) -> list[dict[str, str]]:
        """One dict per job record (each task of an array job) from ``scontrol show job``;
        [] when Slurm no longer knows the job."""
        proc = self.run("scontrol", "-o", "show", "job", str(job_id), check=False)
        if proc.returncode != 0:
            if "Invalid job id" in proc.stderr:
                return []
            raise ClusterError(f"scontrol show job {job_id} failed: {proc.stderr.strip()}")
        return parse_job_records(proc.stdout)

    def states(self, job_id: str | int) -> dict[str, str]:
        """{job key: JobState} for a job, or every task of an array job (see job_key)."""
        return {job_key(r): r["JobState"] for r in self.job_records(job_id)}

    def wait(self, job_ids: Iterable[str | int] | str | int, timeout: float = 120,
             poll: float = 0.5) -> dict[str, str]:
        """Waits until none of ``job_ids`` is queued, running or completing any more and returns
        {job key: final JobState} for all of them: 'ID' for a plain job, 'ID_TASK' for each
        task of an array job. Raises TimeoutError (with the queue and log tails) after
        ``timeout`` seconds."""
        if isinstance(job_ids, (str, int)):
            job_ids = [job_ids]
        ids = [str(j) for j in job_ids]
        if not ids:
            return {}
        deadline = time.monotonic() + timeout
        while True:
            proc = self.run("squeue", "-h", "-j", ",".join(ids), "-o", "%i %T", check=False)
            if proc.returncode != 0 and "Invalid job id" not in proc.stderr:
                raise ClusterError(f"squeue failed: {proc.stderr.strip()}\n{self.log_tails()}")
            if proc.returncode != 0 or not proc.stdout.strip():
                break
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"jobs {','.join(ids)} still queued after {timeout:.0f} s:\n"
                    f"{proc.stdout}\n{self.log_tails()}")
            time.sleep(poll)
        states: dict[str, str] = {}
        for job_id in ids:
            found = self.states(job_id)
            if not found:
                raise ClusterError(f"job {job_id} unknown to scontrol after it left the queue")
            states.update(found)
        return states

    # -- diagnostics -----------------------------------------------------------------------
    def log_tails(self, lines: int = 40) -> str:
        return log_tails(self.dir, lines)


def log_tails(directory: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of each Slurm log under ``directory``/log."""
    parts = []
    for name in ("slurmctld.log", "slurmd.log", "slurmctld.out", "slurmd.out"):
        path = Path(directory) / "log" / name
        if path.is_file() and path.stat().st_size:
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"----- last lines of {path} -----\n" + "\n".join(tail))
    return "\n".join(parts) if parts else f"(no Slurm logs under {directory}/log)"


def start_cluster(directory: Path, timeout: float = 180) -> SlurmCluster:
    """Runs slurm-up.sh DIR; raises ClusterError with its messages when that fails."""
    try:
        proc = subprocess.run(["bash", str(SLURM_UP), str(directory)], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"slurm-up.sh did not finish in {timeout:.0f} s:\n"
                           f"{exc.stderr or ''}\n{log_tails(directory)}") from exc
    m = re.search(r"^export SLURM_CONF=(.+)$", proc.stdout, re.M)
    if proc.returncode != 0 or not m:
        raise ClusterError(f"the Slurm test cluster did not start (slurm-up.sh exited with "
                           f"{proc.returncode}):\n{proc.stdout}{proc.stderr}")
    env = dict(os.environ)
    env["SLURM_CONF"] = m.group(1).strip()
    env["PATH"] = env.get("PATH", "") + os.pathsep + "/usr/sbin"
    return SlurmCluster(directory, env)


def stop_cluster(directory: Path, timeout: float = 120) -> str:
    """Runs slurm-down.sh DIR; returns its messages. Never raises for a failed stop."""
    try:
        proc = subprocess.run(["bash", str(SLURM_DOWN), str(directory)], capture_output=True,
                              text=True, timeout=timeout, check=False)
        return proc.stdout + proc.stderr + (
            f"slurm-down.sh exited with {proc.returncode}\n" if proc.returncode else "")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"slurm-down.sh failed: {exc}\n"


def _report(request: pytest.FixtureRequest, text: str) -> None:
    """Writes ``text`` to the real stderr, past pytest's output capturing."""
    capman = request.config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        with capman.global_and_fixture_disabled():
            sys.stderr.write("\n" + text + "\n")
    else:
        sys.stderr.write("\n" + text + "\n")


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """A running one-node Slurm; torn down at the end of the session."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: the Slurm test cluster is not started")
    directory = tmp_path_factory.mktemp("slurm")
    error = None
    try:
        cluster = start_cluster(directory)
    except ClusterError as exc:
        error = str(exc)
    if error is not None:  # outside the except block: no chained traceback in the report
        stop_cluster(directory)
        pytest.fail(f"{error}\n(set {SKIP_ENV}=1 to skip the tests that need Slurm)", pytrace=False)
    failed_before = request.session.testsfailed
    try:
        yield cluster
    finally:
        down = stop_cluster(directory)
        if request.session.testsfailed > failed_before or "exited with" in down:
            _report(request, f"Slurm test cluster in {directory}:\n{down}{log_tails(directory)}")
