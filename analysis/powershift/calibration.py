"""Calibration by history matching with Gaussian-process emulators (docs/calibration.md).

A calibration spec (YAML) names a scenario, observations and parameter ranges. Waves of
space-filling designs are run through the sweep machinery (:func:`powershift.sweep.run`, so any
``concurrent.futures`` executor works: a process pool, Dask, MPI, a Slurm array through the
same sweep specs); after each wave a Gaussian process (scikit-learn) emulates the ensemble mean
of every score target, and parameter values whose implausibility

    I_j(x) = |z_j - E[f_j(x)]| / sqrt(Var_emulator_j(x) + sigma_obs_j^2 + sigma_md_j^2 + Var_replicate_j)

exceeds the cut-off (3) for any target are ruled out. The next wave's design is drawn from what
is left. The non-implausible samples at the end are the posterior, written as a sweep spec that
runs them (``posterior.yaml``) and a summary with each parameter's marginal
(``calibration.yaml``).

>>> import powershift as ps
>>> from concurrent.futures import ProcessPoolExecutor
>>> with ProcessPoolExecutor(2) as pool:
...     cal = ps.calibrate("scenarios/history/two-towns-recovery.yaml", executor=pool)
>>> cal.intervals()        # 5%, 50%, 95% of each parameter, prior next to posterior
"""

from __future__ import annotations

import math
import os
import warnings
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional, Union, cast

import numpy as np
import pandas as pd
import yaml

from ._progress import Progress, ProgressArg
from .observations import (ObservationError, Observations, _LineLoader, _located, _suggest, _unknown_keys, _where,
                           load as load_observations)

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["Calibration", "CalibrationError", "LeaveOneOut", "calibrate", "leave_one_out", "load_spec",
           "synthetic_observations", "targets", "variance_split"]

_SPEC_KEYS = ("calibration", "description", "scenario", "observations", "set", "parameters", "waves",
              "runs_per_wave", "replicates", "seed", "steps", "cutoff", "discrepancy", "target_kinds", "samples",
              "record", "members_per_task", "candidates", "spread_samples", "cases", "source", "note")
_PARAM_KEYS = ("name", "path", "range", "log", "prior", "source", "note")
_CASE_KEYS = ("name", "scenario", "observations", "set", "steps", "source", "note")


