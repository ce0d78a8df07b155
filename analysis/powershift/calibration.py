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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union, cast

import numpy as np
import pandas as pd
import yaml

from ._progress import Progress, ProgressArg
from .observations import (ObservationError, Observations, _LineLoader, _located, _suggest, _where,
                           load as load_observations)

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["Calibration", "CalibrationError", "calibrate", "load_spec", "synthetic_observations", "targets"]

_SPEC_KEYS = ("calibration", "description", "scenario", "observations", "set", "parameters", "waves",
              "runs_per_wave", "replicates", "seed", "steps", "cutoff", "discrepancy", "samples",
              "record", "members_per_task", "candidates", "source", "note")
_PARAM_KEYS = ("name", "path", "range", "log", "source", "note")


class CalibrationError(ValueError):
    """A calibration spec with problems (located, as the observation loader's), or a calibration
    that cannot go on (nothing left non-implausible)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Parameter:
    name: str
    path: str
    low: float
    high: float
    log: bool = False

    def to_value(self, u: np.ndarray) -> np.ndarray:
        if self.log:
            return np.asarray(np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low))))
        return np.asarray(self.low + u * (self.high - self.low))

    def to_unit(self, v: np.ndarray) -> np.ndarray:
        if self.log:
            return np.asarray((np.log(v) - np.log(self.low)) / (np.log(self.high) - np.log(self.low)))
        return np.asarray((v - self.low) / (self.high - self.low))


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
    discrepancy: float = 0.0
    samples: int = 200
    candidates: int = 4000
    record: dict[str, Any] = field(default_factory=lambda: {"fields": ["control", "forces"], "interval": 1})
    members_per_task: int = 4
    description: str = ""


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

    for key in doc:
        if not key.startswith("__") and key not in _SPEC_KEYS:
            bad(doc, key, key, f"unknown key{_suggest(key, _SPEC_KEYS)}")
    missing = [key for key in ("calibration", "scenario", "observations", "parameters") if key not in doc]
    for key in missing:
        bad(doc, None, key, "required")
    if missing:
        raise CalibrationError(problems)
    base = p.parent
    scenario = str((base / str(doc["scenario"])).resolve())
    if not Path(scenario).is_file():
        bad(doc, "scenario", "scenario", f"no such file: {scenario}")
    obs_path = doc["observations"]
    obs: Optional[Observations] = None
    if isinstance(obs_path, Observations):
        obs = obs_path
    else:
        try:
            obs = load_observations(base / str(obs_path))
        except ObservationError as e:
            problems += e.problems

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
        for key in q:
            if not key.startswith("__") and key not in _PARAM_KEYS:
                bad(q, key, f"{where}.{key}", f"unknown key{_suggest(key, _PARAM_KEYS)}")
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
        if log and rng[0] <= 0:
            bad(q, "range", f"{where}.range", "a log range needs low > 0")
            continue
        params.append(Parameter(name, path_, float(rng[0]), float(rng[1]), log))

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
        discrepancy=number("discrepancy", 0.0, low=0, high=10),
        samples=int(number("samples", 200, integer=True, low=10, high=100000)),
        candidates=int(number("candidates", 4000, integer=True, low=100, high=10**7)),
        members_per_task=int(number("members_per_task", 4, integer=True, low=1, high=100000)),
        description=str(doc.get("description", "")),
    )
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

    sc = Scenario.from_yaml(scenario)
    try:
        spec.observations.check(sc.regions, sc.actors)
    except ObservationError as e:
        raise CalibrationError(e.problems) from None
    return spec


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


def _implausibility(wave: Wave, X: np.ndarray, tgt: pd.DataFrame, discrepancy: float) -> np.ndarray:
    assert wave.emulator is not None and wave.v_stoch is not None
    mu, var = wave.emulator.predict(X)
    z = tgt.z.to_numpy()
    md = (discrepancy * np.maximum(np.abs(z), tgt.sigma_obs.to_numpy())) ** 2
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


def _wave_spec(spec: Spec, name: str, values: np.ndarray, path: Path, *, replicates: int, seed: int) -> Path:
    """A sweep spec whose one parameter's values are whole parameter points (mappings of
    scenario paths to values): member m runs point m."""
    points = [{p.path: _yaml_value(v) for p, v in zip(spec.parameters, row)} for row in values]
    doc: dict[str, Any] = {
        "sweep": name,
        "description": f"calibration {spec.name}: {name}",
        "scenario": spec.scenario,
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
    if spec.set:
        doc["set"] = spec.set
    if spec.steps:
        doc["steps"] = spec.steps
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, width=1000))
    return path


def _run_points(spec: Spec, values: np.ndarray, wave_dir: Path, name: str, tgt: pd.DataFrame,
                executor: Optional[Executor], threads: Optional[int],
                progress: ProgressArg = None) -> tuple[np.ndarray, np.ndarray]:
    from . import sweep

    sweep_spec = _wave_spec(spec, name, values, wave_dir / "sweep.yaml", replicates=spec.replicates, seed=spec.seed)
    sweep.run(sweep_spec, executor, dir=wave_dir, threads=threads, progress=progress)
    means = np.empty((len(values), len(tgt)))
    variances = np.empty_like(means)
    for m in range(len(values)):
        means[m], variances[m] = _member_values(wave_dir / "members" / f"member-{m:06d}.h5", tgt)
    return means, variances


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
        "scenario": spec.scenario,
        "observations": spec.observations.path,
        "method": f"history matching, {len(cal.waves)} waves, Gaussian-process emulators (scikit-learn), "
                  f"implausibility cut-off {spec.cutoff:g}",
        "samples": len(cal.samples),
        "parameters": [],
    }
    for p in spec.parameters:
        s = cal.samples[p.name]
        summary["parameters"].append({
            "name": p.name, "path": p.path,
            "prior": {"loguniform" if p.log else "uniform": [p.low, p.high]},
            "posterior": {"normal": [_yaml_value(s.mean()), _yaml_value(s.std())],
                          "bounds": [_yaml_value(s.min()), _yaml_value(s.max())],
                          "interval90": [_yaml_value(iv.loc[p.name, "low"]), _yaml_value(iv.loc[p.name, "high"])],
                          "median": _yaml_value(iv.loc[p.name, "median"])},
        })
    (out / "calibration.yaml").write_text(
        "# Marginals of the non-implausible samples; the joint sample is posterior.yaml / samples.csv.\n"
        + yaml.safe_dump(summary, sort_keys=False, width=1000))
    files.append(str(out / "calibration.yaml"))
    # The joint posterior as a runnable sweep spec: member m runs sample m.
    post = _wave_spec(spec, f"{spec.name}-posterior", cal.samples[[p.name for p in spec.parameters]].to_numpy(),
                      out / "posterior.yaml", replicates=spec.replicates, seed=spec.seed)
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


def _waves(spec: Spec, out: Path, tgt: pd.DataFrame, executor: Optional[Executor], threads: Optional[int],
           rng: np.random.Generator, probe: np.ndarray, waves: list[Wave], rows: list[dict[str, Any]],
           bar: Progress, bar_arg: ProgressArg, report: Optional[Callable[[str], Any]]) -> None:
    """The waves of :func:`calibrate` (appended to ``waves`` and ``rows``), each counted on
    ``bar`` once its emulator is fitted."""
    from scipy.stats import qmc

    d = len(spec.parameters)
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
        message = (f"wave {k}/{spec.waves}: {len(X)} runs, {int((imp_runs <= spec.cutoff).sum())} non-implausible; "
                   f"non-implausible share of the prior box {wave.nroy_fraction:.3g}")
        if report is not None:
            report(message)
        bar.update(1)


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
    tgt = targets(spec.observations)
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
        _waves(spec, out, tgt, executor, threads, rng, probe, waves, rows, bar, bar_arg, report)
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
    cal.files = _write_outputs(cal, out, plots)
    return cal
