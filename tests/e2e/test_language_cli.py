"""End-to-end tests of the scenario language on the command line (docs/cli.md, docs/scenarios.md
"Inheritance and overrides"): `--set PATH=VALUE` on `run` and `validate`, `extends`, and
`powershift schema`, whose JSON Schema must be a valid draft 2020-12 schema, accept the bundled
scenario, and allow exactly the keys the loader accepts.
"""

import copy
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

BIN = os.environ.get("POWERSHIFT_BIN")
if not BIN:
    pytest.skip("POWERSHIFT_BIN is not set (run through ctest)", allow_module_level=True)

h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")
yaml = pytest.importorskip("yaml")

SOURCE_DIR = Path(os.environ.get("POWERSHIFT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SYRIA = SOURCE_DIR / "scenarios" / "syria-2024-12.yaml"

# A small valid scenario: two on-map regions, an off-map homeland, two actors, a drawdown.
MINI = {
    "name": "mini",
    "run": {"steps": 20},
    "regions": [
        {"name": "A", "lat": 33.0, "lon": 36.0, "population": 1000},
        {"name": "B", "lat": 34.0, "lon": 36.5, "population": 1000},
        {"name": "Home", "offmap": True},
    ],
    "edges": [{"a": "A", "b": "B"}],
    "exits": [{"from": "A", "to": "Home", "capacity": 100}],
    "unit_types": {"inf": {"attack": 1.0, "defence": 1.0}},
    "actors": {
        "red": {"kind": "state", "home": "Home", "control": {"A": 0.8},
                "forces": [{"type": "inf", "region": "A", "strength": 600}]},
        "blue": {"kind": "non_state", "home": "B", "control": {"B": 0.5},
                 "forces": [{"type": "inf", "region": "B", "strength": 300}]},
    },
    "relations": [{"a": "red", "b": "blue", "value": -0.5}],
    "events": [{"type": "drawdown", "actor": "red", "day": 1, "scope": 0.5, "pace_days": 10}],
}


def run_cli(*args, cwd):
    return subprocess.run([BIN, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)


def listing(path):
    return sorted(p.name for p in Path(path).iterdir())


def text_attr(f, name):
    v = f.attrs[name]
    return v.decode() if isinstance(v, bytes) else str(v)


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1: `2024-12-08` becomes a date and `2.0e6` a string. The engine reads
    YAML 1.2 scalars, so compare like with like: no timestamps, 1.2 floats."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def load_yaml(path):
    return yaml.load(Path(path).read_text(), Loader=Yaml12Loader)


# --- --set ------------------------------------------------------------------------------------


def test_set_changes_the_run_and_is_recorded(tmp_path):
    r = run_cli("run", SYRIA, "--steps", 30, "-q", "-o", "base.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli("run", SYRIA, "--steps", 30, "-q", "--set", "actors.russia.budget=0", "-o", "over.h5",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "base.h5", "r") as base, h5py.File(tmp_path / "over.h5", "r") as over:
        actors = [a.decode() if isinstance(a, bytes) else a for a in base["actor"][()]]
        russia = actors.index("russia")
        b0, b1 = base["budget"][()], over["budget"][()]
        assert b0.shape == b1.shape
        assert b0[0, 0, russia] > 0
        assert b1[0, 0, russia] == 0
        assert not np.array_equal(b0, b1)
        # Other actors' budgets are untouched on day 0.
        others = [i for i in range(len(actors)) if i != russia]
        assert np.array_equal(b0[0, 0, others], b1[0, 0, others])
        # The stored scenario is the overridden one and names the override.
        stored = text_attr(over, "scenario_text")
        assert "--set actors.russia.budget=0" in stored
        assert text_attr(base, "scenario_text") == SYRIA.read_text()
    # The stored text reproduces the run.
    (tmp_path / "stored.yaml").write_text(stored)
    r = run_cli("run", "stored.yaml", "--steps", 30, "-q", "-o", "again.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "over.h5", "r") as a, h5py.File(tmp_path / "again.h5", "r") as b:
        for name in ("control", "forces", "budget"):
            assert np.array_equal(a[name][()], b[name][()]), name


def test_set_unknown_path_exits_2_and_writes_nothing(tmp_path):
    r = run_cli("run", SYRIA, "--steps", 5, "-q", "--set", "nosuch.key=1", "-o", "out.h5", cwd=tmp_path)
    assert r.returncode == 2
    assert "--set nosuch.key=1" in r.stderr
    assert "unknown key 'nosuch'" in r.stderr
    assert r.stdout == ""
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "assignment,fragment",
    [
        ("actors.rusia.budget=0", "unknown actor 'rusia'; did you mean 'russia'?"),
        ("regions[99].population=1", "index 99 is out of range"),
        ("run.steps.x=1", "single value"),
        ("events[0].scoep=0.5", "did you mean 'scope'?"),
        ("actors.russia.budget=-1", "must be >= 0"),
        ("events[0].leave=[Nowhere]", "unknown region 'Nowhere'"),
        ("run.dt=[1", "invalid YAML"),
        ("novalue", "expected PATH=VALUE"),
    ],
)
def test_bad_set_exits_2_naming_the_override(tmp_path, assignment, fragment):
    for cmd in (["validate", SYRIA], ["run", SYRIA, "--steps", 5, "-q", "-o", "out.h5"]):
        r = run_cli(*cmd, "--set", assignment, cwd=tmp_path)
        assert r.returncode == 2, (cmd, r.stderr)
        assert f"--set {assignment}" in r.stderr
        assert fragment in r.stderr
        assert listing(tmp_path) == []


def test_set_values_are_yaml_and_repeatable(tmp_path):
    r = run_cli("validate", SYRIA, "--set", "events[0].leave=[Hmeimim, Qamishli]", "--set",
                "model.control.theta=0.003", "--set", "actors.russia.salience.Homs=0.2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "ok" in r.stdout
    # A later --set of the same path wins.
    r = run_cli("run", SYRIA, "-q", "--no-output", "--steps", 3, "--set", "run.seed=-1", "--set", "run.seed=5",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr


# --- extends ----------------------------------------------------------------------------------


def test_extends_relative_to_the_extending_file(tmp_path):
    sub = tmp_path / "studies"
    sub.mkdir()
    rel = os.path.relpath(SYRIA, sub)
    (sub / "child.yaml").write_text(
        f"extends: {rel}\nname: syria-poor-russia\nactors:\n  russia: {{budget: 0}}\n"
    )
    # Run from elsewhere: the path is relative to the file, not the working directory.
    r = run_cli("run", "studies/child.yaml", "--steps", 10, "-q", "-o", "child.h5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "child.h5", "r") as f:
        actors = [a.decode() if isinstance(a, bytes) else a for a in f["actor"][()]]
        assert f["budget"][0, 0, actors.index("russia")] == 0
        assert len(actors) == 13
        stored = text_attr(f, "scenario_text")
        assert "extends" in stored and "syria-poor-russia" in stored


def test_extends_error_in_the_base_names_the_base(tmp_path):
    lines = SYRIA.read_text().splitlines(keepends=True)
    idx = next(i for i, line in enumerate(lines) if line.startswith("  steps: "))
    lines[idx] = "  steps: many\n"
    (tmp_path / "base.yaml").write_text("".join(lines))
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: child\n")
    r = run_cli("validate", "child.yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert re.search(r"base\.yaml:%d:10: error: run\.steps: expected an integer" % (idx + 1), r.stderr), r.stderr

    (tmp_path / "loop.yaml").write_text("extends: loop2.yaml\nname: loop\n")
    (tmp_path / "loop2.yaml").write_text("extends: loop.yaml\nname: loop2\n")
    r = run_cli("validate", "loop.yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert "extends cycle: loop.yaml -> loop2.yaml -> loop.yaml" in r.stderr


# --- schema -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    r = run_cli("schema", cwd=tmp_path_factory.mktemp("schema"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return json.loads(r.stdout)


def test_schema_is_a_valid_draft_2020_12_schema(schema):
    jsonschema = pytest.importorskip("jsonschema")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_validates_the_bundled_scenario(schema):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(schema)
    doc = load_yaml(SYRIA)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    # ... and rejects what the loader rejects: an unknown key, a value out of range.
    bad = copy.deepcopy(doc)
    bad["run"]["stesp"] = 5
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(doc)
    bad["actors"]["russia"]["aggressiveness"] = 1.5
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(doc)
    bad["events"][0]["type"] = "drawdwn"
    assert not validator.is_valid(bad)


def test_schema_accepts_an_extending_file_with_partial_mappings(schema):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(schema)
    child = {"extends": "syria-2024-12.yaml", "name": "child", "actors": {"russia": {"budget": 0}}}
    assert validator.is_valid(child)
    assert not validator.is_valid({"extends": "x.yaml", "actors": {}})  # name is still required
    del child["extends"]
    assert not validator.is_valid(child)  # a file of its own needs regions, unit types, kinds ...


def test_schema_documents_types_ranges_defaults(schema):
    run = schema["$defs"]["run"]["properties"]
    assert run["steps"]["type"] == ["integer", "null"]
    assert run["steps"]["minimum"] == 1 and run["steps"]["default"] == 365
    assert run["dt"]["exclusiveMinimum"] == 0 and run["dt"]["maximum"] == 30
    assert run["dt"]["description"]
    actor = schema["$defs"]["actor"]
    assert actor["properties"]["kind"]["enum"] == ["state", "non_state"]
    assert set(actor["required"]) == {"kind", "home"}
    for name, d in schema["$defs"].items():
        if "properties" in d:
            assert d.get("additionalProperties") is False, name
            assert d["properties"]["source"]["type"] == "string", name
            assert d["properties"]["note"]["type"] == "string", name


# Where a mapping of each $defs section goes in MINI.
def site(doc, section):
    if section == "root":
        return doc
    if section in ("run", "model", "outputs"):
        return doc.setdefault(section, {})
    if section.startswith("model."):
        return doc.setdefault("model", {}).setdefault(section[len("model."):], {})
    if section == "region":
        return doc["regions"][0]
    if section == "region.value":
        return doc["regions"][0].setdefault("value", {})
    if section == "edge":
        return doc["edges"][0]
    if section == "exit":
        return doc["exits"][0]
    if section == "unit_type":
        return doc["unit_types"]["inf"]
    if section == "actor":
        return doc["actors"]["red"]
    if section == "force":
        return doc["actors"]["red"]["forces"][0]
    if section == "relation":
        return doc["relations"][0]
    if section == "sponsor":
        doc["sponsors"] = [{"sponsor": "red", "client": "blue", "fraction": 0.1}]
        return doc["sponsors"][0]
    if section == "garrison":
        doc["garrisons"] = [{"actor": "red", "regions": ["A"]}]
        return doc["garrisons"][0]
    if section == "schedule_point":
        ev = doc["events"][0]
        del ev["scope"], ev["pace_days"]
        ev["schedule"] = [{"day": 5, "fraction": 0.2}]
        return ev["schedule"][0]
    if section == "event.drawdown":
        return doc["events"][0]
    if section.startswith("event."):
        ev = {"type": section[len("event."):], "day": 1}
        doc["events"].append(ev)
        return ev
    return None


def test_schema_keys_are_exactly_the_keys_the_loader_accepts(schema, tmp_path):
    """For every mapping the schema describes, a scenario using every key it allows (null: the
    default) is not rejected for an unknown key by `powershift validate`, and a key the schema
    does not allow is."""
    sections = [
        name for name, d in schema["$defs"].items()
        if "properties" in d and not name.endswith(".partial")
    ]
    assert {"root", "run", "actor", "event.drawdown", "schedule_point"} <= set(sections)
    for section in sections:
        doc = copy.deepcopy(MINI)
        where = site(doc, section)
        assert where is not None, f"no site for $defs/{section}: add one to site()"
        keys = [k for k in schema["$defs"][section]["properties"] if not (section == "root" and k == "extends")]
        for k in keys:
            where.setdefault(k, None)
        where["zzz_not_a_key"] = None
        path = tmp_path / f"{section}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        r = run_cli("validate", path, cwd=tmp_path)
        unknown = set(re.findall(r"unknown key '([^']*)'", r.stderr))
        assert unknown == {"zzz_not_a_key"}, (section, r.stderr)
    # `extends` is a key of the root too: accepted, and resolved.
    doc = copy.deepcopy(MINI)
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(doc))
    r = run_cli("validate", "base.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: child\n")
    r = run_cli("validate", "child.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