class CalibrationError(ValueError):
    """A calibration spec with problems (located, as the observation loader's), or a calibration
    that cannot go on (nothing left non-implausible)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


PRIORS = ("uniform", "loguniform", "normal", "lognormal")


@dataclass
class Parameter:
    """A calibrated parameter: its scenario path, its bounds ``[low, high]`` and its prior on them
    (docs/calibration.md): ``uniform``, ``loguniform``, ``normal`` (``args`` = mean, sd) or
    ``lognormal`` (``args`` = mu, sigma of ln x), the last two truncated to the bounds. History
    matching works on the unit cube: ``to_value`` maps u in [0, 1] through the prior's quantile
    function, so uniform points in u are draws of the prior."""

    name: str
    path: str
    low: float
    high: float
    log: bool = False
    prior: str = ""
    args: tuple[float, ...] = ()

    @property
    def kind(self) -> str:
        return self.prior or ("loguniform" if self.log else "uniform")

    def _truncated(self) -> Any:
        from scipy import stats

        mu, sd = self.args
        lo, hi = (np.log(self.low), np.log(self.high)) if self.kind == "lognormal" else (self.low, self.high)
        return stats.truncnorm((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)

    def to_value(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        kind = self.kind
        if kind == "loguniform":
            return np.asarray(np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low))))
        if kind == "uniform":
            return np.asarray(self.low + u * (self.high - self.low))
        x = self._truncated().ppf(u)
        x = np.exp(x) if kind == "lognormal" else x
        return np.asarray(np.clip(x, self.low, self.high))

    def to_unit(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        kind = self.kind
        if kind == "loguniform":
            return np.asarray((np.log(v) - np.log(self.low)) / (np.log(self.high) - np.log(self.low)))
        if kind == "uniform":
            return np.asarray((v - self.low) / (self.high - self.low))
        return np.asarray(self._truncated().cdf(np.log(v) if kind == "lognormal" else v))

    def prior_doc(self) -> dict[str, Any]:
        """The prior as calibration.yaml writes it."""
        if self.kind in ("uniform", "loguniform"):
            return {self.kind: [self.low, self.high]}
        return {self.kind: [float(a) for a in self.args], "bounds": [self.low, self.high]}


@dataclass
class Case:
    """One scenario and its observations; a calibration fits one case or several at once (the
    shared parameters of several history cases)."""

    name: str
    scenario: str
    observations: Observations
    set: dict[str, Any] = field(default_factory=dict)
    steps: Optional[int] = None


@dataclass
class Spec:
    name: str
    path: str
    scenario: str
    observations: Observations
    parameters: list[Parameter]
    set: dict[str, Any] = field(default_factory=dict)
    waves: int = 3
    runs_per_wave: int = 20
    replicates: int = 4
    seed: int = 1
    steps: Optional[int] = None
    cutoff: float = 3.0
    discrepancy: Union[float, dict[str, float]] = 0.0
    target_kinds: Optional[list[str]] = None
    samples: int = 200
    candidates: int = 4000
    record: dict[str, Any] = field(default_factory=lambda: {"fields": ["control", "forces"], "interval": 1})
    members_per_task: int = 4
    description: str = ""
    spread_samples: int = 0
    cases: list[Case] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.cases:
            self.cases = [Case(Path(self.scenario).stem, self.scenario, self.observations, dict(self.set), self.steps)]


def load_spec(path: PathLike, overrides: Optional[dict[str, Any]] = None) -> Spec:
    """Read and check a calibration spec (docs/calibration.md); ``overrides`` replace top-level
    keys (the recovery test points one spec at other observations)."""
    p = Path(os.fspath(path))
    file = str(p)
    problems: list[str] = []
    try:
        doc = yaml.load(p.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except OSError as e:
        raise CalibrationError([f"{file}: error: cannot read: {e.strerror or e}"]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise CalibrationError([_located(file, mark.line + 1 if mark else 1, mark.column + 1 if mark else 0,
                                         "", f"YAML syntax: {getattr(e, 'problem', e)}")]) from None
    if not isinstance(doc, dict):
        raise CalibrationError([_located(file, 1, 1, "", "the top level must be a mapping")])
    doc.update(overrides or {})

    def bad(m: dict[str, Any], key: Optional[str], name: str, message: str) -> None:
        line, column = _where(file, m, key)
        problems.append(_located(file, line, column, name, message))

    _unknown_keys(bad, doc, "", _SPEC_KEYS)
    needed = ("calibration", "parameters") + (() if "cases" in doc else ("scenario", "observations"))
    missing = [key for key in needed if key not in doc]
    for key in missing:
        bad(doc, None, key, "required")
    if missing:
        raise CalibrationError(problems)
    base = p.parent

    def case_files(m: dict[str, Any], where: str) -> tuple[str, Optional[Observations]]:
        scenario = str((base / str(m.get("scenario"))).resolve())
        if not isinstance(m.get("scenario"), str) or not Path(scenario).is_file():
            bad(m, "scenario" if "scenario" in m else None, f"{where}scenario", f"no such file: {scenario}")
        obs_path = m.get("observations")
        if isinstance(obs_path, Observations):
            return scenario, obs_path
        if not isinstance(obs_path, str):
            bad(m, "observations" if "observations" in m else None, f"{where}observations",
                "required: a CSV table or an observations YAML file")
            return scenario, None
        try:
            return scenario, load_observations(base / obs_path)
        except ObservationError as e:
            problems.extend(e.problems)
            return scenario, None

    cases: list[Case] = []
    if "cases" in doc:
        clist = doc["cases"]
        if not isinstance(clist, list) or not clist:
            bad(doc, "cases", "cases", "must be a non-empty list of {name, scenario, observations}")
            clist = []
        for key in ("scenario", "observations"):
            if key in doc:
                bad(doc, key, key, "give either cases: or scenario: and observations:, not both")
        for i, c in enumerate(clist):
            where = f"cases[{i}]"
            if not isinstance(c, dict):
                bad(doc, "cases", where, "must be a mapping {name, scenario, observations}")
                continue
            _unknown_keys(bad, c, where, _CASE_KEYS)
            name = c.get("name")
            if not isinstance(name, str) or not name or name in {x.name for x in cases}:
                bad(c, "name" if "name" in c else None, f"{where}.name", "required, unique")
                continue
            sc_path, obs_c = case_files(c, f"{where}.")
            cset = c.get("set", {})
            if not isinstance(cset, dict):
                bad(c, "set", f"{where}.set", "must be a mapping of scenario paths to values")
                cset = {}
            steps_c = c.get("steps")
            if steps_c is not None and (not isinstance(steps_c, int) or isinstance(steps_c, bool) or steps_c < 1):
                bad(c, "steps", f"{where}.steps", f"must be an integer >= 1, got {steps_c!r}")
                steps_c = None
            cases.append(Case(name, sc_path, obs_c,  # type: ignore[arg-type]
                              {k: v for k, v in cset.items() if not k.startswith("__")}, steps_c))
        scenario = cases[0].scenario if cases else ""
        obs: Optional[Observations] = cases[0].observations if cases else None
    else:
        scenario, obs = case_files(doc, "")

    def number(key: str, default: float, *, integer: bool = False, low: float = 0.0, high: float = math.inf) -> float:
        v = doc.get(key, default)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and (not integer or float(v).is_integer())
        if not ok or not (low <= v <= high):
            kind = "an integer" if integer else "a number"
            bad(doc, key, key, f"must be {kind} in [{low:g}, {high:g}], got {v!r}")
            return default
        return int(v) if integer else float(v)

    params: list[Parameter] = []
    plist = doc["parameters"]
    if not isinstance(plist, list) or not plist:
        bad(doc, "parameters", "parameters", "must be a non-empty list")
        plist = []
    names: set[str] = set()
    for i, q in enumerate(plist):
        where = f"parameters[{i}]"
        if not isinstance(q, dict):
            bad(doc, "parameters", where, "must be a mapping {name, path, range}")
            continue
        _unknown_keys(bad, q, where, _PARAM_KEYS)
        name, path_, rng = q.get("name"), q.get("path"), q.get("range")
        if not isinstance(name, str) or not name or name in names:
            bad(q, "name", f"{where}.name", "required, unique")
            continue
        names.add(name)
        if not isinstance(path_, str):
            bad(q, "path", f"{where}.path", "required: a scenario path (docs/scenarios.md)")
            continue
        if (not isinstance(rng, list) or len(rng) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in rng)
                or not rng[0] < rng[1]):
            bad(q, "range", f"{where}.range", "required: [low, high] with low < high")
            continue
        log = bool(q.get("log", False))
        prior, args = _prior(q, where, rng, log, bad)
        if prior is None:
            continue
        if (log or prior in ("loguniform", "lognormal")) and rng[0] <= 0:
            bad(q, "range", f"{where}.range", "a log range needs low > 0")
            continue
        params.append(Parameter(name, path_, float(rng[0]), float(rng[1]), log or prior == "loguniform",
                                "" if prior in ("uniform", "loguniform") else prior, args))

    spec = Spec(
        name=str(doc["calibration"]), path=file, scenario=scenario, observations=obs,  # type: ignore[arg-type]
        parameters=params, set=({k: v for k, v in doc.get("set", {}).items() if not k.startswith("__")}
                                if isinstance(doc.get("set"), dict) else {}),
        waves=int(number("waves", 3, integer=True, low=1, high=20)),
        runs_per_wave=int(number("runs_per_wave", 20, integer=True, low=4, high=100000)),
        replicates=int(number("replicates", 4, integer=True, low=2, high=100000)),
        seed=int(number("seed", 1, integer=True, low=0, high=2**62)),
        steps=int(number("steps", 1, integer=True, low=1, high=100000)) if "steps" in doc else None,
        cutoff=number("cutoff", 3.0, low=0.1, high=100),
        discrepancy=_discrepancy(doc, bad),
        target_kinds=_target_kinds(doc, bad),
        samples=int(number("samples", 200, integer=True, low=10, high=100000)),
        candidates=int(number("candidates", 4000, integer=True, low=100, high=10**7)),
        members_per_task=int(number("members_per_task", 4, integer=True, low=1, high=100000)),
        description=str(doc.get("description", "")),
        spread_samples=int(number("spread_samples", 0, integer=True, low=0, high=100000)),
        cases=cases,
    )
    for c in spec.cases:  # a single case inherits the top-level set and steps
        if "cases" in doc:
            c.set = {**spec.set, **c.set}
            c.steps = c.steps or spec.steps
    if "record" in doc:
        rec = doc["record"]
        if not isinstance(rec, dict):
            bad(doc, "record", "record", "must be a mapping {fields, interval}")
        else:
            spec.record = {k: v for k, v in rec.items() if not k.startswith("__")}
    if problems:
        raise CalibrationError(problems)
    # Names in the observations against the scenario.
    from ._scenario import Scenario

    for c in spec.cases:
        sc = Scenario.from_yaml(c.scenario)
        try:
            c.observations.check(sc.regions, sc.actors)
        except ObservationError as e:
            problems += e.problems
    if problems:
        raise CalibrationError(problems)
    return spec


TARGET_KINDS = ("controller", "control", "control_share", "strength", "fatalities", "events")


def _discrepancy(doc: dict[str, Any], bad: Callable[..., None]) -> Union[float, dict[str, float]]:
    """``discrepancy``: a number (every target) or a mapping of observation kinds (and
    ``default``) to numbers, each a fraction in [0, 10]."""
    v = doc.get("discrepancy", 0.0)

    def ok(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and 0 <= x <= 10

    if isinstance(v, dict):
        out: dict[str, float] = {}
        for k, x in v.items():
            if str(k).startswith("__"):
                continue
            if k not in TARGET_KINDS + ("default",):
                bad(v, k, f"discrepancy.{k}", f"unknown kind{_suggest(str(k), TARGET_KINDS + ('default',))}")
            elif not ok(x):
                bad(v, k, f"discrepancy.{k}", f"must be a number in [0, 10], got {x!r}")
            else:
                out[k] = float(x)
        return out
    if not ok(v):
        bad(doc, "discrepancy", "discrepancy", f"must be a number in [0, 10] or a mapping of kinds to numbers, got {v!r}")
        return 0.0
    return float(v)


def _target_kinds(doc: dict[str, Any], bad: Callable[..., None]) -> Optional[list[str]]:
    if "target_kinds" not in doc:
        return None
    v = doc["target_kinds"]
    if not isinstance(v, list) or not v or not all(isinstance(k, str) for k in v):
        bad(doc, "target_kinds", "target_kinds", f"must be a non-empty list of kinds ({', '.join(TARGET_KINDS)})")
        return None
    unknown = [k for k in v if k not in TARGET_KINDS]
    if unknown:
        bad(doc, "target_kinds", "target_kinds", f"unknown kind {unknown[0]!r}{_suggest(unknown[0], TARGET_KINDS)}")
        return None
    return list(v)


def _prior(q: dict[str, Any], where: str, rng: list[float], log: bool,
           bad: Callable[[dict[str, Any], Optional[str], str, str], None]) -> tuple[Optional[str], tuple[float, ...]]:
    """A parameter's ``prior:``: absent (uniform, or log-uniform with ``log: true``), a name
    (``uniform``, ``loguniform``) or a mapping ``{normal: [mean, sd]}`` / ``{lognormal: [mu,
    sigma]}`` (of ln x), truncated to ``range``."""
    if "prior" not in q:
        return ("loguniform" if log else "uniform"), ()
    v = q["prior"]
    here = f"{where}.prior"
    if isinstance(v, str):
        if v not in ("uniform", "loguniform"):
            bad(q, "prior", here, f"unknown prior {v!r}{_suggest(v, PRIORS)}: uniform, loguniform, "
                "{normal: [mean, sd]}, {lognormal: [mu, sigma]}")
            return None, ()
        if log and v == "uniform":
            bad(q, "prior", here, "log: true and prior: uniform disagree")
            return None, ()
        return v, ()
    keys = [k for k in v if not str(k).startswith("__")] if isinstance(v, dict) else []
    if len(keys) != 1 or keys[0] not in ("normal", "lognormal"):
        bad(q, "prior", here, "must be uniform, loguniform, {normal: [mean, sd]} or {lognormal: [mu, sigma]}")
        return None, ()
    kind = keys[0]
    args = v[kind]
    if (not isinstance(args, list) or len(args) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in args)
            or not args[1] > 0):
        bad(v, kind, f"{here}.{kind}", "must be [mean, sd] with sd > 0" if kind == "normal"
            else "must be [mu, sigma] (of ln x) with sigma > 0")
        return None, ()
    if log:
        bad(q, "log", f"{where}.log", f"log: true does not go with a {kind} prior (use lognormal)")
        return None, ()
    return kind, (float(args[0]), float(args[1]))


# ---------------------------------------------------------------------------------------------
# targets


def targets(obs: Observations) -> pd.DataFrame:
    """The observations history matching fits, with the value ``z`` and the observation sd
    ``sigma_obs`` (docs/calibration.md): numeric observations as they are; a controller
    observation becomes the control share of the observed controller, 0.75 ± 0.15 (the middle
    of [0.5, 1]); ``none`` controllers are left out. An observation without an uncertainty gets
    0.05 for shares and 10% of the value (at least 1) for strengths and counts."""
    t = obs.table.copy()
    t = t[~((t.kind == "controller") & (t.actor == "none"))].copy()
    t["observed_kind"] = t.kind
    ctrl = t.kind == "controller"
    t.loc[ctrl, "kind"] = "control"
    t.loc[ctrl, "value"] = 0.75
    t.loc[ctrl, "sigma"] = 0.15
    default = np.where(t.kind.isin(["control", "control_share"]), 0.05, np.maximum(0.1 * t.value.abs(), 1.0))
    t["sigma_obs"] = np.where(t.sigma.notna(), t.sigma, default)
    t["z"] = t.value
    return t.reset_index(drop=True)


def synthetic_observations(scenario: PathLike, values: dict[str, float], dates: list[str], actors: list[str], *,
                           replicates: int = 8, seed: int = 12345, sd_floor: float = 0.02,
                           source: str = "generated by powershift") -> str:
    """Observations of national control shares generated by the model itself (for recovery
    tests): the scenario run at the given parameter values (``{path: value}``), the ensemble mean
    of ``control_share_pop`` of each actor on each date as the value, the replicate sd (at least
    ``sd_floor``) as its sd. Returns the CSV text."""
    from ._ensemble import run_ensemble
    from ._scenario import Scenario

    sc = Scenario.from_yaml(scenario, overrides={k: v for k, v in values.items()})
    ds = run_ensemble(sc, replicates=replicates, seed=seed, fields=[])
    start = np.datetime64(ds.attrs["start_date"], "D")
    lines = ["kind,date,actor,value,sd,source"]
    for date in dates:
        t = int(np.argmin(np.abs((ds.time.values - start) / np.timedelta64(1, "D") - (np.datetime64(date) - start) / np.timedelta64(1, "D"))))
        for a in actors:
            x = ds.control_share_pop.isel(time=t).sel(actor=a).values
            note = ", ".join(f"{k}={v:g}" for k, v in values.items())
            lines.append(f"control_share,{date},{a},{x.mean():.6g},{max(x.std(ddof=1), sd_floor):.6g},"
                         f"\"{source} at {note}\"")
    return "\n".join(lines) + "\n"


def _member_values(run_file: Path, tgt: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Replicate mean and variance of every target in one member's file."""
    from .io import load
    from .scoring import _Run, _extract

    with load(run_file) as ds:
        run = _Run.of(ds.load())
    means = np.full(len(tgt), np.nan)
    variances = np.full(len(tgt), np.nan)
    for j, row in enumerate(tgt.itertuples(index=False)):
        values, _ = _extract(run, row)
        if values is not None:
            means[j] = float(np.mean(values))
            variances[j] = float(np.var(values, ddof=1)) if len(values) > 1 else 0.0
    return means, variances


