"""Proper scores of an ensemble against observations, next to two baselines (docs/observations.md).

>>> import powershift as ps
>>> s = ps.score("run.h5", "observations.yaml")
>>> s.summary()                 # mean score per kind, model against the baselines
>>> s.summary(by="region")      # ... per region (also "actor", "date")
>>> s.table                     # one row per observation

Scores (lower is better except coverage, whose target is the nominal level):

* ``crps``: the continuous ranked probability score of the ensemble (``properscoring``), for
  shares, strengths and counts: ``mean|X - y| - ½ mean|X - X'|``.
* ``brier``: for who controls a region, ``Σ_k (p_k - o_k)²`` over the categories (every actor,
  and ``none``); ``log``: ``-ln max(p_obs, 0.01)``, the probability floored so that a forecast that
  gives the outcome no chance scores ``ln 100`` instead of infinity.
* ``cover50``, ``cover90``: 1 where the observation lies inside the ensemble's central 50% or 90%
  interval (quantiles, linear interpolation), else 0; their means are the coverages.

Forecasts: ``model`` (the run's ensemble), ``persistence`` (the run's day-0 state held: control,
controller, shares and strengths as on day 0, no fatalities and no events), and ``without``
(the ensemble without the event under study: a second run file, or the run's own
``counterfactual_control`` from ``--counterfactual``, which covers control, controller and
national shares at the final time only).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np
import pandas as pd
import xarray as xr

from .observations import Observations, load as load_observations

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["Scores", "score", "predict", "crps_ensemble", "brier", "log_score", "coverage"]

FORECASTS = ("model", "persistence", "without")
LOG_FLOOR = 0.01
_KIND_SCORES = {
    "controller": ("brier", "log"),
    "control": ("crps", "cover50", "cover90"),
    "control_share": ("crps", "cover50", "cover90"),
    "strength": ("crps", "cover50", "cover90"),
    "fatalities": ("crps", "cover50", "cover90"),
    "events": ("crps", "cover50", "cover90"),
}
ENGAGEMENT = 3  # event_kind of an engagement (docs/output-format.md)


# ---------------------------------------------------------------------------------------------
# scoring rules


def crps_ensemble(members: np.ndarray, y: float) -> float:
    """CRPS of an ensemble (equal weights) for the outcome ``y`` (``properscoring``)."""
    import properscoring

    return float(properscoring.crps_ensemble(float(y), np.asarray(members, dtype=float)))


def brier(probabilities: dict[str, float], outcome: str) -> float:
    """Multi-category Brier score ``Σ_k (p_k - [k = outcome])²``; categories missing from
    ``probabilities`` have probability 0."""
    total = sum((p - (1.0 if k == outcome else 0.0)) ** 2 for k, p in probabilities.items())
    if outcome not in probabilities:
        total += 1.0
    return float(total)


def log_score(probabilities: dict[str, float], outcome: str) -> float:
    """``-ln max(p_outcome, LOG_FLOOR)``."""
    return float(-math.log(max(probabilities.get(outcome, 0.0), LOG_FLOOR)))


def coverage(members: np.ndarray, y: float, level: float) -> float:
    """1.0 if ``y`` is inside the ensemble's central ``level`` interval, else 0.0."""
    lo, hi = np.quantile(np.asarray(members, dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return float(lo <= y <= hi)


# ---------------------------------------------------------------------------------------------
# what a run says about each observation


def _days(values: np.ndarray, start: np.datetime64) -> np.ndarray:
    values = np.asarray(values)
    if np.issubdtype(values.dtype, np.datetime64):
        return (values - start) / np.timedelta64(1, "D")
    return values.astype(float)  # not decoded: already days since the start


@dataclass
class _Run:
    ds: xr.Dataset
    start: np.datetime64
    times: np.ndarray  # recorded days
    dt: float
    regions: list[str]
    actors: list[str]

    @classmethod
    def of(cls, ds: xr.Dataset) -> "_Run":
        start = np.datetime64(ds.attrs["start_date"], "D")
        return cls(ds, start, _days(ds.time.values, start), float(ds.attrs.get("dt_days", 1.0)),
                   [str(r) for r in ds.region.values], [str(a) for a in ds.actor.values])

    def day(self, date: Any) -> float:
        return float((np.datetime64(date, "D") - self.start) / np.timedelta64(1, "D"))

    def time_index(self, date: Any) -> Optional[int]:
        d = self.day(date)
        if d < 0 or d > self.times[-1] + self.dt / 2:
            return None
        return int(np.argmin(np.abs(self.times - d)))


def _controllers(control: np.ndarray, actors: list[str]) -> np.ndarray:
    """Per replicate (rows of ``control``: replicate x actor) the actor holding at least half,
    else ``none``."""
    best = np.argmax(control, axis=-1)
    held = np.take_along_axis(control, best[..., None], axis=-1)[..., 0] >= 0.5
    names = np.asarray(actors + ["none"], dtype=object)
    return names[np.where(held, best, len(actors))]


def _national_share(control: np.ndarray, ds: xr.Dataset) -> np.ndarray:
    """control_share_pop from a replicate x region x actor field (docs/model.md)."""
    pop = np.asarray(ds.region_population.values, dtype=float)
    onmap = ~np.asarray(ds.region_offmap.values, dtype=bool)
    w = np.where(onmap, pop, 0.0)
    w = w / w.sum() if w.sum() > 0 else w
    out: np.ndarray = np.einsum("r,...ra->...a", w, control)
    return out


def _extract(run: _Run, row: Any, *, final_only_cf: bool = False) -> tuple[Optional[np.ndarray], str]:
    """The ensemble's values for one observation (per replicate), or None and why not."""
    ds = run.ds
    kind = row.kind
    if final_only_cf:
        if kind not in ("controller", "control", "control_share"):
            return None, "the run's counterfactual arm has final control only"
        t = run.time_index(row.date)
        if t is None or t != len(run.times) - 1:
            return None, "the run's counterfactual arm has final control only"
        field_ = np.asarray(ds.counterfactual_control.values, dtype=float)  # rep x region x actor
        if kind == "control_share":
            return _national_share(field_, ds)[:, run.actors.index(row.actor)], ""
        r = run.regions.index(row.region)
        if kind == "controller":
            return _controllers(field_[:, r, :], run.actors), ""
        return field_[:, r, run.actors.index(row.actor)], ""

    if kind in _KIND_SCORES and kind not in ("fatalities", "events"):
        t = run.time_index(row.date)
        if t is None:
            return None, "date outside the run"
        if kind in ("controller", "control") or (kind == "strength" and row.region):
            name = "forces" if kind == "strength" else "control"
            if name not in ds:
                return None, f"the run did not record {name} (see --fields)"
            r = run.regions.index(row.region)
            if kind == "controller":
                return _controllers(np.asarray(ds[name].isel(time=t, region=r).values, dtype=float), run.actors), ""
            return np.asarray(ds[name].isel(time=t, region=r, actor=run.actors.index(row.actor)).values, dtype=float), ""
        name = "control_share_pop" if kind == "control_share" else "forces_total"
        if name not in ds:
            return None, f"the run has no {name}"
        return np.asarray(ds[name].isel(time=t, actor=run.actors.index(row.actor)).values, dtype=float), ""

    # fatalities and events over [date, end_date], whole days
    d0, d1 = run.day(row.date), run.day(row.end_date) + 1
    if d0 < 0 or d1 > run.times[-1] + run.dt:
        return None, "period outside the run"
    nrep = ds.sizes["replicate"]
    if kind == "fatalities" and not row.region:
        if "casualties" not in ds:
            return None, "the run has no casualties"
        t0 = int(np.argmin(np.abs(run.times - d0)))
        t1 = int(np.argmin(np.abs(run.times - d1)))
        cas = np.asarray(ds.casualties.values, dtype=float).sum(axis=-1)  # rep x time
        return cas[:, t1] - cas[:, t0], ""
    if "event_kind" not in ds:
        return None, "the run has no event table"
    kinds = np.asarray(ds.event_kind.values)
    etime = _days(ds.event_time.values, run.start)
    sel = (kinds == ENGAGEMENT) & (etime >= d0) & (etime < d1)
    if row.region:
        sel &= np.asarray(ds.event_region.values) == run.regions.index(row.region)
    reps = np.asarray(ds.event_replicate.values)[sel].astype(int)
    weights = np.asarray(ds.event_value.values, dtype=float)[sel] if kind == "fatalities" else np.ones(sel.sum())
    return np.bincount(reps, weights=weights, minlength=nrep).astype(float), ""


def _persistence(run: _Run, row: Any) -> tuple[Optional[np.ndarray], str]:
    """The day-0 state of replicate 0, held (a one-member ensemble)."""
    if row.kind in ("fatalities", "events"):
        return np.zeros(1), ""
    ds0 = run.ds.isel(replicate=[0], time=[0])
    r0 = _Run(ds0, run.start, run.times[:1], run.dt, run.regions, run.actors)
    start_row = row._replace(date=pd.Timestamp(run.start).date())
    return _extract(r0, start_row)


def predict(run: Union[xr.Dataset, PathLike], observations: Union[Observations, PathLike]) -> list[Optional[np.ndarray]]:
    """The run's ensemble (one value per replicate) for each observation, in table order; None
    where the run cannot say (a date outside it, a field not recorded)."""
    ds = _open(run)
    obs = observations if isinstance(observations, Observations) else load_observations(observations)
    r = _Run.of(ds)
    obs.check(r.regions, r.actors)
    return [_extract(r, row)[0] for row in obs.table.itertuples(index=False)]


# ---------------------------------------------------------------------------------------------
# scores


def _open(run: Union[xr.Dataset, PathLike]) -> xr.Dataset:
    if isinstance(run, xr.Dataset):
        return run
    from .io import load

    with load(run) as ds:
        return ds.load()


def _score_values(kind: str, values: Optional[np.ndarray], y: Any) -> dict[str, float]:
    out = {name: math.nan for name in _KIND_SCORES[kind]}
    out["mean"] = math.nan
    if values is None or len(values) == 0:
        return out
    if kind == "controller":
        names, counts = np.unique(values.astype(str), return_counts=True)
        p = {str(k): c / len(values) for k, c in zip(names, counts)}
        out["brier"] = brier(p, y)
        out["log"] = log_score(p, y)
        out["mean"] = p.get(y, 0.0)  # the probability given to what happened
        return out
    values = np.asarray(values, dtype=float)
    out["crps"] = crps_ensemble(values, y)
    out["cover50"] = coverage(values, y, 0.5)
    out["cover90"] = coverage(values, y, 0.9)
    out["mean"] = float(values.mean())
    return out


@dataclass
class Scores:
    """Scores of a run against observations: ``table`` has one row per observation (its kind,
    date, region, actor, observed value, source, file and line, and for each forecast ``model``,
    ``persistence``, ``without`` the columns ``SCORE_FORECAST`` and ``mean_FORECAST``: the
    ensemble mean, or for a controller the probability given to the observed one) and
    ``unscored`` the reason where the model could not be scored."""

    table: pd.DataFrame
    run: str = ""
    observations: str = ""
    without: str = ""
    notes: list[str] = field(default_factory=list)

    def long(self) -> pd.DataFrame:
        """One row per observation, score and forecast (columns ``score``, ``forecast``,
        ``value``)."""
        rows = []
        keep = ["kind", "date", "end_date", "region", "actor"]
        for i, row in self.table.iterrows():
            for name in _KIND_SCORES[row["kind"]]:
                for f in FORECASTS:
                    rows.append({**{k: row[k] for k in keep}, "obs": i, "score": name, "forecast": f,
                                 "value": row[f"{name}_{f}"]})
        return pd.DataFrame(rows)

    def summary(self, by: Optional[str] = None) -> pd.DataFrame:
        """Mean of each score per kind (and per ``by``: ``region``, ``actor``, ``date``) for each
        forecast, with ``n`` (observations the model was scored on) and ``skill`` = 1 − model /
        persistence for the negatively oriented scores (CRPS, Brier, log; positive: the model
        beats persistence). Rows where a forecast could not be scored are left out of its mean."""
        long = self.long()
        if long.empty:
            return pd.DataFrame()
        keys = ([by] if by else []) + ["kind", "score"]
        long = long.copy()
        if by == "date":
            long["date"] = long["date"].astype(str)
        if by in ("region", "actor"):
            long[by] = long[by].replace("", "(all)")
        wide = long.pivot_table(index=keys + ["obs"], columns="forecast", values="value", dropna=False)
        wide = wide.reindex(columns=list(FORECASTS))
        out = wide.groupby(level=keys).mean()
        valid = [score in _KIND_SCORES[kind] for kind, score in zip(out.index.get_level_values("kind"),
                                                                     out.index.get_level_values("score"))]
        out = out[np.asarray(valid, dtype=bool)]
        wide = wide[np.asarray([s in _KIND_SCORES[k] for k, s in zip(wide.index.get_level_values("kind"),
                                                                      wide.index.get_level_values("score"))], dtype=bool)]
        out.insert(0, "n", wide["model"].notna().groupby(level=keys).sum().astype(int))
        present = (out["n"] > 0) | out[list(FORECASTS)].notna().any(axis=1)
        out = out[present.to_numpy()]
        neg = out.index.get_level_values("score").isin(["crps", "brier", "log"])
        with np.errstate(divide="ignore", invalid="ignore"):
            skill = 1.0 - out["model"] / out["persistence"]
        out["skill"] = np.where(neg, skill, np.nan)
        return out

    def total(self) -> pd.DataFrame:
        """The summary over all observations, one row per kind and score."""
        return self.summary()

    def to_text(self, by: tuple[str, ...] = ()) -> str:
        lines = [f"scores of {self.run} against {self.observations}"]
        if self.without:
            lines.append(f"baseline 'without': {self.without}")
        n_un = int(self.table["unscored"].astype(bool).sum())
        lines.append(f"{len(self.table)} observations, {len(self.table) - n_un} scored")
        lines += self.notes
        pd_opts = ("display.width", 200, "display.max_rows", 500, "display.float_format", "{:.4g}".format)
        with pd.option_context(*pd_opts):
            lines.append("")
            lines.append("total (mean per observation; crps, brier, log: lower is better; cover50/90: "
                         "share inside the 50%/90% interval)")
            lines.append(self.summary().to_string())
            for b in by:
                lines.append("")
                lines.append(f"by {b}")
                lines.append(self.summary(by=b).to_string())
        if n_un:
            reasons = self.table.loc[self.table["unscored"].astype(bool), "unscored"].value_counts()
            lines.append("")
            lines.append("not scored: " + "; ".join(f"{n} x {why}" for why, n in reasons.items()))
        return "\n".join(lines)


RunLike = Union[xr.Dataset, PathLike]


def _pooled(runs: list[_Run], row: Any, **kw: Any) -> tuple[Optional[np.ndarray], str]:
    """The values of several runs (members of a posterior sweep) for one observation, pooled
    into one ensemble."""
    parts = []
    for r in runs:
        values, why = _extract(r, row, **kw)
        if values is None:
            return None, why
        parts.append(np.asarray(values))
    return np.concatenate(parts), ""


def score(run: Union[RunLike, list[RunLike]], observations: Union[Observations, PathLike], *,
          without: Union[RunLike, list[RunLike], None] = None) -> Scores:
    """Score a run (a file of ``powershift run`` or a Dataset of :func:`powershift.run_ensemble`)
    against observations, next to the persistence baseline and the ensemble without the event
    under study (``without``: a run of the scenario without it; default: the run's own
    ``counterfactual_control`` if it was run with ``--counterfactual``).

    ``run`` (and ``without``) may be a list of runs of one scenario, e.g. the members of a
    posterior sweep (one parameter sample each): their replicates are pooled into one ensemble,
    which is what carries the parameter uncertainty into the scores. Persistence is the first
    run's day 0."""
    if isinstance(run, (list, tuple)):
        if not run:
            raise ValueError("no runs to score")
        runs = [_Run.of(_open(x)) for x in run]
        if any(x.regions != runs[0].regions or x.actors != runs[0].actors for x in runs):
            raise ValueError("the runs to pool have other regions or actors")
        wruns = [_Run.of(_open(x)) for x in without] if isinstance(without, (list, tuple)) else None
        if wruns is not None and any(x.regions != runs[0].regions or x.actors != runs[0].actors for x in wruns):
            raise ValueError("the 'without' runs have other regions or actors than the run")
        single = None if isinstance(without, (list, tuple)) else without
        return _score_runs(runs, observations, wruns, single,
                           run_name=f"{len(runs)} pooled runs",
                           without_name=f"{len(wruns)} pooled runs" if wruns else "")
    if isinstance(without, (list, tuple)):
        raise ValueError("'without' is a list of runs: pass 'run' as a list too")
    return _score_runs([_Run.of(_open(run))], observations, None, without,
                       run_name=str(run) if not isinstance(run, xr.Dataset) else "")


def _score_runs(runs: list[_Run], observations: Union[Observations, PathLike], wruns: Optional[list[_Run]],
                without: Union[RunLike, None], *, run_name: str, without_name: str = "") -> Scores:
    r = runs[0]
    ds = r.ds
    obs = observations if isinstance(observations, Observations) else load_observations(observations)
    obs.check(r.regions, r.actors)
    notes: list[str] = []
    cf_final = False
    if wruns is not None:
        pass
    elif without is not None:
        wds = _open(without)
        wr = _Run.of(wds)
        if wr.regions != r.regions or wr.actors != r.actors:
            raise ValueError("the 'without' run has other regions or actors than the run")
        wruns = [wr]
        without_name = str(without) if not isinstance(without, xr.Dataset) else "a Dataset"
    elif "counterfactual_control" in ds and len(runs) == 1:
        wruns, cf_final = runs, True
        without_name = "the run's counterfactual arm (final control only)"
    else:
        notes.append("no 'without' baseline: give --without RUN.h5, or run with --counterfactual")

    rows = []
    for row in obs.table.itertuples(index=False):
        y = row.actor if row.kind == "controller" else row.value
        out = {c: getattr(row, c) for c in ("kind", "date", "end_date", "region", "actor", "value",
                                             "sigma", "source", "file", "line")}
        values, why = _pooled(runs, row)
        out["unscored"] = why
        out["n"] = 0 if values is None else len(values)
        forecasts = {"model": values, "persistence": _persistence(r, row)[0] if values is not None else None,
                     "without": _pooled(wruns, row, final_only_cf=cf_final)[0] if wruns is not None else None}
        for f, v in forecasts.items():
            for name, s in _score_values(row.kind, v, y).items():
                out[f"{name}_{f}"] = s
        rows.append(out)
    table = pd.DataFrame(rows)
    for name in ("crps", "brier", "log", "cover50", "cover90", "mean"):
        for f in FORECASTS:
            if f"{name}_{f}" not in table:
                table[f"{name}_{f}"] = np.nan
    run_name = run_name or ds.attrs.get("scenario_name", "a Dataset")
    return Scores(table=table, run=run_name, observations=obs.path, without=without_name, notes=notes)
