"""Dated observations of a scenario's world, for scoring and calibration (docs/observations.md).

An observation set is a CSV table (one observation a row) or a YAML file that names one or more
tables, the scenario they describe, an alias table from place names to scenario regions, and
extracts of ACLED or UCDP GED as they are downloaded, which are aggregated to regions and
periods here.

>>> import powershift as ps
>>> obs = ps.observations.load("scenarios/history/syria-2024/observations.yaml")
>>> obs.table[["kind", "date", "region", "actor", "value", "source"]]

The loader is strict: every problem is collected with its file, line and column (or field) and
raised at once as :class:`ObservationError`; ``python -m powershift score`` prints them and exits
with code 2.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union, cast

import numpy as np
import pandas as pd
import yaml

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "COLUMNS",
    "KINDS",
    "ObservationError",
    "Observations",
    "load",
]

#: Kinds of observation and what each compares with in a run (docs/observations.md).
KINDS: dict[str, str] = {
    "controller": "the actor holding at least half of `region` on `date` (`actor`; `none` if no one)",
    "control": "control share of `actor` in `region` on `date` (`value` in [0, 1])",
    "control_share": "population-weighted national control share of `actor` on `date` (`value` in [0, 1])",
    "strength": "strength of `actor` on `date`: alive in total, or present in `region` if given",
    "fatalities": "combat deaths from `date` to `end_date` (inclusive), in `region` if given",
    "events": "engagements from `date` to `end_date` (inclusive), in `region` if given",
}

#: Columns of the native CSV format; `kind`, `date` and `source` are required in the header.
COLUMNS = ("kind", "date", "end_date", "region", "actor", "value", "sd", "low", "high", "source", "note")
_REQUIRED_COLUMNS = ("kind", "date", "source")
_PERIOD_KINDS = ("fatalities", "events")
_SHARE_KINDS = ("control", "control_share")

# Columns of the extracts as they are downloaded (other columns are ignored).
_ACLED_COLUMNS = ("event_date", "admin1", "fatalities")
_UCDP_COLUMNS = ("date_start", "date_end", "adm_1", "best")

_TOP_KEYS = ("observations", "name", "description", "scenario", "start_date", "aliases", "tables",
             "source", "note")
_TABLE_KEYS = ("file", "format", "source", "period_days", "periods", "event_types", "unmapped", "note")
_FORMATS = ("powershift", "acled", "ucdp_ged")


class ObservationError(ValueError):
    """Observation input with problems: ``problems`` lists each as ``file:line:column: error:
    field: message``; ``str()`` joins them."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Observations:
    """A loaded observation set.

    ``table``: one row per observation with the columns of :data:`COLUMNS` (dates as
    ``datetime.date``, numbers as float, NaN where not given) plus ``file`` and ``line`` (where
    the row came from; for aggregated extracts, the extract and the first event's line) and
    ``sigma`` (the observation's standard deviation: ``sd``, else ``(high - low) / 3.29`` — a
    90% range read as normal —, else NaN).
    """

    table: pd.DataFrame
    path: str = ""
    name: str = ""
    description: str = ""
    scenario: Optional[str] = None
    start_date: Optional[_dt.date] = None
    aliases: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table)

    def check(self, regions: Iterable[str], actors: Iterable[str]) -> None:
        """Check every row's region and actor against a scenario's (or a run's) names; raise
        :class:`ObservationError` naming the file, line and column of each unknown name."""
        problems = _check_names(self.table, list(regions), list(actors))
        if problems:
            raise ObservationError(problems)


# ---------------------------------------------------------------------------------------------
# helpers


def _located(file: str, line: int, column: int, fieldname: str, message: str) -> str:
    where = f"{file}:{line}:{column}" if column else f"{file}:{line}"
    return f"{where}: error: {fieldname}: {message}" if fieldname else f"{where}: error: {message}"


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _unknown_keys(bad: Callable[[dict[str, Any], Optional[str], str, str], None], m: dict[str, Any],
                  where: str, valid: Iterable[str]) -> None:
    """Report each key of the mapping ``m`` that is not in ``valid`` (keys starting ``__`` are
    the line loader's marks) as ``WHERE.KEY: unknown key; did you mean ...``."""
    for key in m:
        if not key.startswith("__") and key not in valid:
            bad(m, key, f"{where}.{key}" if where else key, f"unknown key{_suggest(key, valid)}")


