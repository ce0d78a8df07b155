"""Simulation: stepping, and read-only views of the engine's memory (no copies)."""

import threading

import numpy as np
import pytest

UNIT_VIEWS = ["unit_actor", "unit_type", "unit_region", "unit_dest", "unit_strength",
              "unit_morale", "unit_eta", "unit_alive", "unit_order"]
FIELD_VIEWS = ["control", "support", "forces"]


def test_steps_and_horizon(ps, syria):
    sim = ps.Simulation(syria, seed=2, steps=40)
    assert sim.step_count == 0 and sim.horizon == 40 and not sim.done
    sim.step(10)
    assert sim.step_count == 10 and sim.day == 10.0
    assert str(sim.date) == "2024-12-18T00:00:00"
    sim.step(100)  # never past the horizon
    assert sim.step_count == 40 and sim.done
    sim.run()
    assert sim.step_count == 40


def test_same_key_same_state_and_matches_the_ensemble(ps, syria):
    a = ps.Simulation(syria, seed=4, replicate=2, steps=60).run()
    b = ps.Simulation(syria, seed=4, replicate=2, steps=60)
    for _ in range(6):
        b.step(10)
    assert np.array_equal(a.control, b.control)
    ds = ps.run_ensemble(syria, replicates=3, seed=4, steps=60, fields=["control", "forces"])
    # The ensemble records float32; the Simulation's views are the float64 state.
    assert np.array_equal(ds.control.isel(replicate=2, time=-1).values, a.control.astype(np.float32))
    assert np.array_equal(ds.forces.isel(replicate=2, time=-1).values, a.forces.astype(np.float32))
    c = ps.Simulation(syria, seed=5, replicate=2, steps=60).run()
    assert not np.array_equal(a.control, c.control)


@pytest.mark.parametrize("name", FIELD_VIEWS + UNIT_VIEWS)
def test_views_are_zero_copy_and_read_only(ps, syria, name):
    sim = ps.Simulation(syria, seed=1, steps=30)
    first, second = getattr(sim, name), getattr(sim, name)
    assert np.shares_memory(first, second)  # two views of one buffer: nothing was copied
    assert not first.flags.writeable and not first.flags.owndata
    with pytest.raises(ValueError, match="read-only"):
        first[0] = first[0]
    with pytest.raises(ValueError):
        first.setflags(write=True)  # not even on request: the engine owns the memory


@pytest.mark.parametrize("name", FIELD_VIEWS)
def test_field_views_reach_the_simulation_and_stay_live(ps, syria, name):
    sim = ps.Simulation(syria, seed=1, steps=30)
    view = getattr(sim, name)
    assert view.base is sim._core  # the owner is the base: no copy, and it stays alive
    assert view.shape == (len(syria.regions), len(syria.actors)) and view.dtype == np.float64
    before = view.copy()
    sim.step(20)
    assert np.shares_memory(view, getattr(sim, name))
    assert not np.array_equal(view, before)  # the same view shows the new state
    assert np.array_equal(view, getattr(sim, name))


def test_views_keep_the_simulation_alive(ps, syria):
    view = ps.Simulation(syria, seed=1, steps=10).step(5).control
    total = float(view.sum())
    import gc

    gc.collect()
    assert float(view.sum()) == total


def test_unit_views_taken_before_a_step_keep_the_old_units(ps, syria):
    """Recruitment appends units (the arrays may move); a view from before a step keeps the
    units as they were, and a new view shows the new ones."""
    sim = ps.Simulation(syria, seed=1)
    strength, region = sim.unit_strength, sim.unit_region
    kept = strength.copy(), region.copy()
    n0 = sim.unit_count
    sim.run()
    assert sim.unit_count > n0  # the Syria scenario recruits
    assert np.array_equal(strength, kept[0]) and np.array_equal(region, kept[1])
    now = sim.unit_strength
    assert len(now) == sim.unit_count and not np.shares_memory(now, strength)
    assert np.shares_memory(now, sim.unit_strength)
    # A unit view outlives its Simulation.
    del sim
    import gc

    gc.collect()
    assert float(now.sum()) > 0


def test_unit_views_without_holders_cost_nothing(ps, syria):
    sim = ps.Simulation(syria, seed=1, steps=50)
    sim.step(10)
    n = len(sim.unit_strength)  # view dropped at once: no hand-over at the next step
    sim.step(10)
    assert sim.unit_count >= n


def test_units_frame_and_metrics(ps, syria):
    sim = ps.Simulation(syria, seed=1, steps=30).step(30)
    units = sim.units()
    assert len(units) == sim.unit_count
    assert set(units["actor"]) <= set(syria.actors)
    assert set(units["order"]) <= {"free", "withdraw", "hold"}
    alive = units[units["alive"]]
    forces = sim.forces.sum()
    present = alive[alive["eta"] <= 0]
    onmap = ~present["region"].isin([r for r, o in zip(syria.regions, syria._core.region_offmap) if o])
    assert np.isclose(present[onmap]["strength"].sum(), forces)
    m = sim.metrics()
    assert m["step"] == 30 and m["control_share_pop"].shape == (len(syria.actors),)
    assert 0 <= m["vacuum_share"] <= 1
    df = sim.control_frame()
    assert list(df.columns[:-1]) == syria.actors and "vacuum" in df
    rel = sim.relations()
    assert rel.loc["russia", "russia"] == 1.0 or rel.shape == (len(syria.actors),) * 2


def test_bad_arguments(ps, syria):
    with pytest.raises(ValueError):
        ps.Simulation(syria, seed=-1)
    with pytest.raises(TypeError):
        ps.Simulation(syria, seed=1.5)
    sim = ps.Simulation(syria, seed=1)
    with pytest.raises(ValueError):
        sim.step(-1)


def test_step_releases_the_gil_and_excludes_views(ps, syria):
    sim = ps.Simulation(syria, seed=1)
    errors, done = [], threading.Event()

    def stepper():
        try:
            sim.run()
        finally:
            done.set()

    t = threading.Thread(target=stepper)
    t.start()
    seen_busy = False
    while not done.is_set():
        try:
            sim.control
        except RuntimeError as e:
            seen_busy = True
            errors.append(str(e))
    t.join()
    assert sim.done
    # While the other thread stepped (GIL released), this one ran and was refused views.
    assert seen_busy and "another thread" in errors[0]
