"""Scenarios from files, dicts and text; overrides with the paths of --set; errors located."""

import numpy as np
import pytest


def test_from_yaml(ps, syria, syria_path):
    assert syria.name == "syria-2024-12"
    assert syria.path == str(syria_path)
    assert "Hmeimim" in syria.regions and "russia" in syria.actors
    assert syria.withdrawing_actor == "russia" and syria.has_drawdown
    assert syria.steps == 365 and syria.dt == 1.0
    assert syria.hash.startswith("fnv1a64:")
    assert "powershift.Scenario 'syria-2024-12'" in repr(syria)


def test_default_is_the_bundled_syria_scenario(ps, syria):
    assert ps.Scenario.default().hash == syria.hash
    assert ps.Scenario().hash == syria.hash


def test_from_dict_round_trip(ps, syria):
    data = syria.to_dict()
    again = ps.Scenario.from_dict(data)
    assert again.regions == syria.regions and again.actors == syria.actors
    a = ps.Simulation(syria, seed=3).step(30)
    b = ps.Simulation(again, seed=3).step(30)
    assert np.array_equal(a.control, b.control)


def test_from_dict_changes(ps, syria):
    data = syria.to_dict()
    data["run"]["steps"] = 41
    assert ps.Scenario.from_dict(data).steps == 41


def test_override_paths_as_set(ps, syria):
    poor = syria.override({"actors.russia.budget": 0, "run.steps": 40})
    assert poor.steps == 40 and syria.steps == 365  # a copy; the original is unchanged
    assert poor.overrides == [("actors.russia.budget", "0"), ("run.steps", "40")]
    ri = syria.actors.index("russia")
    assert ps.Simulation(poor, seed=1).metrics()["budget"][ri] == 0.0
    assert ps.Simulation(syria, seed=1).metrics()["budget"][ri] > 0.0
    # Lists, strings, removal (None: back to the default).
    leave = syria.override({"events[0].leave": ["Hmeimim", "Qamishli"]})
    assert "Qamishli" in leave.text
    assert syria.override({"run.steps": None}).steps == 365
    # Overrides stack, later wins.
    assert poor.override({"run.steps": 50}).steps == 50


def test_override_errors_name_the_path(ps, syria):
    with pytest.raises(ps.ScenarioError) as e:
        syria.override({"actors.rusia.budget": 0})
    assert e.value.path == "actors.rusia"
    assert "russia" in str(e.value)  # the nearest valid name is suggested
    assert "override actors.rusia.budget=0" in str(e.value)
    with pytest.raises(ps.ScenarioError):
        syria.override({"actors.russia.budget": -1})
    with pytest.raises(TypeError):
        syria.override({"run.steps": object()})


def bad_scenario(ps) -> tuple[str, int, int]:
    """The tutorial scenario with a negative strength: (text, line, column) of the bad value."""
    text = (ps.scenario_dir() / "examples" / "two-towns.yaml").read_text()
    text = text.replace("region: Lower, strength: 1000", "region: Lower, strength: -5")
    for i, line in enumerate(text.splitlines(), start=1):
        if "strength: -5" in line:
            return text, i, line.index("-5") + 1
    raise AssertionError("the tutorial scenario changed")


def test_scenario_error_has_location(ps, tmp_path):
    text, line, column = bad_scenario(ps)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ps.ScenarioError) as e:
        ps.Scenario.from_yaml(path)
    err = e.value
    assert err.file == str(path)
    assert (err.line, err.column) == (line, column)
    assert err.path == "actors.patron.forces[1].strength"
    assert "-5" in err.message
    assert err.diagnostics and str(err.diagnostics[0]).startswith(f"{path}:{line}:{column}:")
    assert isinstance(err, ValueError)


def test_scenario_error_from_text_and_dict(ps):
    with pytest.raises(ps.ScenarioError) as e:
        ps.Scenario.from_string("name: x\nregions: 5\n", label="inline")
    assert e.value.file == "inline" and e.value.line == 2 and e.value.path == "regions"
    with pytest.raises(ps.ScenarioError) as e:
        ps.Scenario.from_dict({"name": "x", "regoins": []})
    assert "regions" in str(e.value)  # did you mean


def test_every_error_is_reported(ps):
    text = bad_scenario(ps)[0].replace("troops: {attack: 1.0", "troops: {attack: -1.0")
    with pytest.raises(ps.ScenarioError) as e:
        ps.Scenario.from_string(text)
    errors = [d for d in e.value.diagnostics if not d.warning]
    assert len(errors) >= 2
    assert {d.path for d in errors} >= {"unit_types.troops.attack", "actors.patron.forces[1].strength"}


def test_missing_file(ps, tmp_path):
    with pytest.raises(ps.ScenarioError) as e:
        ps.Scenario.from_yaml(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(e.value)


def test_extends_needs_a_directory_for_text(ps, syria_path):
    text = f"extends: {syria_path.name}\nname: child\nrun: {{steps: 45}}\n"
    with pytest.raises(ps.ScenarioError):
        ps.Scenario.from_string(text)
    child = ps.Scenario.from_string(text, base_dir=syria_path.parent)
    assert child.steps == 45 and child.regions[0] == "Damascus"
