"""The names, dimensions, units and long names of the output (docs/output-format.md).

Read from the engine (``powershift._core.schema()``, whose one definition is
sim/engine/include/powershift/engine/schema.hpp), not restated: the HDF5 writer, the bindings
and this package loop over the same tables.
"""

from __future__ import annotations

from . import _core

_SCHEMA = _core.schema()

FIELDS: tuple[str, ...] = tuple(_SCHEMA["fields"])
"""The region x actor fields a run can record."""

VARIABLES: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    v["name"]: (tuple(v["dims"]), v["dtype"], v["units"], v["long_name"])
    for v in _SCHEMA["variables"]
}
"""Per-replicate variables: name: (dims, dtype, units, long_name), in the file's order."""

AUX_COORDS: dict[str, tuple[str, str, str]] = {
    a["name"]: (a["dim"], a["units"], a["long_name"]) for a in _SCHEMA["aux_coordinates"]
}
"""Auxiliary coordinates: name: (dim, units or "", long_name)."""

EVENT_VARIABLES: dict[str, tuple[str, str, str]] = {
    c["name"]: (c["dtype"], c["units"], c["long_name"]) for c in _SCHEMA["event_columns"]
}
"""The event table: name: (dtype, units or "" — "time": the time axis' units —, long_name)."""

EVENT_KINDS: dict[int, str] = {int(k): str(v) for k, v in _SCHEMA["event_kinds"].items()}
"""Event kind codes (the flag_values of event_kind) and their names."""
