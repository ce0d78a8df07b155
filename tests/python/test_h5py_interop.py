"""h5py and powershift in one process, imported in either order, both reading and writing HDF5.

powershift._core does not link HDF5 (files are read and written through h5netcdf, i.e. h5py's
own libhdf5), so there is one HDF5 library in the process whatever the import order. Each order
runs in its own interpreter, since an import cannot be undone."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import child_env

SCRIPT = textwrap.dedent("""
    import os, sys
    import numpy as np
    first, out = sys.argv[1], sys.argv[2]
    if first == "h5py":
        import h5py
        import powershift as ps
    else:
        import powershift as ps
        import h5py
    # h5py writes, powershift (h5netcdf) writes, both read both.
    with h5py.File(os.path.join(out, "plain.h5"), "w") as f:
        f["x"] = np.arange(10.0)
        f.attrs["note"] = "h5py"
    ds = ps.run_ensemble(ps.Scenario.default(), replicates=2, seed=1, steps=20, threads=1)
    ps.save(ds, os.path.join(out, "ensemble.h5"))
    with h5py.File(os.path.join(out, "ensemble.h5"), "r") as f:
        assert np.array_equal(f["control"][...], ds.control.values)
        assert f.attrs["scenario_name"] == "syria-2024-12"
    with ps.load(os.path.join(out, "ensemble.h5")) as back:
        assert np.array_equal(back.control.values, ds.control.values)
    with h5py.File(os.path.join(out, "plain.h5"), "r") as f:
        assert f["x"][3] == 3.0 and f.attrs["note"] == "h5py"
    cli_file = os.environ.get("CLI_FILE")
    if cli_file:
        with h5py.File(cli_file, "r") as f:
            control = f["control"][...]
        with ps.load(cli_file) as c:
            assert np.array_equal(c.control.values, control)
    print("ok", h5py.version.hdf5_version)
""")


@pytest.fixture(scope="module")
def cli_file(tmp_path_factory):
    cli = os.environ.get("POWERSHIFT_BIN")
    if not cli:
        return None
    path = tmp_path_factory.mktemp("cli") / "cli.h5"
    subprocess.run([cli, "run", "--steps", "20", "--replicates", "2", "-q", "-o", str(path)],
                   check=True, timeout=300)
    return path


@pytest.mark.parametrize("first", ["h5py", "powershift"])
def test_either_import_order(first, tmp_path, cli_file):
    env = child_env()
    if cli_file:
        env["CLI_FILE"] = str(cli_file)
    out = subprocess.run([sys.executable, "-c", SCRIPT, first, str(tmp_path)], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0 and out.stdout.startswith("ok"), out.stdout + out.stderr


def test_core_does_not_link_hdf5(ps):
    """The design decision behind the test above: no libhdf5 in _core's dependencies."""
    ldd = subprocess.run(["ldd", ps._core.__file__], capture_output=True, text=True)
    if ldd.returncode != 0:
        pytest.skip("ldd is not available")
    assert "hdf5" not in ldd.stdout, ldd.stdout


def test_load_detects_a_damaged_chunk(ps, cli, tmp_path):
    """Stored chunks carry Fletcher-32 checksums: a byte flipped inside one makes the read fail
    (HDF5's filter), not return damaged values."""
    import h5py

    mini = os.path.join(os.path.dirname(__file__), "..", "data", "reproducers", "mini.yaml")
    out = tmp_path / "p.h5"
    subprocess.run([cli, "run", mini, "-q", "--replicates", "2", "-o", str(out)], check=True,
                   timeout=120)
    with ps.load(out) as ds:
        good = ds["control"].values.copy()
    with h5py.File(out, "r") as f:
        assert f["control"].fletcher32
        info = f["control"].id.get_chunk_info(0)
    with open(out, "r+b") as fh:
        fh.seek(info.byte_offset + info.size // 2)
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x5A]))
    with pytest.raises(OSError, match="(?i)fletcher32|checksum|filter returned failure"):
        with ps.load(out) as ds:
            ds["control"].values
    assert good.shape[0] == 2