# ---------------------------------------------------------------------------------------------
# emulators


class _Emulator:
    """One Gaussian process per target on the unit cube (scikit-learn)."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, noise: np.ndarray, seed: int):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        d = X.shape[1]
        self.gps = []
        self.X = X
        self.Y = Y
        for j in range(Y.shape[1]):
            y = Y[:, j]
            kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(length_scale=np.full(d, 0.3), length_scale_bounds=(0.02, 20.0))
                      + WhiteKernel(1e-2, (1e-6, 1.0)))
            gp = GaussianProcessRegressor(kernel=kernel, alpha=np.maximum(noise[:, j], 0) / max(np.var(y), 1e-12) + 1e-8,
                                          normalize_y=True, n_restarts_optimizer=2, random_state=seed)
            # Hyperparameters at a bound (a flat target, no nugget needed) are expected, not a fault.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(X, y)
            self.gps.append(gp)

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu = np.empty((len(X), len(self.gps)))
        var = np.empty_like(mu)
        for j, gp in enumerate(self.gps):
            m, s = gp.predict(X, return_std=True)
            mu[:, j], var[:, j] = m, s ** 2
        return mu, var

    def loo(self) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out means and sds with the fitted hyperparameters."""
        from sklearn.gaussian_process import GaussianProcessRegressor

        n = len(self.X)
        mu = np.empty((n, len(self.gps)))
        sd = np.empty_like(mu)
        for j, gp in enumerate(self.gps):
            for i in range(n):
                keep = np.arange(n) != i
                alpha = gp.alpha if np.ndim(gp.alpha) == 0 else np.asarray(gp.alpha)[keep]
                g = GaussianProcessRegressor(kernel=gp.kernel_, alpha=alpha, normalize_y=True, optimizer=None)
                g.fit(self.X[keep], self.Y[keep, j])
                m, s = g.predict(self.X[i:i + 1], return_std=True)
                mu[i, j], sd[i, j] = m[0], s[0]
        return mu, sd


