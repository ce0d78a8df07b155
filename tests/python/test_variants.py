"""The Syria variants differ from the baseline only in what their names say (issue 12).

Each variant is composed as it runs (``extends`` merged, ``Scenario.text``) and compared with the
composed baseline leaf by leaf; provenance keys (``source``, ``note``) and the name and
description are left out. Events are matched by their ``name``. The allowed differences are
written here from the variants' names and header comments, so a variant that also changes a
garrison, drops an event or moves a force fails.
"""

import pytest

PROVENANCE = {"source", "note"}


def leaves(value, path=""):
    """{path: value} for every leaf; events keyed by name, other lists by index."""
    out = {}
    if isinstance(value, dict):
        for k, v in value.items():
            if k in PROVENANCE:
                continue
            out.update(leaves(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(value, list) and path == "events":
        for i, e in enumerate(value):
            out.update(leaves(e, f"events.{e.get('name', i)}"))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for i, e in enumerate(value):
            out.update(leaves(e, f"{path}[{i}]"))
    else:
        out[path] = value
    return out


def differences(ps, name):
    base = ps.Scenario.from_yaml(ps.scenario_dir() / "syria-2024-12.yaml").to_dict()
    variant = ps.Scenario.from_yaml(ps.scenario_dir() / f"{name}.yaml").to_dict()
    for d in (base, variant):
        d.pop("name", None)
        d.pop("description", None)
    a, b = leaves(base), leaves(variant)
    return {k for k in a.keys() | b.keys() if a.get(k, object()) != b.get(k, object())}


ALLOWED = {
    # Nothing leaves: the drawdown event is gone, everything else stands.
    "syria-no-drawdown": lambda p: p.startswith("events.russia-drawdown."),
    # The same drawdown event, faster, complete, from every site, nothing kept.
    "syria-rapid-withdrawal": lambda p: p in {
        "events.russia-drawdown.scope", "events.russia-drawdown.pace_days",
        "events.russia-drawdown.leave", "events.russia-drawdown.keep"},
    # The same drawdown event, complete and from Qamishli too; TartusBase kept as in the baseline.
    "syria-tartus-retained": lambda p: p in {
        "events.russia-drawdown.scope", "events.russia-drawdown.leave"},
    # One more event: the US drawdown.
    "syria-us-withdrawal": lambda p: p.startswith("events.us-drawdown."),
    # Turkey alone: its aggressiveness and interests, and its sponsorship of the SNA.
    "syria-turkey-restrained": lambda p: p.startswith("actors.turkey.") or p == "sponsors[0].fraction",
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_variant_differs_only_in_its_name(ps, name):
    diff = differences(ps, name)
    assert diff, f"{name} is the baseline"
    extra = sorted(p for p in diff if not ALLOWED[name](p))
    assert not extra, f"{name} also changes {extra}"


def test_differences_are_found(ps):
    """The comparison itself can fail: a garrison change shows up."""
    base = ps.Scenario.from_yaml(ps.scenario_dir() / "syria-2024-12.yaml").to_dict()
    changed = ps.Scenario.from_yaml(ps.scenario_dir() / "syria-2024-12.yaml").to_dict()
    changed["garrisons"] = changed["garrisons"][1:]
    a, b = leaves(base), leaves(changed)
    assert {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