def _parse_date(text: str) -> _dt.date:
    """ISO ``YYYY-MM-DD`` (a time after it, as UCDP writes, is ignored) or ACLED's
    ``01 January 2024``."""
    s = text.strip()
    if len(s) >= 10 and s[4] == "-" and s[7] == "-":
        return _dt.date.fromisoformat(s[:10])
    return _dt.datetime.strptime(s, "%d %B %Y").date()


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _read_csv(path: Path, problems: list[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and rows (with their 1-based line numbers) of a CSV file; problems appended."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            rows: list[tuple[int, list[str]]] = []
            header: list[str] = []
            try:
                for record in reader:
                    if not header:
                        if not record or all(not c.strip() for c in record):
                            continue
                        header = [c.strip() for c in record]
                        continue
                    if not record or all(not c.strip() for c in record):
                        continue
                    rows.append((reader.line_num, record))
            except csv.Error as e:
                problems.append(_located(str(path), reader.line_num, 0, "", f"malformed CSV: {e}"))
    except UnicodeDecodeError as e:
        problems.append(f"{path}: error: not UTF-8 text ({e.reason} at byte {e.start})")
        return [], []
    except OSError as e:
        problems.append(f"{path}: error: cannot read: {e.strerror or e}")
        return [], []
    if not header:
        problems.append(f"{path}: error: empty file: a CSV table needs a header line")
    return header, rows


# ---------------------------------------------------------------------------------------------
# native table


def _native_rows(path: Path, aliases: dict[str, str], default_source: str,
                 problems: list[str]) -> list[dict[str, Any]]:
    header, rows = _read_csv(path, problems)
    if not header:
        return []
    file = str(path)
    col = {name: i for i, name in enumerate(header)}
    ok = True
    for i, name in enumerate(header):
        if name not in COLUMNS:
            problems.append(_located(file, 1, i + 1, name or "(empty)",
                                     f"unknown column{_suggest(name, COLUMNS)} (columns: {', '.join(COLUMNS)})"))
            ok = False
        elif header.index(name) != i:
            problems.append(_located(file, 1, i + 1, name, "column given twice"))
            ok = False
    for name in _REQUIRED_COLUMNS:
        if name not in col and not (name == "source" and default_source):
            problems.append(_located(file, 1, 0, name, "required column missing from the header"))
            ok = False
    if not ok:
        return []

    out: list[dict[str, Any]] = []
    for line, record in rows:
        if len(record) != len(header):
            problems.append(_located(file, line, 0, "", f"{len(record)} fields, the header has {len(header)}"))
            continue

        def cell(name: str) -> str:
            return record[col[name]].strip() if name in col else ""

        def bad(name: str, message: str) -> None:
            problems.append(_located(file, line, col[name] + 1 if name in col else 0, name, message))

        row: dict[str, Any] = {"file": file, "line": line}
        kind = cell("kind")
        if kind not in KINDS:
            bad("kind", f"unknown kind '{kind}'{_suggest(kind, KINDS)} (kinds: {', '.join(KINDS)})")
            continue
        row["kind"] = kind
        for name in ("date", "end_date"):
            text = cell(name)
            row[name] = None
            if text:
                try:
                    row[name] = _parse_date(text)
                except ValueError:
                    bad(name, f"'{text}' is not a date YYYY-MM-DD")
        if row["date"] is None and cell("date") == "":
            bad("date", "required")
        region = cell("region")
        row["region"] = aliases.get(region, region)
        row["actor"] = cell("actor")
        for name in ("value", "sd", "low", "high"):
            text = cell(name)
            row[name] = math.nan
            if text:
                try:
                    row[name] = _number(text)
                except ValueError:
                    bad(name, f"'{text}' is not a number")
        row["source"] = cell("source") or default_source
        row["note"] = cell("note")
        _check_row(row, bad)
        out.append(row)
    return out


def _check_row(row: dict[str, Any], bad: Callable[..., None]) -> None:
    """The rules of docs/observations.md for one row; ``bad(field, message)`` reports."""
    kind = row["kind"]
    if not row["source"]:
        bad("source", "required: say where the figure comes from")
    if kind in _PERIOD_KINDS:
        if row["end_date"] is None:
            bad("end_date", f"required for {kind} (the period's last day)")
        elif row["date"] is not None and row["end_date"] < row["date"]:
            bad("end_date", f"{row['end_date']} is before date {row['date']}")
        if row["actor"]:
            bad("actor", f"must be empty for {kind} (counted over all actors)")
    elif row["end_date"] is not None:
        bad("end_date", f"only fatalities and events cover a period; a {kind} observation has one date")
    if kind in ("controller", "control") and not row["region"]:
        bad("region", f"required for {kind}")
    if kind == "control_share" and row["region"]:
        bad("region", "must be empty for control_share (a national share)")
    if kind != "controller" and kind not in _PERIOD_KINDS and not row["actor"]:
        bad("actor", f"required for {kind}")
    if kind == "controller":
        if not row["actor"]:
            bad("actor", "required for controller: the actor holding the region, or none")
        for name in ("value", "sd", "low", "high"):
            if not math.isnan(row[name]):
                bad(name, "must be empty for controller (the controller is in `actor`)")
        return
    value, sd, low, high = row["value"], row["sd"], row["low"], row["high"]
    if math.isnan(value) and (math.isnan(low) or math.isnan(high)):
        bad("value", f"required for {kind} (or give low and high)")
    if math.isnan(low) != math.isnan(high):
        bad("low" if math.isnan(low) else "high", "low and high go together")
    if not math.isnan(low) and not math.isnan(high) and low > high:
        bad("low", f"low {low:g} is above high {high:g}")
    if not math.isnan(value) and not math.isnan(low) and not (low <= value <= high):
        bad("value", f"{value:g} is outside [low, high] = [{low:g}, {high:g}]")
    if not math.isnan(sd) and sd < 0:
        bad("sd", f"must be >= 0, got {sd:g}")
    limits = (0.0, 1.0) if kind in _SHARE_KINDS else (0.0, math.inf)
    for name in ("value", "low", "high"):
        v = row[name]
        if not math.isnan(v) and not (limits[0] <= v <= limits[1]):
            rng = "[0, 1]" if kind in _SHARE_KINDS else ">= 0"
            bad(name, f"a {kind} must be {rng}, got {v:g}")


# ---------------------------------------------------------------------------------------------
# ACLED and UCDP GED extracts


def _periods(start: _dt.date, spec: dict[str, Any], dates: list[_dt.date]) -> list[tuple[_dt.date, _dt.date]]:
    if spec.get("periods"):
        return cast("list[tuple[_dt.date, _dt.date]]", spec["periods"])
    days = int(spec.get("period_days", 7))
    last = max(dates) if dates else start
    out = []
    d = start
    while d <= last:
        out.append((d, d + _dt.timedelta(days=days - 1)))
        d += _dt.timedelta(days=days)
    return out


def _extract_rows(path: Path, fmt: str, spec: dict[str, Any], aliases: dict[str, str],
                  start: Optional[_dt.date], where: str, problems: list[str]) -> list[dict[str, Any]]:
    header, rows = _read_csv(path, problems)
    if not header:
        return []
    file = str(path)
    col = {name: i for i, name in enumerate(header)}
    needed = _ACLED_COLUMNS if fmt == "acled" else _UCDP_COLUMNS
    missing = [c for c in needed if c not in col]
    if fmt == "acled" and spec.get("event_types") and "event_type" not in col:
        missing.append("event_type")
    if missing:
        problems.append(_located(file, 1, 0, ", ".join(missing),
                                 f"column(s) missing: a {fmt} extract needs {', '.join(needed)}"))
        return []
    if start is None:
        problems.append(f"{where}: error: start_date: aggregating a {fmt} extract into periods needs "
                        "start_date (give it, or a scenario)")
        return []
    date_col, region_col = ("event_date", "admin1") if fmt == "acled" else ("date_start", "adm_1")
    value_col = "fatalities" if fmt == "acled" else "best"
    types = set(spec.get("event_types") or [])
    unmapped_ok = spec.get("unmapped", "error") == "drop"
    events: list[tuple[_dt.date, str, float, float, float, int]] = []
    for line, record in rows:
        if len(record) != len(header):
            problems.append(_located(file, line, 0, "", f"{len(record)} fields, the header has {len(header)}"))
            continue
        if types and record[col["event_type"]].strip() not in types:
            continue
        text = record[col[date_col]].strip()
        try:
            date = _parse_date(text)
        except ValueError:
            problems.append(_located(file, line, col[date_col] + 1, date_col, f"'{text}' is not a date"))
            continue
        place = record[col[region_col]].strip()
        region = aliases.get(place, place)
        if spec.get("_regions") is not None and region not in spec["_regions"]:
            if unmapped_ok:
                continue
            problems.append(_located(file, line, col[region_col] + 1, region_col,
                                     f"'{place}' is not a region of the scenario and has no alias"
                                     f"{_suggest(region, spec['_regions'])} (add it to aliases, or "
                                     "set unmapped: drop)"))
            continue
        vals = []
        for name in ((value_col,) if fmt == "acled" else (value_col, "low", "high")):
            if name not in col:
                vals.append(math.nan)
                continue
            t = record[col[name]].strip()
            try:
                v = _number(t) if t else 0.0
                if v < 0:
                    raise ValueError
                vals.append(v)
            except ValueError:
                problems.append(_located(file, line, col[name] + 1, name, f"'{t}' is not a count >= 0"))
                vals.append(math.nan)
        if fmt == "acled":
            vals += [math.nan, math.nan]
        events.append((date, region, vals[0], vals[1], vals[2], line))
    periods = _periods(start, spec, [e[0] for e in events])
    regions = sorted({e[1] for e in events} | set(spec.get("_regions") or []))
    source = spec.get("source", "")
    out: list[dict[str, Any]] = []
    for p0, p1 in periods:
        for region in regions:
            sel = [e for e in events if e[1] == region and p0 <= e[0] <= p1]
            line = sel[0][5] if sel else 1
            base = {"file": file, "line": line, "date": p0, "end_date": p1, "region": region,
                    "actor": "", "source": source, "note": f"{fmt} extract: {len(sel)} events"}
            deaths = sum(e[2] for e in sel)
            row = dict(base, kind="fatalities", value=float(deaths), sd=math.nan, low=math.nan, high=math.nan)
            if fmt == "ucdp_ged" and sel and not any(math.isnan(e[3]) or math.isnan(e[4]) for e in sel):
                row["low"] = float(sum(e[3] for e in sel))
                row["high"] = float(sum(e[4] for e in sel))
            out.append(row)
            out.append(dict(base, kind="events", value=float(len(sel)), sd=math.nan, low=math.nan, high=math.nan))
    return out


# ---------------------------------------------------------------------------------------------
# YAML wrapper


class _LineLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML has no type information here
    """Safe loader that keeps each mapping's key lines (``__lines__``) for located errors."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = loader.construct_mapping(node, deep=True)
    lines = {}
    for key_node, _ in node.value:
        lines[str(key_node.value)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    mapping["__lines__"] = lines
    mapping["__line__"] = (node.start_mark.line + 1, node.start_mark.column + 1)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay strings: the loader parses them itself, with located errors.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _where(file: str, m: dict[str, Any], key: Optional[str] = None) -> tuple[int, int]:
    if key is not None and key in m.get("__lines__", {}):
        return cast("tuple[int, int]", m["__lines__"][key])
    return cast("tuple[int, int]", m.get("__line__", (1, 0)))


def _scenario_names(path: Path) -> tuple[list[str], list[str], _dt.date]:
    import warnings

    from ._scenario import Scenario, ScenarioWarning

    # Only the names are read here: the scenario's warnings come when it is loaded to run.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        sc = Scenario.from_yaml(path)
    return list(sc.regions), list(sc.actors), _dt.date.fromisoformat(sc.start_date)


def _load_yaml(path: Path, problems: list[str]) -> Optional[Observations]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as e:
        problems.append(f"{file}: error: cannot read: {e.strerror or e}")
        return None
    except UnicodeDecodeError as e:
        problems.append(f"{file}: error: not UTF-8 text ({e.reason} at byte {e.start})")
        return None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 0)
        problems.append(_located(file, line, column, "", f"YAML syntax: {getattr(e, 'problem', e)}"))
        return None
    if not isinstance(doc, dict):
        problems.append(_located(file, 1, 1, "", "the top level must be a mapping (docs/observations.md)"))
        return None

    def bad(m: dict[str, Any], key: Optional[str], fieldname: str, message: str) -> None:
        line, column = _where(file, m, key)
        problems.append(_located(file, line, column, fieldname, message))

    for key in doc:
        if key.startswith("__"):
            continue
        if key not in _TOP_KEYS:
            bad(doc, key, key, f"unknown key{_suggest(key, _TOP_KEYS)}")
    if doc.get("observations") != 1:
        bad(doc, "observations", "observations", "required: the format version, 1")
    base = path.parent
    regions: Optional[list[str]] = None
    actors: Optional[list[str]] = None
    start: Optional[_dt.date] = None
    scenario = None
    if "scenario" in doc:
        if not isinstance(doc["scenario"], str):
            bad(doc, "scenario", "scenario", "must be a path (relative to this file)")
        else:
            scenario = str((base / doc["scenario"]).resolve())
            try:
                regions, actors, start = _scenario_names(Path(scenario))
            except FileNotFoundError:
                bad(doc, "scenario", "scenario", f"no such file: {scenario}")
            except Exception as e:  # the scenario's own located diagnostics
                bad(doc, "scenario", "scenario", f"the scenario does not load:\n{e}")
    if "start_date" in doc:
        try:
            start = _parse_date(str(doc["start_date"]))
        except ValueError:
            bad(doc, "start_date", "start_date", f"'{doc['start_date']}' is not a date YYYY-MM-DD")

    aliases: dict[str, str] = {}
    al = doc.get("aliases")
    if isinstance(al, dict):
        for k, v in al.items():
            if k.startswith("__"):
                continue
            if not isinstance(v, str):
                bad(al, k, f"aliases.{k}", "must name a region")
            else:
                aliases[str(k)] = v
    elif isinstance(al, str):
        header, alias_rows = _read_csv(base / al, problems)
        if header and ("name" not in header or "region" not in header):
            problems.append(_located(str(base / al), 1, 0, "", "an alias table has columns name, region"))
        elif header:
            i, j = header.index("name"), header.index("region")
            for line, record in alias_rows:
                if len(record) != len(header):
                    problems.append(_located(str(base / al), line, 0, "", "wrong number of fields"))
                    continue
                aliases[record[i].strip()] = record[j].strip()
    elif al is not None:
        bad(doc, "aliases", "aliases", "must be a mapping name: region, or the path of a CSV table (name,region)")
    if regions is not None:
        for k, v in aliases.items():
            if v not in regions:
                line, column = _where(file, al, k) if isinstance(al, dict) else (1, 0)
                problems.append(_located(file, line, column, f"aliases.{k}",
                                         f"'{v}' is not a region of the scenario{_suggest(v, regions)}"))

    tables = doc.get("tables")
    rows: list[dict[str, Any]] = []
    if not isinstance(tables, list) or not tables:
        bad(doc, "tables", "tables", "required: a non-empty list of tables ({file: ..., format: ...})")
        tables = []
    for i, t in enumerate(tables):
        name = f"tables[{i}]"
        if not isinstance(t, dict):
            bad(doc, "tables", name, "must be a mapping with file:")
            continue
        _unknown_keys(bad, t, name, _TABLE_KEYS)
        fmt = t.get("format", "powershift")
        if fmt not in _FORMATS:
            bad(t, "format", f"{name}.format", f"unknown format '{fmt}'{_suggest(str(fmt), _FORMATS)} "
                f"(formats: {', '.join(_FORMATS)})")
            continue
        if not isinstance(t.get("file"), str):
            bad(t, "file", f"{name}.file", "required: the CSV file, relative to this file")
            continue
        table_path = base / t["file"]
        if not table_path.is_file():
            bad(t, "file", f"{name}.file", f"no such file: {table_path}")
            continue
        source = t.get("source", doc.get("source", ""))
        if not isinstance(source, str):
            bad(t, "source", f"{name}.source", "must be text")
            source = ""
        if fmt == "powershift":
            rows += _native_rows(table_path, aliases, source, problems)
            continue
        if not source:
            bad(t, "source", f"{name}.source", f"required for a {fmt} extract (e.g. the download's name and date)")
        spec: dict[str, Any] = {"source": source, "_regions": regions}
        if "period_days" in t:
            pdays = t["period_days"]
            if not isinstance(pdays, int) or isinstance(pdays, bool) or pdays < 1:
                bad(t, "period_days", f"{name}.period_days", "must be an integer >= 1")
                continue
            spec["period_days"] = pdays
        if "periods" in t:
            periods = []
            for j, p in enumerate(t["periods"] or []):
                try:
                    a, b = (_parse_date(str(x)) for x in p)
                    if b < a:
                        raise ValueError
                    periods.append((a, b))
                except (ValueError, TypeError):
                    bad(t, "periods", f"{name}.periods[{j}]", "must be [first day, last day] with first <= last")
            spec["periods"] = periods
        if "event_types" in t:
            spec["event_types"] = [str(x) for x in t["event_types"] or []]
        if "unmapped" in t:
            if t["unmapped"] not in ("error", "drop"):
                bad(t, "unmapped", f"{name}.unmapped", "must be error or drop")
            spec["unmapped"] = t["unmapped"]
        line, _ = _where(file, t)
        rows += _extract_rows(table_path, fmt, spec, aliases, start, f"{file}:{line}", problems)

    obs = Observations(table=_frame(rows), path=file, name=str(doc.get("name", path.stem)),
                       description=str(doc.get("description", "")), scenario=scenario,
                       start_date=start, aliases=aliases)
    if regions is not None and actors is not None:
        problems += _check_names(obs.table, regions, actors)
    return obs


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    cols = list(COLUMNS) + ["file", "line"]
    df = pd.DataFrame(rows, columns=cols)
    for name in ("value", "sd", "low", "high"):
        df[name] = df[name].astype(float)
    df["line"] = df["line"].astype(int)
    sigma = df["sd"].to_numpy(copy=True)
    from_range = np.isnan(sigma) & ~np.isnan(df["low"].to_numpy()) & ~np.isnan(df["high"].to_numpy())
    sigma[from_range] = (df["high"].to_numpy()[from_range] - df["low"].to_numpy()[from_range]) / 3.29
    df["sigma"] = sigma
    # The point value of a range given without one: its middle.
    missing = df["value"].isna() & df["low"].notna() & df["high"].notna()
    df.loc[missing, "value"] = (df.loc[missing, "low"] + df.loc[missing, "high"]) / 2
    return df


def _check_names(table: pd.DataFrame, regions: list[str], actors: list[str]) -> list[str]:
    problems = []
    header_cache: dict[str, list[str]] = {}
    for row in table.itertuples():
        file = row.file
        if file not in header_cache:
            try:
                with open(file, newline="", encoding="utf-8-sig") as f:
                    header_cache[file] = [c.strip() for c in next(csv.reader(f), [])]
            except OSError:
                header_cache[file] = []
        header = header_cache[file]

        def column(name: str) -> int:
            for candidate in ((name,) if name != "region" else ("region", "admin1", "adm_1")):
                if candidate in header:
                    return header.index(candidate) + 1
            return 0

        if row.region and row.region not in regions:
            problems.append(_located(file, row.line, column("region"), "region",
                                     f"'{row.region}' is not a region of the scenario{_suggest(row.region, regions)}"))
        allowed = actors + (["none"] if row.kind == "controller" else [])
        if row.actor and row.actor not in allowed:
            problems.append(_located(file, row.line, column("actor"), "actor",
                                     f"'{row.actor}' is not an actor of the scenario{_suggest(row.actor, allowed)}"))
    return problems


def load(path: PathLike) -> Observations:
    """Load an observation set: a CSV table in the native format, or a YAML file naming tables
    (docs/observations.md). Raises :class:`ObservationError` with every problem located."""
    p = Path(os.fspath(path))
    problems: list[str] = []
    if not p.is_file():
        raise ObservationError([f"{p}: error: no such file"])
    if p.suffix.lower() in (".yaml", ".yml"):
        obs = _load_yaml(p, problems)
    else:
        rows = _native_rows(p, {}, "", problems)
        obs = Observations(table=_frame(rows), path=str(p), name=p.stem)
    if problems:
        raise ObservationError(problems)
    assert obs is not None
    if obs.table.empty:
        raise ObservationError([f"{p}: error: no observations"])
    return obs