@dataclass
class Wave:
    index: int
    X: np.ndarray          # unit coordinates of the runs
    means: np.ndarray      # runs x targets
    variances: np.ndarray  # runs x targets (replicate variance)
    emulator: Optional[_Emulator] = None
    v_stoch: Optional[np.ndarray] = None
    nroy_fraction: float = 1.0


def _implausibility(wave: Wave, X: np.ndarray, tgt: pd.DataFrame, discrepancy: Union[float, dict[str, float]]) -> np.ndarray:
    assert wave.emulator is not None and wave.v_stoch is not None
    mu, var = wave.emulator.predict(X)
    z = tgt.z.to_numpy()
    if isinstance(discrepancy, dict):
        frac = tgt.observed_kind.map(lambda k: discrepancy.get(k, discrepancy.get("default", 0.0))).to_numpy(float)
    else:
        frac = np.full(len(tgt), float(discrepancy))
    md = (frac * np.maximum(np.abs(z), tgt.sigma_obs.to_numpy())) ** 2
    denom = var + tgt.sigma_obs.to_numpy() ** 2 + md + wave.v_stoch
    return np.asarray(np.abs(z - mu) / np.sqrt(denom))


def _nroy(waves: list[Wave], X: np.ndarray, tgt: pd.DataFrame, spec: Spec) -> np.ndarray:
    keep = np.ones(len(X), dtype=bool)
    for w in waves:
        if w.emulator is None or not keep.any():
            continue
        imp = _implausibility(w, X[keep], tgt, spec.discrepancy)
        keep[np.flatnonzero(keep)] = np.nanmax(imp, axis=1) <= spec.cutoff
    return keep


def _farthest(points: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n of the points, spread out: greedy farthest-point selection from a random start."""
    if len(points) <= n:
        return points
    chosen = [int(rng.integers(len(points)))]
    dist = np.linalg.norm(points - points[chosen[0]], axis=1)
    for _ in range(n - 1):
        i = int(np.argmax(dist))
        chosen.append(i)
        dist = np.minimum(dist, np.linalg.norm(points - points[i], axis=1))
    return points[chosen]


# ---------------------------------------------------------------------------------------------
# running a wave through the sweep machinery


def _yaml_value(v: float) -> float:
    return float(f"{v:.10g}")


def _wave_spec(spec: Spec, name: str, values: np.ndarray, path: Path, *, replicates: int, seed: int,
               case: Optional[Case] = None, extra_set: Optional[dict[str, Any]] = None) -> Path:
    """A sweep spec whose one parameter's values are whole parameter points (mappings of
    scenario paths to values): member m runs point m, in ``case`` (default: the spec's first)."""
    case = case or spec.cases[0]
    points = [{p.path: _yaml_value(v) for p, v in zip(spec.parameters, row)} for row in values]
    doc: dict[str, Any] = {
        "sweep": name,
        "description": f"calibration {spec.name}: {name}",
        "scenario": case.scenario,
        "parameters": [{"name": "point", "labels": [f"p{i}" for i in range(len(points))], "values": points}],
        "design": {"type": "grid"},
        "replicates": replicates,
        "seed": seed,
        "seed_policy": "common",
        "record": {"fields": list(spec.record.get("fields", ["control", "forces"])),
                   "interval": int(spec.record.get("interval", 1))},
        "outputs": ["control_share_pop"],
        "members_per_task": spec.members_per_task,
    }
    if case.set or extra_set:
        doc["set"] = {**case.set, **(extra_set or {})}
    if case.steps:
        doc["steps"] = case.steps
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, width=1000))
    return path


def _case_dir(spec: Spec, wave_dir: Path, case: Case) -> Path:
    return wave_dir if len(spec.cases) == 1 else wave_dir / case.name


def _run_points(spec: Spec, values: np.ndarray, wave_dir: Path, name: str, tgt: pd.DataFrame,
                executor: Optional[Executor], threads: Optional[int],
                progress: ProgressArg = None) -> tuple[np.ndarray, np.ndarray]:
    """Run every point in every case (one sweep per case); the replicate mean and variance of
    each target (columns in ``tgt`` order)."""
    from . import sweep

    means = np.full((len(values), len(tgt)), np.nan)
    variances = np.full_like(means, np.nan)
    for case in spec.cases:
        cols = np.flatnonzero(tgt.case.to_numpy() == case.name)
        if len(cols) == 0:
            continue
        d = _case_dir(spec, wave_dir, case)
        sweep_spec = _wave_spec(spec, name if len(spec.cases) == 1 else f"{name}-{case.name}", values,
                                d / "sweep.yaml", replicates=spec.replicates, seed=spec.seed, case=case)
        sweep.run(sweep_spec, executor, dir=d, threads=threads, progress=progress)
        sub = tgt.iloc[cols]
        for m in range(len(values)):
            means[m, cols], variances[m, cols] = _member_values(d / "members" / f"member-{m:06d}.h5", sub)
    return means, variances


