"""Observation files (docs/observations.md): what loads, and located errors for what does not."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SKIP_REASON

if SKIP_REASON:  # a build without powershift._core (the asan preset): nothing here can run
    pytest.skip(SKIP_REASON, allow_module_level=True)

import powershift as ps  # noqa: E402
from powershift.observations import ObservationError

SOURCE = Path(__file__).resolve().parents[2]
TWO_TOWNS = SOURCE / "scenarios" / "examples" / "two-towns.yaml"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_native_table_loads(tmp_path):
    f = write(tmp_path / "o.csv",
              "kind,date,end_date,region,actor,value,sd,low,high,source\n"
              "controller,2024-01-10,,Upper,militia,,,,,report A\n"
              "control,2024-01-10,,Lower,patron,0.6,0.1,,,report B\n"
              "control_share,2024-02-01,,,militia,,,0.2,0.4,report C\n"
              "fatalities,2024-01-01,2024-01-07,,,120,,100,150,report D\n")
    obs = ps.observations.load(f)
    t = obs.table
    assert list(t.kind) == ["controller", "control", "control_share", "fatalities"]
    assert t.date[0] == dt.date(2024, 1, 10)
    assert t.line.tolist() == [2, 3, 4, 5]
    assert t.sigma[1] == 0.1
    # a range without a value: its middle, and sd = width / 3.29 (a 90% normal interval)
    assert t.value[2] == pytest.approx(0.3)
    assert t.sigma[2] == pytest.approx(0.2 / 3.29)
    assert math.isnan(t.sigma[0])


@pytest.mark.parametrize("text, expected", [
    ("kind,date,source\nbogus,2024-01-01,x\n", "o.csv:2:1: error: kind: unknown kind 'bogus'"),
    ("kind,date,source,valeu\n", "o.csv:1:4: error: valeu: unknown column; did you mean 'value'?"),
    ("kind,date\ncontrol,2024-01-01\n", "o.csv:1: error: source: required column missing"),
    ("kind,date,region,actor,value,source\ncontrol,2024-13-01,Upper,patron,0.5,s\n",
     "o.csv:2:2: error: date: '2024-13-01' is not a date"),
    ("kind,date,region,actor,value,source\ncontrol,2024-01-01,Upper,patron,1.5,s\n",
     "o.csv:2:5: error: value: a control must be [0, 1], got 1.5"),
    ("kind,date,region,actor,value,source\ncontrol,2024-01-01,Upper,patron,abc,s\n",
     "o.csv:2:5: error: value: 'abc' is not a number"),
    ("kind,date,region,actor,value,source\ncontrol,2024-01-01,Upper,patron,0.5,\n",
     "o.csv:2:6: error: source: required"),
    ("kind,date,region,actor,value,source\ncontrol,2024-01-01,,patron,0.5,s\n",
     "o.csv:2:3: error: region: required for control"),
    ("kind,date,end_date,value,source\nfatalities,2024-01-05,2024-01-01,3,s\n",
     "o.csv:2:3: error: end_date: 2024-01-01 is before date 2024-01-05"),
    ("kind,date,value,source\nevents,2024-01-05,3,s\n", "o.csv:2: error: end_date: required for events"),
    ("kind,date,region,actor,value,low,high,source\ncontrol,2024-01-01,Upper,patron,0.9,0.1,0.5,s\n",
     "o.csv:2:5: error: value: 0.9 is outside [low, high]"),
    ("kind,date,source\ncontrol,2024-01-01,s,extra\n", "o.csv:2: error: 4 fields, the header has 3"),
    ("", "o.csv: error: empty file"),
])
def test_native_errors_are_located(tmp_path, text, expected):
    f = write(tmp_path / "o.csv", text)
    with pytest.raises(ObservationError) as e:
        ps.observations.load(f)
    assert expected.replace("o.csv", str(f)) in str(e.value), str(e.value)


def test_every_problem_is_reported_at_once(tmp_path):
    f = write(tmp_path / "o.csv", "kind,date,region,actor,value,source\n"
              "control,2024-01-01,Upper,patron,2,s\n"
              "control,2024-01-01,Upper,,0.5,s\n")
    with pytest.raises(ObservationError) as e:
        ps.observations.load(f)
    assert len(e.value.problems) == 2
    assert f"{f}:2:5:" in e.value.problems[0] and f"{f}:3:4:" in e.value.problems[1]


def test_yaml_wrapper_with_aliases_and_names_checked(tmp_path):
    write(tmp_path / "o.csv", "kind,date,region,actor,value,source\n"
          "control,2024-01-01,upper town,patron,0.5,s\n"
          "control,2024-01-01,Upper,patorn,0.5,s\n")
    y = write(tmp_path / "o.yaml", f"observations: 1\nscenario: {TWO_TOWNS}\n"
              "aliases: {upper town: Upper}\ntables:\n  - file: o.csv\n")
    with pytest.raises(ObservationError) as e:
        ps.observations.load(y)
    assert e.value.problems == [
        f"{tmp_path / 'o.csv'}:3:4: error: actor: 'patorn' is not an actor of the scenario; did you mean 'patron'?"]


def test_yaml_errors_are_located(tmp_path):
    y = write(tmp_path / "o.yaml", "observations: 1\ntabels: []\n")
    with pytest.raises(ObservationError) as e:
        ps.observations.load(y)
    text = str(e.value)
    assert f"{y}:2:1: error: tabels: unknown key; did you mean 'tables'?" in text
    assert "tables: required" in text
    y = write(tmp_path / "p.yaml", "observations: 1\ntables:\n  - {file: missing.csv, format: acled}\n")
    with pytest.raises(ObservationError) as e:
        ps.observations.load(y)
    assert f"{y}:3:" in str(e.value) and "no such file" in str(e.value)
    y = write(tmp_path / "q.yaml", "observations: [1\n")
    with pytest.raises(ObservationError, match=r"q.yaml:2:1: error: YAML syntax"):
        ps.observations.load(y)


def test_acled_extract_aggregates_to_regions_and_periods(tmp_path):
    # ACLED's own column names and order; admin1 names mapped by an alias table (CSV).
    write(tmp_path / "acled.csv",
          "event_id_cnty,event_date,year,event_type,sub_event_type,country,admin1,fatalities,notes\n"
          "X1,2024-01-01,2024,Battles,Armed clash,Valley,Upper Province,3,a\n"
          "X2,2024-01-03,2024,Battles,Armed clash,Valley,Upper Province,4,b\n"
          "X3,08 January 2024,2024,Battles,Armed clash,Valley,Lower Province,10,c\n"
          "X4,2024-01-02,2024,Protests,Peaceful protest,Valley,Lower Province,0,d\n")
    write(tmp_path / "aliases.csv", "name,region\nUpper Province,Upper\nLower Province,Lower\n")
    y = write(tmp_path / "o.yaml", "observations: 1\nstart_date: 2024-01-01\naliases: aliases.csv\n"
              "tables:\n  - {file: acled.csv, format: acled, period_days: 7, event_types: [Battles],"
              " source: ACLED test extract}\n")
    t = ps.observations.load(y).table
    fat = t[t.kind == "fatalities"].set_index(["region", "date"]).value
    ev = t[t.kind == "events"].set_index(["region", "date"]).value
    w1, w2 = dt.date(2024, 1, 1), dt.date(2024, 1, 8)
    assert fat[("Upper", w1)] == 7 and ev[("Upper", w1)] == 2
    assert fat[("Lower", w1)] == 0 and ev[("Lower", w1)] == 0  # the protest is filtered out
    assert fat[("Lower", w2)] == 10 and ev[("Lower", w2)] == 1
    assert (t.end_date[t.date == w1] == dt.date(2024, 1, 7)).all()
    assert (t.source == "ACLED test extract").all()


def test_ucdp_ged_extract_keeps_low_and_high(tmp_path):
    write(tmp_path / "ged.csv",
          "id,year,type_of_violence,adm_1,date_start,date_end,best,high,low\n"
          "1,2024,1,Upper governorate,2024-01-02 00:00:00.000,2024-01-02 00:00:00.000,5,8,4\n"
          "2,2024,1,Upper governorate,2024-01-05 00:00:00.000,2024-01-06 00:00:00.000,2,3,2\n"
          "3,2024,1,Nowhere,2024-01-05 00:00:00.000,2024-01-06 00:00:00.000,2,3,2\n")
    y = write(tmp_path / "o.yaml", f"observations: 1\nscenario: {TWO_TOWNS}\nstart_date: 2024-01-01\n"
              "aliases: {Upper governorate: Upper}\n"
              "tables:\n  - {file: ged.csv, format: ucdp_ged, period_days: 14, source: UCDP GED test}\n")
    with pytest.raises(ObservationError) as e:
        ps.observations.load(y)
    assert f"{tmp_path / 'ged.csv'}:4:4: error: adm_1: 'Nowhere' is not a region of the scenario" in str(e.value)
    y.write_text(y.read_text().replace("source: UCDP GED test}", "source: UCDP GED test, unmapped: drop}"))
    t = ps.observations.load(y).table
    up = t[(t.kind == "fatalities") & (t.region == "Upper")].iloc[0]
    assert (up.value, up.low, up.high) == (7, 6, 11)
    assert up.sigma == pytest.approx(5 / 3.29)


def test_cli_exits_2_with_located_message(tmp_path):
    f = write(tmp_path / "o.csv", "kind,date,source\nbogus,2024-01-01,x\n")
    proc = subprocess.run([sys.executable, "-m", "powershift", "score", "--check", "run.h5", str(f)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert f"{f}:2:1: error: kind: unknown kind 'bogus'" in proc.stderr
    good = write(tmp_path / "g.csv", "kind,date,region,actor,value,source\ncontrol,2024-01-01,Upper,patron,0.5,s\n")
    proc = subprocess.run([sys.executable, "-m", "powershift", "score", "--check", "run.h5", str(good)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "powershift", "score", str(tmp_path / "none.h5"), str(good)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr
