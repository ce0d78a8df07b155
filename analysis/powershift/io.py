"""Reading and writing powershift outputs (docs/output-format.md) with xarray and h5netcdf."""

from __future__ import annotations

import os
from typing import Any, Union

import xarray as xr

from ._schema import AUX_COORDS

__all__ = ["load", "save"]

PathLike = Union[str, "os.PathLike[str]"]


def load(path: PathLike, **kwargs: Any) -> xr.Dataset:
    """Open a file written by ``powershift run`` (or :func:`save`) as an xarray Dataset.

    Read with the h5netcdf engine, lazily (``.load()`` reads it all); times are decoded to
    dates. The auxiliary coordinates of the format (``step``, ``region_lat``, ``region_lon``,
    ``region_population``, ``region_value``, ``region_offmap``, ``actor_kind``) are made
    coordinates, as in the Dataset :func:`powershift.run_ensemble` returns. Keyword arguments
    go to :func:`xarray.open_dataset`.
    """
    kwargs.setdefault("engine", "h5netcdf")
    ds = xr.open_dataset(os.fspath(path), **kwargs)
    present = [name for name in AUX_COORDS if name in ds.variables and name not in ds.coords]
    return ds.set_coords(present) if present else ds


def save(ds: xr.Dataset, path: PathLike, **kwargs: Any) -> None:
    """Write a Dataset (e.g. from :func:`powershift.run_ensemble`) as netCDF-4/HDF5 with the
    h5netcdf engine, so that :func:`load`, h5py and ``ncdump`` read it. Region x actor fields
    are compressed (zlib with shuffle, one chunk per replicate as the CLI writes them)."""
    encoding: dict[str, dict[str, Any]] = {}
    for name, var in ds.data_vars.items():
        if var.ndim >= 2 and var.dims[0] == "replicate" and var.size > 0:
            chunks = (1,) + tuple(var.shape[1:])
            encoding[str(name)] = {"zlib": True, "complevel": 4, "shuffle": True, "chunksizes": chunks}
    encoding.update(kwargs.pop("encoding", {}))
    kwargs.setdefault("engine", "h5netcdf")
    ds.to_netcdf(os.fspath(path), encoding=encoding, **kwargs)