def _all_targets(spec: Spec) -> pd.DataFrame:
    """The targets of every case, with a ``case`` column."""
    parts = []
    for c in spec.cases:
        t = targets(c.observations)
        if spec.target_kinds is not None:
            t = t[t.observed_kind.isin(spec.target_kinds)]
        t.insert(0, "case", c.name)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# parametric and stochastic spread


def variance_split(means: np.ndarray, variances: np.ndarray) -> pd.DataFrame:
    """The spread of each target (columns) over parameter samples (rows), split by the law of
    total variance: ``parametric`` = variance across samples of the per-sample replicate mean
    (ddof 0), ``stochastic`` = mean across samples of the replicate variance (as given); their
    sum is the ensemble's variance (exactly, when ``variances`` are population variances of
    equal replicate counts)."""
    means = np.atleast_2d(np.asarray(means, dtype=float))
    variances = np.atleast_2d(np.asarray(variances, dtype=float))
    par = np.var(means, axis=0)
    sto = np.mean(variances, axis=0)
    tot = par + sto
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(tot > 0, par / tot, np.nan)
    return pd.DataFrame({"mean": means.mean(axis=0), "var_parametric": par, "var_stochastic": sto,
                         "sd_parametric": np.sqrt(par), "sd_stochastic": np.sqrt(sto), "parametric_share": share})


def _spread(spec: Spec, samples: pd.DataFrame, tgt: pd.DataFrame, out: Path, executor: Optional[Executor],
            threads: Optional[int]) -> tuple[pd.DataFrame, int]:
    """Run ``spread_samples`` posterior samples with ``replicates`` each and split each target's
    spread into its parametric and stochastic parts."""
    k = min(spec.spread_samples, len(samples))
    values = samples[[p.name for p in spec.parameters]].to_numpy()[:k]
    means, variances = _run_points(spec, values, out / "spread", f"{spec.name}-spread", tgt, executor, threads)
    # population variance of the replicates, so that the two parts add up to the pooled variance
    variances = variances * (spec.replicates - 1) / spec.replicates
    split = variance_split(means, variances)
    keep = ["case", "kind", "date", "end_date", "region", "actor", "z", "sigma_obs"]
    return pd.concat([tgt[keep].reset_index(drop=True), split], axis=1), k


# ---------------------------------------------------------------------------------------------
# the result


@dataclass
class Calibration:
    """The outcome: ``samples`` (non-implausible parameter values, one column per parameter),
    ``waves`` (a table per wave: runs, non-implausible share of the prior box), the files
    written, and the spec."""

    spec: Spec
    samples: pd.DataFrame
    waves: pd.DataFrame
    files: list[str]
    dir: str
    wave_data: list[Wave] = field(default_factory=list, repr=False)
    targets: Optional[pd.DataFrame] = field(default=None, repr=False)
    spread: Optional[pd.DataFrame] = None
    spread_runs: int = 0

    def intervals(self, level: float = 0.9) -> pd.DataFrame:
        """Per parameter: the prior's and the posterior's central interval and the posterior
        median."""
        lo, hi = (1 - level) / 2, (1 + level) / 2
        rows = []
        for p in self.spec.parameters:
            s = self.samples[p.name]
            prior = p.to_value(np.array([lo, hi]))
            rows.append({"parameter": p.name, "path": p.path, "prior_low": prior[0], "prior_high": prior[1],
                         "low": s.quantile(lo), "median": s.quantile(0.5), "high": s.quantile(hi),
                         "width_ratio": (s.quantile(hi) - s.quantile(lo)) / (prior[1] - prior[0])})
        return pd.DataFrame(rows).set_index("parameter")

    def to_text(self) -> str:
        with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
            return "\n".join([
                f"calibration {self.spec.name}: {len(self.samples)} non-implausible samples",
                self.waves.to_string(index=False), "",
                "90% intervals (prior and posterior; width_ratio = posterior / prior):",
                self.intervals().to_string(), "",
                *(["Spread of each target over the posterior (" + str(self.spread_runs) + " samples x "
                   + str(self.spec.replicates) + " replicates): parametric = variance of the replicate means "
                   "across samples, stochastic = mean variance across replicates; parametric_share = "
                   "parametric / (parametric + stochastic):",
                   self.spread[["case", "kind", "date", "region", "actor", "z", "mean", "sd_parametric",
                                "sd_stochastic", "parametric_share"]].to_string(index=False),
                   f"mean parametric share {self.spread.parametric_share.mean():.3g}", ""]
                  if self.spread is not None else []),
                "wrote: " + ", ".join(self.files),
            ])


def _write_outputs(cal: Calibration, out: Path, plots: bool) -> list[str]:
    spec = cal.spec
    files = []
    cal.samples.to_csv(out / "samples.csv", index=False)
    files.append(str(out / "samples.csv"))
    cal.waves.to_csv(out / "waves.csv", index=False)
    files.append(str(out / "waves.csv"))
    iv = cal.intervals()
    summary: dict[str, Any] = {
        "calibration": spec.name,
        **({"scenario": spec.scenario, "observations": spec.observations.path} if len(spec.cases) == 1 else
           {"cases": [{"name": c.name, "scenario": c.scenario, "observations": c.observations.path}
                      for c in spec.cases]}),
        "method": f"history matching, {len(cal.waves)} waves, Gaussian-process emulators (scikit-learn), "
                  f"implausibility cut-off {spec.cutoff:g}",
        "samples": len(cal.samples),
        "parameters": [],
    }
    for p in spec.parameters:
        s = cal.samples[p.name]
        summary["parameters"].append({
            "name": p.name, "path": p.path,
            "prior": p.prior_doc(),
            "posterior": {"normal": [_yaml_value(s.mean()), _yaml_value(s.std())],
                          "bounds": [_yaml_value(s.min()), _yaml_value(s.max())],
                          "interval90": [_yaml_value(iv.loc[p.name, "low"]), _yaml_value(iv.loc[p.name, "high"])],
                          "median": _yaml_value(iv.loc[p.name, "median"])},
        })
    files.append(str(out / "calibration.yaml"))
    if cal.spread is not None:
        summary["spread"] = {"samples": int(cal.spread_runs), "replicates": spec.replicates,
                             "parametric_share_mean": _yaml_value(float(cal.spread.parametric_share.mean()))}
    (out / "calibration.yaml").write_text(
        "# Marginals of the non-implausible samples; the joint sample is posterior.yaml / samples.csv.\n"
        + yaml.safe_dump(summary, sort_keys=False, width=1000))
    if cal.spread is not None:
        cal.spread.to_csv(out / "spread.csv", index=False)
        files.append(str(out / "spread.csv"))
    # The joint posterior as a runnable sweep spec per case: member m runs sample m.
    for case in spec.cases:
        name = "posterior.yaml" if len(spec.cases) == 1 else f"posterior-{case.name}.yaml"
        post = _wave_spec(spec, f"{spec.name}-posterior" + ("" if len(spec.cases) == 1 else f"-{case.name}"),
                          cal.samples[[p.name for p in spec.parameters]].to_numpy(),
                          out / name, replicates=spec.replicates, seed=spec.seed, case=case)
        text = post.read_text()
        post.write_text(f"# Posterior of calibration {spec.name}: the non-implausible samples, one member each.\n"
                        f"# powershift sweep run {post.name} runs them (docs/calibration.md).\n" + text)
        files.append(str(post))
    if plots:
        files += _plots(cal, out)
    return files


