"""`pip install .` into a fresh virtual environment builds the engine, the bindings and the
command line; they work once the source tree is gone (the scenarios are installed too).

Slow (it compiles the engine): runs only with POWERSHIFT_TEST_PIP=1 (scripts/test.sh sets it in
CI)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SOURCE_DIR

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("POWERSHIFT_TEST_PIP") != "1",
                       reason="slow (compiles the engine): set POWERSHIFT_TEST_PIP=1"),
]


def copy_source(dst: Path) -> None:
    """The repository as a clone would have it (tracked and not-ignored files), without builds."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=SOURCE_DIR,
                            capture_output=True)
    if listed.returncode == 0 and listed.stdout:
        for name in listed.stdout.decode().split("\0"):
            src = SOURCE_DIR / name
            if name and src.is_file():
                (dst / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst / name)
    else:
        shutil.copytree(SOURCE_DIR, dst, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build", "out", ".git", "__pycache__"))


def test_pip_install_in_a_fresh_venv(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    copy_source(src)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python, command = venv / "bin" / "python", venv / "bin" / "powershift"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "POWERSHIFT_SCENARIO_DIR", "MPLBACKEND", "POWERSHIFT_BIN")}
    log = tmp_path / "pip.log"
    with open(log, "w") as out:
        done = subprocess.run([str(python), "-m", "pip", "install", str(src)], stdout=out,
                              stderr=subprocess.STDOUT, env=env, timeout=1500)
    assert done.returncode == 0, log.read_text()[-5000:]
    shutil.rmtree(src)  # the installed package must not need the source tree

    work = tmp_path / "elsewhere"
    work.mkdir()
    check = ("import powershift as ps; print(ps.__file__); "
             "ds = ps.run_ensemble(replicates=2, steps=10, seed=1); print(dict(ds.sizes))")
    out = subprocess.run([str(python), "-c", check], cwd=work, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert str(venv) in out.stdout and "'replicate': 2" in out.stdout
    assert command.is_file()
    run = subprocess.run([str(command), "run", "--steps", "5", "-q", "--no-output"], cwd=work,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (venv / "share" / "powershift" / "scenarios" / "syria-2024-12.yaml").is_file()
    version = subprocess.run([str(python), "-m", "powershift", "version"], cwd=work, env=env,
                             capture_output=True, text=True, timeout=120)
    assert version.stdout.startswith("powershift ")
    # Sweeps from the installed package: the bundled specs, the command beside the interpreter.
    sweep = ("import sys, powershift as ps; from pathlib import Path; "
             "spec = Path(sys.prefix) / 'share/powershift/scenarios/sweeps/two-towns-grid.yaml'; "
             "ds = ps.sweep.run(spec, dir='tt'); print('members', ds.sizes['member'])")
    swept = subprocess.run([str(python), "-c", sweep], cwd=work, env=env, capture_output=True, text=True,
                           timeout=300)
    assert swept.returncode == 0, swept.stderr
    assert "members 6" in swept.stdout
