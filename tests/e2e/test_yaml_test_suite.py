"""Every input of the public YAML test suite given to `powershift validate`.

The corpus is shared/data/yaml-test-suite/ (402 files, flattened from the yaml-test-suite `data`
branch; see its README): `<ID>.error.yaml` (94 files) is YAML a conforming parser must reject,
`<ID>.ok.yaml` is valid YAML. None of them is a powershift scenario, so for every file the CLI
must

- exit with code 2 (bad input), never 0, never a signal, never 1 / "internal error";
- name the file in a non-empty `error:` line on standard error;
- finish within 10 s;
- write nothing (the temporary working directory stays empty).

The files are checked in batches (one `validate` call per batch, which still reports each file
separately); a batch that hangs or crashes is re-run file by file to name the culprit.

The corpus lives beside the clone: $SHARED_DIR if set, else <source>/../shared. Without it the
tests are skipped with that reason.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

BIN = os.environ.get("POWERSHIFT_BIN")
if not BIN:
    pytest.skip("POWERSHIFT_BIN is not set (run through ctest)", allow_module_level=True)

SOURCE_DIR = Path(os.environ.get("POWERSHIFT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SHARED_DIR = Path(os.environ.get("SHARED_DIR") or SOURCE_DIR.parent / "shared")
SUITE = SHARED_DIR / "data" / "yaml-test-suite"
if not SUITE.is_dir():
    pytest.skip(f"YAML test suite corpus not found at {SUITE} (set SHARED_DIR to the folder "
                "holding data/yaml-test-suite)", allow_module_level=True)

FILES = sorted(p for p in SUITE.iterdir() if p.name.endswith(".yaml"))
EXPECTED_FILES, EXPECTED_ERROR_FILES = 402, 94
PER_FILE_TIMEOUT = 10.0
from cli_limits import limited  # noqa: E402
BATCH = 25
BATCHES = [FILES[i:i + BATCH] for i in range(0, len(FILES), BATCH)]


def run_validate(files, cwd):
    """Runs `powershift validate FILES...`; returns the CompletedProcess or None on timeout."""
    try:
        return subprocess.run([BIN, "validate", *map(str, files)], **limited(
            cwd=cwd, capture_output=True, text=True, errors="replace", timeout=PER_FILE_TIMEOUT))
    except subprocess.TimeoutExpired:
        return None


def problems_of(files, proc):
    """What is wrong with one validate run over `files` (empty when all is as required)."""
    if proc is None:
        return [f"timed out after {PER_FILE_TIMEOUT:.0f} s"]
    out = []
    if proc.returncode < 0:
        out.append(f"killed by signal {-proc.returncode}")
    elif proc.returncode != 2:
        out.append(f"exit code {proc.returncode}, expected 2")
    if "internal error" in proc.stderr:
        out.append("internal error: " + proc.stderr.strip()[-500:])
    for line in proc.stdout.splitlines():
        if ": ok (" in line:
            out.append(f"accepted as a scenario: {line}")
    for f in files:
        named = re.compile(re.escape(str(f)) + r"(:\d+:\d+)?: error: (.*\S)")
        if not any(named.match(line) for line in proc.stderr.splitlines()):
            out.append(f"{f.name}: no non-empty error line naming the file")
    return out


def test_corpus_is_complete():
    errors = [f for f in FILES if f.name.endswith(".error.yaml")]
    assert len(FILES) == EXPECTED_FILES, f"{SUITE} holds {len(FILES)} .yaml files"
    assert len(errors) == EXPECTED_ERROR_FILES


@pytest.mark.parametrize("batch", BATCHES, ids=[f"{b[0].stem}..{b[-1].stem}" for b in BATCHES])
def test_every_file_is_rejected_cleanly(batch, tmp_path):
    proc = run_validate(batch, tmp_path)
    problems = problems_of(batch, proc)
    if problems and (proc is None or proc.returncode < 0 or proc.returncode not in (0, 2)):
        # A hang or a crash: find the file (or files) responsible, one at a time.
        problems = []
        for f in batch:
            problems += [f"{f.name}: {p}" for p in problems_of([f], run_validate([f], tmp_path))]
    assert not problems, "\n".join(problems)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "validate left files behind"