def _plots(cal: Calibration, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec, tgt = cal.spec, cal.targets
    assert tgt is not None
    files = []
    # implausibility per wave: the runs' max implausibility under their own wave's emulator
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for w in cal.wave_data:
        if w.emulator is None:
            continue
        imp = np.nanmax(_implausibility(w, w.X, tgt, spec.discrepancy), axis=1)
        ax.scatter(np.full(len(imp), w.index) + np.linspace(-0.2, 0.2, len(imp)), imp, s=10)
    ax.axhline(spec.cutoff, color="k", ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("wave")
    ax.set_ylabel("max implausibility of the wave's runs")
    fig.tight_layout()
    fig.savefig(out / "implausibility.png", dpi=100)
    plt.close(fig)
    files.append(str(out / "implausibility.png"))
    # emulator leave-one-out (last wave)
    emulator = [w.emulator for w in cal.wave_data if w.emulator is not None][-1]
    mu, sd = emulator.loo()
    nt = len(tgt)
    cols = min(nt, 4)
    rows = math.ceil(nt / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.6 * rows), squeeze=False)
    for j in range(nt):
        ax = axes[j // cols][j % cols]
        ax.errorbar(emulator.Y[:, j], mu[:, j], yerr=2 * sd[:, j], fmt="o", ms=3, lw=0.8)
        lim = [np.nanmin(emulator.Y[:, j]), np.nanmax(emulator.Y[:, j])]
        ax.plot(lim, lim, "k-", lw=0.8)
        row = tgt.iloc[j]
        ax.set_title(f"{row.kind} {row.region or ''} {row.actor or ''} {row.date}", fontsize=7)
    for j in range(nt, rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.supxlabel("simulator (replicate mean)")
    fig.supylabel("emulator, leave one out (±2 sd)")
    fig.tight_layout()
    fig.savefig(out / "emulator-loo.png", dpi=100)
    plt.close(fig)
    files.append(str(out / "emulator-loo.png"))
    # posterior marginals and pairs
    names = [p.name for p in spec.parameters]
    d = len(names)
    fig, axes = plt.subplots(d, d, figsize=(2.4 * d, 2.4 * d), squeeze=False)
    for i, pi in enumerate(spec.parameters):
        for j, pj in enumerate(spec.parameters):
            ax = axes[i][j]
            if i == j:
                ax.hist(cal.samples[pi.name], bins=20, range=(pi.low, pi.high), color="C0")
                ax.set_xlim(pi.low, pi.high)
            elif i > j:
                ax.scatter(cal.samples[pj.name], cal.samples[pi.name], s=4, alpha=0.5)
                ax.set_xlim(pj.low, pj.high)
                ax.set_ylim(pi.low, pi.high)
            else:
                ax.axis("off")
            if i == d - 1:
                ax.set_xlabel(pj.name)
            if j == 0 and i > 0:
                ax.set_ylabel(pi.name)
    fig.tight_layout()
    fig.savefig(out / "posterior.png", dpi=100)
    plt.close(fig)
    files.append(str(out / "posterior.png"))
    return files


# ---------------------------------------------------------------------------------------------


def calibrate(spec: Union[PathLike, Spec], executor: Optional[Executor] = None, *, dir: Optional[PathLike] = None,
              threads: Optional[int] = None, plots: bool = True,
              progress: Union[bool, None, Callable[[str], Any]] = None, **overrides: Any) -> Calibration:
    """History-match the spec's parameters to its observations (docs/calibration.md).

    ``executor``: any :class:`concurrent.futures.Executor`, passed to :func:`powershift.sweep.run`
    for every wave (None: members run here on every core). ``dir``: where the waves' sweeps and
    the results go (default ``./<calibration name>``). ``progress``: bars for the waves and for
    each wave's runs as they finish (``None``, the default: on a terminal or in a notebook only;
    ``True``: always; ``False``: never), or a callable ``progress(message)`` called with a summary
    after each wave instead. Keyword ``overrides`` replace top-level keys of the spec (e.g. ``observations=...``).
    Raises :class:`CalibrationError` for a bad spec or when no parameter value is left
    non-implausible."""
    from scipy.stats import qmc

    if not isinstance(spec, Spec):
        spec = load_spec(spec, overrides)
    out = Path(os.fspath(dir) if dir is not None else spec.name).resolve()
    out.mkdir(parents=True, exist_ok=True)
    tgt = _all_targets(spec)
    if tgt.empty:
        raise CalibrationError([f"{spec.observations.path}: error: no observation can be a calibration target"])
    d = len(spec.parameters)
    rng = np.random.default_rng(spec.seed)
    waves: list[Wave] = []
    rows: list[dict[str, Any]] = []
    probe = qmc.LatinHypercube(d=d, seed=spec.seed + 1).random(spec.candidates)  # fixed, to measure the NROY share
    report: Optional[Callable[[str], Any]] = progress if callable(progress) and not isinstance(progress, bool) else None
    bar_arg: ProgressArg = False if report is not None else cast("Optional[bool]", progress)
    with Progress(bar_arg, spec.waves, f"calibration {spec.name}", "wave") as bar:
        for k in range(1, spec.waves + 1):
            if k == 1:
                X = qmc.LatinHypercube(d=d, seed=spec.seed).random(spec.runs_per_wave)
            else:
                cand = qmc.LatinHypercube(d=d, seed=spec.seed + k).random(spec.candidates)
                cand = cand[_nroy(waves, cand, tgt, spec)]
                if len(cand) == 0:
                    raise CalibrationError([f"{spec.path}: error: wave {k}: no parameter value is left non-implausible "
                                            f"(cut-off {spec.cutoff:g}): the observations are out of the model's reach "
                                            "over these ranges, or their uncertainties too small (docs/calibration.md)"])
                X = _farthest(cand, spec.runs_per_wave, rng)
            values = np.column_stack([p.to_value(X[:, i]) for i, p in enumerate(spec.parameters)])
            means, variances = _run_points(spec, values, out / f"wave-{k}", f"{spec.name}-wave-{k}", tgt, executor, threads,
                                           progress=bar_arg)
            usable = ~np.isnan(means).any(axis=0)
            if not usable.all():
                lost = tgt[~usable]
                raise CalibrationError([f"{r.file}:{r.line}: error: the runs cannot give this {r.kind} observation "
                                        "(a date outside the run, or a field not recorded: see record:)"
                                        for r in lost.itertuples()])
            wave = Wave(k, X, means, variances)
            # Emulators on this wave's runs and the earlier runs inside the space it explores.
            Xs = np.vstack([w.X for w in waves] + [X])
            Ms = np.vstack([w.means for w in waves] + [means])
            Vs = np.vstack([w.variances for w in waves] + [variances])
            inside = _nroy(waves, Xs, tgt, spec)
            wave.emulator = _Emulator(Xs[inside], Ms[inside], Vs[inside] / spec.replicates, spec.seed)
            wave.v_stoch = np.mean(variances, axis=0)
            waves.append(wave)
            wave.nroy_fraction = float(_nroy(waves, probe, tgt, spec).mean())
            imp_runs = np.nanmax(_implausibility(wave, X, tgt, spec.discrepancy), axis=1)
            rows.append({"wave": k, "runs": len(X), "emulator_runs": int(inside.sum()),
                         "runs_non_implausible": int((imp_runs <= spec.cutoff).sum()),
                         "nroy_share_of_prior": wave.nroy_fraction})
            if report is not None:
                report(f"wave {k}/{spec.waves}: {len(X)} runs, {int((imp_runs <= spec.cutoff).sum())} non-implausible; "
                       f"non-implausible share of the prior box {wave.nroy_fraction:.3g}")
            bar.update(1)
    # The posterior: prior draws that no wave rules out.
    n_draw = max(spec.candidates, 20 * spec.samples)
    draws = qmc.LatinHypercube(d=d, seed=spec.seed + 100).random(n_draw)
    kept = draws[_nroy(waves, draws, tgt, spec)]
    if len(kept) == 0:
        raise CalibrationError([f"{spec.path}: error: no parameter value is left non-implausible after "
                                f"{len(waves)} waves (cut-off {spec.cutoff:g})"])
    if len(kept) > spec.samples:
        kept = kept[rng.choice(len(kept), spec.samples, replace=False)]
    samples = pd.DataFrame({p.name: p.to_value(kept[:, i]) for i, p in enumerate(spec.parameters)})
    cal = Calibration(spec=spec, samples=samples, waves=pd.DataFrame(rows), files=[], dir=str(out),
                      wave_data=waves, targets=tgt)
    if spec.spread_samples:
        cal.spread, cal.spread_runs = _spread(spec, samples, tgt, out, executor, threads)
        if report is not None:
            report(f"spread: {cal.spread_runs} posterior samples x {spec.replicates} replicates; "
                     f"mean parametric share {cal.spread.parametric_share.mean():.3g}")
    cal.files = _write_outputs(cal, out, plots)
    return cal


# ---------------------------------------------------------------------------------------------
# leave one case out


@dataclass
class Fold:
    """One fold of :func:`leave_one_out`: calibrated on ``trained_on``, scored on ``case``
    (``case`` is ``None`` for the in-sample fold, calibrated on every case and scored on each).
    ``calibration`` is ``None`` where nothing was left non-implausible (``error`` says so); the
    predictions then come from the prior."""

    case: Optional[str]
    trained_on: list[str]
    calibration: Optional[Calibration]
    error: str
    scores: dict[str, Any]          # case -> powershift.scoring.Scores
    spread: dict[str, pd.DataFrame]  # case -> variance split of each observation
    samples: pd.DataFrame            # the parameter values the predictions ran


@dataclass
class LeaveOneOut:
    spec: Spec
    folds: list[Fold]
    dir: str
    predict_samples: int
    replicates: int

    def table(self) -> pd.DataFrame:
        """One row per case, kind and score: out of sample (the fold that left the case out), in
        sample (the fold calibrated on every case, where run) and the baselines, persistence and
        the posterior ensemble without the case's events."""
        rows = []
        for f in self.folds:
            for case, s in f.scores.items():
                for (kind, name), r in s.summary().iterrows():
                    if name == "cover50":
                        continue
                    rows.append({"case": case, "kind": kind, "score": name, "n": int(r.n),
                                 "fit": "in sample" if f.case is None else "held out",
                                 "posterior": "prior" if f.calibration is None else "calibrated",
                                 "model": r.model, "persistence": r.persistence, "without": r.without})
        t = pd.DataFrame(rows)
        if t.empty:
            return t
        held = t[t.fit == "held out"].set_index(["case", "kind", "score"])
        ins = t[t.fit == "in sample"].set_index(["case", "kind", "score"])
        if held.empty:  # the in-sample fold alone
            held = ins.assign(model=np.nan)
        out = held.rename(columns={"model": "held_out"})[["n", "posterior", "held_out", "persistence", "without"]]
        out.insert(3, "in_sample", ins["model"].reindex(out.index) if not ins.empty else np.nan)
        neg = out.index.get_level_values("score").isin(["crps", "brier", "log"])
        with np.errstate(divide="ignore", invalid="ignore"):
            out["skill_vs_persistence"] = np.where(neg, 1 - out.held_out / out.persistence, np.nan)
            out["skill_vs_without"] = np.where(neg, 1 - out.held_out / out.without, np.nan)
        return out

    def intervals(self) -> pd.DataFrame:
        """The posterior 90% interval of each parameter in each fold."""
        rows = []
        for f in self.folds:
            if f.calibration is None:
                continue
            iv = f.calibration.intervals()
            for name, r in iv.iterrows():
                rows.append({"left_out": f.case or "(none)", "parameter": name, "prior_low": r.prior_low,
                             "prior_high": r.prior_high, "low": r.low, "median": r["median"], "high": r.high,
                             "width_ratio": r.width_ratio})
        return pd.DataFrame(rows)

    def spread_summary(self) -> pd.DataFrame:
        """Per held-out case and kind: the mean parametric share of the predictive spread."""
        rows = []
        for f in self.folds:
            if f.case is None:
                continue
            sp = f.spread.get(f.case)
            if sp is None or sp.empty:
                continue
            for kind, g in sp.groupby("kind"):
                rows.append({"case": f.case, "kind": kind, "n": len(g),
                             "parametric_share": float(g.parametric_share.mean())})
        return pd.DataFrame(rows)

    def to_text(self) -> str:
        with pd.option_context("display.width", 220, "display.max_rows", 500, "display.float_format", "{:.4g}".format):
            lines = [f"leave-one-case-out {self.spec.name}: {len(self.spec.cases)} cases, predictions from "
                     f"{self.predict_samples} posterior samples x {self.replicates} replicates"]
            for f in self.folds:
                head = f"left out {f.case}" if f.case else "in sample"
                lines.append(f"{head}: calibrated on {', '.join(f.trained_on)}"
                             + (f"; {f.error} (prior used)" if f.error else
                                f"; {len(f.calibration.samples)} non-implausible samples"))  # type: ignore[union-attr]
            lines += ["", self.table().to_string(), "", "posterior 90% intervals per fold:",
                      self.intervals().to_string(index=False), "", "parametric share of the predictive spread:",
                      self.spread_summary().to_string(index=False)]
            return "\n".join(lines)


def _predict(spec: Spec, case: Case, values: np.ndarray, out: Path, executor: Optional[Executor],
             threads: Optional[int]) -> tuple[Any, pd.DataFrame]:
    """Run ``case`` at each parameter point (with and without its events), score the pooled
    ensemble against the case's observations, and split each observation's spread."""
    from . import sweep
    from .io import load
    from .scoring import score

    dirs = {}
    for arm, extra in (("model", None), ("without", {"events": []})):
        d = out / arm
        sweep_spec = _wave_spec(spec, f"{spec.name}-{case.name}-{arm}", values, d / "sweep.yaml",
                                replicates=spec.replicates, seed=spec.seed, case=case, extra_set=extra)
        sweep.run(sweep_spec, executor, dir=d, threads=threads)
        dirs[arm] = [d / "members" / f"member-{m:06d}.h5" for m in range(len(values))]

    def datasets(files: list[Path]) -> list[Any]:
        res = []
        for f in files:
            with load(f) as ds:
                res.append(ds.load())
        return res

    s = score(datasets(dirs["model"]), case.observations, without=datasets(dirs["without"]))
    tgt = targets(case.observations)
    means = np.empty((len(values), len(tgt)))
    variances = np.empty_like(means)
    for m, f in enumerate(dirs["model"]):
        means[m], variances[m] = _member_values(f, tgt)
    variances = variances * (spec.replicates - 1) / spec.replicates
    keep = ["kind", "date", "end_date", "region", "actor", "z"]
    return s, pd.concat([tgt[keep].reset_index(drop=True), variance_split(means, variances)], axis=1)


def leave_one_out(spec: Union[PathLike, Spec], executor: Optional[Executor] = None, *,
                  dir: Optional[PathLike] = None, threads: Optional[int] = None, predict_samples: int = 10,
                  in_sample: bool = True, only: Optional[list[str]] = None, plots: bool = False,
                  progress: Optional[Callable[[str], None]] = None, **overrides: Any) -> LeaveOneOut:
    """Leave-one-case-out validation of a calibration spec with ``cases:`` (docs/validation.md):
    for each case, calibrate the shared parameters on the others only, run the held-out case at
    ``predict_samples`` of the posterior samples (``replicates`` each, with and without its
    events) and score the pooled ensemble against the held-out observations, next to
    persistence and the same posterior without the events. With ``in_sample``, one more fold
    calibrates on every case and scores each (the in-sample figures). ``only`` limits the
    held-out cases (an empty list: none, only the in-sample fold). Folds whose calibration leaves
    nothing non-implausible predict from the prior instead (said in the fold's ``error``)."""
    from scipy.stats import qmc

    if not isinstance(spec, Spec):
        spec = load_spec(spec, overrides)
    if len(spec.cases) < 2:
        raise CalibrationError([f"{spec.path}: error: leave-one-case-out needs a spec with at least two cases:"])
    out = Path(os.fspath(dir) if dir is not None else f"{spec.name}-loco").resolve()
    out.mkdir(parents=True, exist_ok=True)
    names = [c.name for c in spec.cases]
    unknown = [c for c in (only or []) if c not in names]
    if unknown:
        raise CalibrationError([f"{spec.path}: error: no case {', '.join(unknown)} (cases: {', '.join(names)})"])
    plan: list[tuple[Optional[Case], list[Case]]] = [
        (c, [x for x in spec.cases if x is not c]) for c in spec.cases if only is None or c.name in only]
    if in_sample:
        plan.append((None, list(spec.cases)))
    folds = []
    for held, train in plan:
        tag = f"without-{held.name}" if held else "all"
        sub = replace(spec, name=f"{spec.name}-{tag}", cases=train, scenario=train[0].scenario,
                      observations=train[0].observations)
        say = (lambda msg, tag=tag: progress(f"[{tag}] {msg}")) if progress else None
        cal: Optional[Calibration] = None
        error = ""
        try:
            cal = calibrate(sub, executor, dir=out / tag, threads=threads, plots=plots, progress=say)
            samples = cal.samples.iloc[:predict_samples].reset_index(drop=True)
        except CalibrationError as e:
            error = str(e).splitlines()[0].split("error: ", 1)[-1]
            u = qmc.LatinHypercube(d=len(spec.parameters), seed=spec.seed + 200).random(predict_samples)
            samples = pd.DataFrame({p.name: p.to_value(u[:, i]) for i, p in enumerate(spec.parameters)})
        values = samples[[p.name for p in spec.parameters]].to_numpy()
        scores, spreads = {}, {}
        for case in ([held] if held else spec.cases):
            scores[case.name], spreads[case.name] = _predict(sub, case, values, out / tag / f"predict-{case.name}",
                                                             executor, threads)
        folds.append(Fold(held.name if held else None, [c.name for c in train], cal, error, scores, spreads, samples))
        lines = []
        for name, sc in scores.items():
            sc.table.to_csv(out / tag / f"scores-{name}.csv", index=False)
            spreads[name].to_csv(out / tag / f"spread-{name}.csv", index=False)
            summ = sc.summary()
            for (kind, score_name), r in summ.iterrows():
                if score_name != "cover50":
                    lines.append(f"  {name} {kind} {score_name} n={int(r.n)}: model {r.model:.4g}, persistence "
                                 f"{r.persistence:.4g}, without {r.without:.4g}")
        samples.to_csv(out / tag / "predict-samples.csv", index=False)
        if progress:
            progress(f"[{tag}] scored {', '.join(scores)}" + (f" (prior: {error})" if error else "") + "\n"
                     + "\n".join(lines))
    return LeaveOneOut(spec, folds, str(out), predict_samples, spec.replicates)
