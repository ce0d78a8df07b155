"""One replicate stepped from Python, with zero-copy read-only views of its state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from . import _core
from ._scenario import PathLike, Scenario, as_scenario

__all__ = ["Simulation"]

SEED_MAX = 2**64 - 1  # seeds are unsigned 64-bit integers, as the CLI's --seed and run.seed
ORDERS = ("free", "withdraw", "hold")


class Simulation:
    """One replicate of a scenario (random key ``(seed, replicate)``), stepped from Python.

    The state is shown through read-only NumPy views of the engine's own memory (no copies):

    - ``control``, ``support`` (C[r, a], S[r, a]) and ``forces`` (strength present), region x
      actor float64: live views that follow every step; their buffers never move.
    - ``unit_*`` (one entry per unit, ids never change): recruitment and reinforcement append
      units, which can move the arrays. Take a new view after each step: a unit view taken
      before a step keeps showing the units as they were (the engine hands those arrays to the
      views and continues on a copy), it never points into freed memory.

    ``step()`` and ``run()`` release the GIL. Views cannot be taken while another thread
    steps the same Simulation (RuntimeError).
    """

    __slots__ = ("_core", "scenario")

    def __init__(self, scenario: Scenario | PathLike | Mapping[str, Any] | None = None, *,
                 seed: int | None = None, replicate: int = 0, steps: int | None = None) -> None:
        self.scenario = as_scenario(scenario)
        if seed is None:
            seed = self.scenario.seed
        _check_count("seed", seed, minimum=0, maximum=SEED_MAX)
        _check_count("replicate", replicate, minimum=0)
        if steps is not None:
            _check_count("steps", steps, minimum=1)
        self._core = _core.Simulation(self.scenario._core, int(seed), int(replicate),
                                      int(steps or 0))

    # -- stepping --------------------------------------------------------------------------------
    def step(self, n: int = 1) -> Simulation:
        """Advance ``n`` steps (never past the horizon). Returns self."""
        _check_count("n", n, minimum=0)
        self._core.step(int(n))
        return self

    def run(self) -> Simulation:
        """Run to the horizon. Returns self."""
        self._core.run()
        return self

    @property
    def step_count(self) -> int:
        """Steps completed."""
        return self._core.step_count

    @property
    def horizon(self) -> int:
        return self._core.horizon

    @property
    def done(self) -> bool:
        return self._core.step_count >= self._core.horizon

    @property
    def day(self) -> float:
        return self._core.day

    @property
    def date(self) -> np.datetime64:
        start = np.datetime64(self.scenario.start_date, "s")
        return start + np.timedelta64(int(round(self.day * 86400)), "s")

    @property
    def seed(self) -> int:
        return self._core.seed

    @property
    def replicate(self) -> int:
        return self._core.replicate

    # -- views -------------------------------------------------------------------------------------
    @property
    def control(self) -> np.ndarray:
        """C[r, a], region x actor, float64 (live read-only view)."""
        return self._core.control

    @property
    def support(self) -> np.ndarray:
        """S[r, a], region x actor, float64 (live read-only view)."""
        return self._core.support

    @property
    def forces(self) -> np.ndarray:
        """Strength of the units present per region and actor, float64 (live read-only view,
        updated after each step() or run())."""
        return self._core.forces

    @property
    def unit_actor(self) -> np.ndarray:
        return self._core.unit_actor

    @property
    def unit_type(self) -> np.ndarray:
        return self._core.unit_type

    @property
    def unit_region(self) -> np.ndarray:
        return self._core.unit_region

    @property
    def unit_dest(self) -> np.ndarray:
        return self._core.unit_dest

    @property
    def unit_strength(self) -> np.ndarray:
        return self._core.unit_strength

    @property
    def unit_morale(self) -> np.ndarray:
        return self._core.unit_morale

    @property
    def unit_eta(self) -> np.ndarray:
        return self._core.unit_eta

    @property
    def unit_alive(self) -> np.ndarray:
        return self._core.unit_alive

    @property
    def unit_order(self) -> np.ndarray:
        return self._core.unit_order

    @property
    def unit_count(self) -> int:
        return self._core.unit_count

    # -- tables (copies, for reading) --------------------------------------------------------------
    def metrics(self) -> dict[str, Any]:
        """The metrics of the current state: control shares, vacuum, HHI, forces, casualties,
        withdrawn, exit queues and budgets (per-actor entries as arrays in actor order)."""
        m = self._core.metrics()
        return {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in m.items()}

    def control_frame(self) -> pd.DataFrame:
        """Control as a pandas DataFrame (regions x actors), with a ``vacuum`` column."""
        import pandas as pd

        df = pd.DataFrame(np.array(self.control), index=self.scenario.regions,
                          columns=self.scenario.actors)
        df["vacuum"] = 1.0 - df.sum(axis=1)
        return df

    def units(self) -> pd.DataFrame:
        """The units as a pandas DataFrame (a copy), names instead of indices."""
        import pandas as pd

        regions = np.asarray(self.scenario.regions, dtype=object)
        actors = np.asarray(self.scenario.actors, dtype=object)
        types = np.asarray(self.scenario.unit_types, dtype=object)
        return pd.DataFrame({
            "actor": actors[self.unit_actor],
            "type": types[self.unit_type],
            "region": regions[self.unit_region],
            "dest": regions[self.unit_dest],
            "strength": np.array(self.unit_strength),
            "morale": np.array(self.unit_morale),
            "eta": np.array(self.unit_eta),
            "order": np.asarray(ORDERS, dtype=object)[self.unit_order],
            "alive": np.array(self.unit_alive),
        })

    def relations(self) -> pd.DataFrame:
        """Rel[a, b] as a pandas DataFrame (a copy)."""
        import pandas as pd

        actors = self.scenario.actors
        values = np.asarray(self._core.relations).reshape(len(actors), len(actors))
        return pd.DataFrame(values, index=actors, columns=actors)

    def __repr__(self) -> str:
        return (f"<powershift.Simulation {self.scenario.name!r} seed={self.seed} "
                f"replicate={self.replicate}: step {self.step_count}/{self.horizon}, "
                f"{self.unit_count} units>")


def _check_count(name: str, value: Any, *, minimum: int, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if maximum is not None and not minimum <= int(value) <= maximum:
        bound = "2^64-1" if maximum == SEED_MAX else str(maximum)
        raise ValueError(f"{name} must be between {minimum} and {bound}, got {value}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
