"""A calibration's waves through a Dask LocalCluster give the serial result bit for bit
(docs/calibration.md): the same runs, the same emulators, the same posterior samples."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

SOURCE = Path(__file__).resolve().parents[2]
SPEC = SOURCE / "scenarios" / "calibration" / "two-towns.yaml"
pytestmark = pytest.mark.skipif(not os.environ.get("POWERSHIFT_BIN"), reason="POWERSHIFT_BIN not set (run through ctest)")
SMALL = {"waves": 2, "runs_per_wave": 8, "replicates": 2, "spread_samples": 4, "candidates": 1000}


def test_dask_local_cluster_calibration_equals_the_serial_one(ps, tmp_path):
    distributed = pytest.importorskip("distributed")
    serial = ps.calibrate(SPEC, dir=tmp_path / "serial", plots=False, threads=2, **SMALL)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        seen = []
        dask = ps.calibrate(SPEC, executor=client.get_executor(), dir=tmp_path / "dask", plots=False,
                            progress=seen.append, **SMALL)
    assert len(seen) == 3  # two waves and the spread
    for a, b in zip(serial.wave_data, dask.wave_data, strict=True):
        assert np.array_equal(a.X, b.X)
        assert np.array_equal(a.means, b.means) and np.array_equal(a.variances, b.variances)
    assert serial.samples.shape == dask.samples.shape and len(serial.samples) > 0
    assert np.array_equal(serial.samples.to_numpy(), dask.samples.to_numpy())
    assert serial.waves.equals(dask.waves)
    assert serial.spread.equals(dask.spread)
    assert (tmp_path / "serial" / "calibration.yaml").read_text() == (tmp_path / "dask" / "calibration.yaml").read_text() \
        .replace(str(tmp_path / "dask"), str(tmp_path / "serial"))
