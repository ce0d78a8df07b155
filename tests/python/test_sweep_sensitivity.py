"""ps.sweep and ps.sensitivity: Sobol and Morris indices of functions whose indices are known in
closed form, computed on the designs `powershift sweep expand` writes (so the C++ Saltelli and
Morris layouts are checked against what SALib expects), and the refusal of incomplete sweeps."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import SOURCE_DIR

TWO_TOWNS = SOURCE_DIR / "scenarios" / "examples" / "two-towns.yaml"


def spec_file(tmp_path, design: str) -> str:
    path = tmp_path / "linear.yaml"
    path.write_text(f"""sweep: linear
scenario: {TWO_TOWNS}
parameters:
  - {{name: a, path: 'events[0].scope', distribution: {{uniform: [0, 1]}}}}
  - {{name: b, path: 'relations[0].value', distribution: {{uniform: [0, 1]}}}}
  - {{name: c, path: 'regions[0].terrain', distribution: {{uniform: [1, 2]}}}}
design: {design}
""")
    return str(path)


def as_dataset(table: pd.DataFrame, design: str, y: np.ndarray, *, second_order: int = 0, levels: int = 0) -> xr.Dataset:
    """What `sweep merge` writes, for a metric computed here instead of by the simulator."""
    unit = np.column_stack([table["a"], table["b"], table["c"] - 1.0])
    return xr.Dataset(
        {"y": ("member", y), "design_unit": (("member", "parameter"), unit)},
        coords={"member": table.index.values, "parameter": ["a", "b", "c"]},
        attrs={"design": design, "design_members": len(table), "design_second_order": second_order,
               "design_levels": levels, "sweep_name": "linear"})


# Y = 4a + 2b + 1c on uniform [0, 1] inputs: additive, so S1 = ST = w_i^2 / sum(w^2).
WEIGHTS = np.array([4.0, 2.0, 1.0])
EXPECTED_S = WEIGHTS**2 / (WEIGHTS**2).sum()  # 16/21, 4/21, 1/21


def linear(table: pd.DataFrame) -> np.ndarray:
    return WEIGHTS[0] * table["a"].values + WEIGHTS[1] * table["b"].values + WEIGHTS[2] * (table["c"].values - 1.0)


def test_sobol_indices_of_a_linear_function_match_the_closed_form(ps, tmp_path):
    table = ps.sweep.expand(spec_file(tmp_path, "{type: sobol, samples: 1024, seed: 3}"))
    assert len(table) == 1024 * (3 + 2)
    ds = as_dataset(table, "sobol", linear(table))
    si = ps.sensitivity.sobol(ds, lambda d: d.y)
    assert list(si.index) == ["a", "b", "c"]
    np.testing.assert_allclose(si["S1"], EXPECTED_S, atol=0.03)
    np.testing.assert_allclose(si["ST"], EXPECTED_S, atol=0.03)
    assert (si["S1_conf"] < 0.1).all()


def test_second_order_indices_of_an_interaction(ps, tmp_path):
    table = ps.sweep.expand(spec_file(tmp_path, "{type: sobol, samples: 1024, second_order: true, seed: 3}"))
    assert len(table) == 1024 * (2 * 3 + 2)
    # Y = (a - 1/2)(b - 1/2): no main effects, all variance in the a-b interaction.
    y = (table["a"].values - 0.5) * (table["b"].values - 0.5)
    si = ps.sensitivity.sobol(as_dataset(table, "sobol", y, second_order=1), lambda d: d.y)
    np.testing.assert_allclose(si["S1"], [0, 0, 0], atol=0.05)
    np.testing.assert_allclose(si["ST"], [1, 1, 0], atol=0.08)
    assert si.attrs["S2"].loc["a", "b"] == pytest.approx(1.0, abs=0.1)


def test_morris_effects_of_a_linear_function_are_its_weights(ps, tmp_path):
    table = ps.sweep.expand(spec_file(tmp_path, "{type: morris, samples: 20, levels: 4, seed: 5}"))
    assert len(table) == 20 * (3 + 1)
    si = ps.sensitivity.morris(as_dataset(table, "morris", linear(table), levels=4), lambda d: d.y)
    # Each elementary effect of a linear function is its weight: mu* = |w|, sigma = 0.
    np.testing.assert_allclose(si["mu_star"], WEIGHTS, rtol=1e-9)
    np.testing.assert_allclose(si["sigma"], 0.0, atol=1e-9)


def test_missing_members_are_listed_not_ignored(ps, tmp_path):
    table = ps.sweep.expand(spec_file(tmp_path, "{type: sobol, samples: 8, seed: 3}"))
    ds = as_dataset(table, "sobol", linear(table)).drop_sel(member=[3, 4, 5, 9])
    with pytest.raises(ValueError, match=r"4 of 40 members are missing: 3-5,9"):
        ps.sensitivity.sobol(ds, lambda d: d.y)
    nan = as_dataset(table, "sobol", np.where(table.index == 7, np.nan, linear(table)))
    with pytest.raises(ValueError, match="not finite for members 7"):
        ps.sensitivity.sobol(nan, lambda d: d.y)
    with pytest.raises(ValueError, match="need a morris design"):
        ps.sensitivity.morris(as_dataset(table, "sobol", linear(table)), lambda d: d.y)


def test_bad_specs_raise_input_error_with_the_located_message(ps, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(f"sweep: s\nscenario: {TWO_TOWNS}\nparameters:\n  - {{name: x, path: 'events[0].pace', values: [1]}}\n"
                    "design: {type: grid}\n")
    with pytest.raises(ps.InputError, match=r"bad.yaml:4:5: parameters.x = 1: error: events\[0\].pace: unknown key"):
        ps.sweep.expand(path)
    with pytest.raises(ps.InputError):
        ps.sweep.run(path, dir=tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_run_locally_and_read_by_parameter(ps, tmp_path):
    spec = SOURCE_DIR / "scenarios" / "sweeps" / "two-towns-grid.yaml"
    st = ps.sweep.status(spec, tmp_path / "tt")
    assert (st.members, st.done, len(st.missing), st.complete) == (6, [], 6, False)
    ds = ps.sweep.run(spec, dir=tmp_path / "tt", threads=2)
    assert ps.sweep.status(spec, tmp_path / "tt").complete
    assert ds.sizes["member"] == 6
    one = ds.where((ds.pace == 30) & (ds.scope == 0.5), drop=True)
    assert list(one.member.values) == [2]
    final = ps.sensitivity.metric("control_share_pop", actor="militia")(ds)
    assert final.dims == ("member",) and np.isfinite(final).all()
