"""The names, dimensions, units and long names of the output (docs/output-format.md).

The HDF5 writer (sim/src/io/hdf5_writer.cpp) has the same table; tests/python compares a
Dataset from :func:`powershift.run_ensemble` with a file the CLI wrote, attribute by attribute,
so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

FIELDS = ("control", "support", "power", "forces")
"""The region x actor fields a run can record."""

RA = ("replicate", "time", "region", "actor")
TA = ("replicate", "time", "actor")

# name: (dims, dtype, units, long_name)
VARIABLES: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "control": (RA, "float32", "1", "control share C[r,a]"),
    "support": (RA, "float32", "1", "popular support S[r,a]"),
    "power": (RA, "float32", "strength", "projected power P[r,a]"),
    "forces": (RA, "float32", "strength", "strength of units present"),
    "control_share_pop": (TA, "float64", "1", "population-weighted control share"),
    "control_share_value": (TA, "float64", "1", "value-weighted control share"),
    "forces_total": (TA, "float64", "strength", "strength alive, in theatre or in transit"),
    "casualties": (TA, "float64", "strength", "cumulative combat losses"),
    "withdrawn": (TA, "float64", "strength", "cumulative strength withdrawn through exits"),
    "exit_queue": (TA, "float64", "strength", "withdrawing strength waiting at an exit"),
    "budget": (TA, "float64", "budget units", "actor budget"),
    "vacuum_share": (("replicate", "time"), "float64", "1", "population-weighted vacuum share"),
    "hhi": (("replicate", "time"), "float64", "1", "Herfindahl index of controlled population"),
    "effective_actors": (("replicate", "time"), "float64", "1",
                         "effective number of actors (1/HHI)"),
    "vacuum_days": (("replicate", "region"), "float64", "days", "days with vacuum above one half"),
    "attribution_net": (("replicate", "region", "actor"), "float64", "1",
                        "net vacuum attribution A[r,b]: control the withdrawing actor lost, "
                        "gained by b"),
    "attribution_lost": (("replicate", "region"), "float64", "1",
                         "control the withdrawing actor lost, L_r"),
    "attribution_unfilled": (("replicate", "region"), "float64", "1", "part of L_r still vacuum"),
    "counterfactual_effect": (("replicate", "region", "actor"), "float64", "1",
                              "paired counterfactual: final control with drawdown minus without, "
                              "same random keys"),
    "counterfactual_control": (("replicate", "region", "actor"), "float64", "1",
                               "final control in the arm without the drawdown"),
}

# Auxiliary coordinates: name: (dim, units or "", long_name).
AUX_COORDS: dict[str, tuple[str, str, str]] = {
    "step": ("time", "1", "step index"),
    "region_lat": ("region", "degrees_north", "region latitude"),
    "region_lon": ("region", "degrees_east", "region longitude"),
    "region_population": ("region", "people", "region population"),
    "region_value": ("region", "1", "strategic value v_r"),
    "region_offmap": ("region", "1", "1 for off-map regions"),
    "actor_kind": ("actor", "", "actor kind (state or non_state)"),
}

# The event table: name: (dtype, units or "", long_name).
EVENT_VARIABLES: dict[str, tuple[str, str, str]] = {
    "event_replicate": ("int32", "", "replicate of the event"),
    "event_step": ("int32", "1", "step at whose end the event is seen"),
    "event_time": ("float64", "days since", "time of the event"),
    "event_kind": ("int32", "",
                   "kind of event: 1 control_change, 2 withdrawal, 3 engagement, 4 collapse"),
    "event_region": ("int32", "", "region index (-1: none)"),
    "event_actor": ("int32", "",
                    "actor index: new controller (-1 none), withdrawing actor, biggest loser, "
                    "collapsing actor"),
    "event_other": ("int32", "",
                    "actor index: previous controller, or the biggest inflicter of an engagement "
                    "(-1: none)"),
    "event_value": ("float64", "1 or strength",
                    "control share of the new controller, strength withdrawn, total losses, "
                    "strength left"),
}

EVENT_KINDS = {1: "control_change", 2: "withdrawal", 3: "engagement", 4: "collapse"}
