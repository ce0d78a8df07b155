"""Parameters as distributions in a calibration spec (docs/calibration.md): the truncated priors'
moments against closed forms, located spec errors, and the split of a spread into its parametric
and stochastic parts (the law of total variance, by hand)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from conftest import SKIP_REASON

if SKIP_REASON:  # a build without powershift._core (the asan preset): nothing here can run
    pytest.skip(SKIP_REASON, allow_module_level=True)

from powershift.calibration import CalibrationError, Parameter, load_spec, variance_split  # noqa: E402

SOURCE = Path(__file__).resolve().parents[2]
U = (np.arange(200000) + 0.5) / 200000  # a fine midpoint grid of the unit interval


def phi(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def Phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_truncated_normal_prior_has_the_closed_form_mean_and_variance():
    mu, sd, lo, hi = 1.0, 2.0, 0.0, 5.0
    p = Parameter("x", "model.x", lo, hi, prior="normal", args=(mu, sd))
    x = p.to_value(U)
    a, b = (lo - mu) / sd, (hi - mu) / sd
    z = Phi(b) - Phi(a)
    mean = mu + sd * (phi(a) - phi(b)) / z
    var = sd ** 2 * (1 + (a * phi(a) - b * phi(b)) / z - ((phi(a) - phi(b)) / z) ** 2)
    assert x.min() >= lo and x.max() <= hi
    assert x.mean() == pytest.approx(mean, abs=1e-3)
    assert x.var() == pytest.approx(var, rel=1e-3)
    assert np.allclose(p.to_unit(x), U, atol=1e-9)


def test_lognormal_prior_median_and_log_sd():
    mu, sigma = math.log(0.002), 0.5
    p = Parameter("theta", "model.control.theta", 1e-6, 10.0, prior="lognormal", args=(mu, sigma))  # bounds far out
    x = p.to_value(U)
    assert np.median(x) == pytest.approx(0.002, rel=1e-4)
    assert np.log(x).std() == pytest.approx(sigma, rel=1e-3)


def test_uniform_and_loguniform_are_linear_maps():
    assert Parameter("a", "p", 2.0, 4.0).to_value(np.array([0.25]))[0] == pytest.approx(2.5)
    assert Parameter("a", "p", 1.0, 100.0, log=True).to_value(np.array([0.5]))[0] == pytest.approx(10.0)


def write_spec(tmp_path: Path, param: str) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"calibration: x\nscenario: {SOURCE / 'scenarios/examples/two-towns.yaml'}\n"
                    f"observations: {SOURCE / 'scenarios/calibration/two-towns-observations.csv'}\n"
                    f"parameters:\n  - {param}\n")
    return spec


def test_priors_load_from_a_spec(tmp_path):
    spec = load_spec(write_spec(tmp_path, "{name: t, path: model.control.theta, range: [0.0005, 0.008], "
                                          "prior: {lognormal: [-6.2, 0.7]}}"))
    p = spec.parameters[0]
    assert p.kind == "lognormal" and p.args == (-6.2, 0.7)
    assert p.prior_doc() == {"lognormal": [-6.2, 0.7], "bounds": [0.0005, 0.008]}
    spec = load_spec(write_spec(tmp_path, "{name: t, path: model.control.theta, range: [0.0005, 0.008], "
                                          "prior: loguniform}"))
    assert spec.parameters[0].kind == "loguniform"


@pytest.mark.parametrize("param, message", [
    ("{name: t, path: model.control.theta, range: [0.001, 0.01], prior: gaussian}", "parameters[0].prior: unknown prior"),
    ("{name: t, path: model.control.theta, range: [0.001, 0.01], prior: {normal: [0.002, -1]}}",
     "parameters[0].prior.normal: must be [mean, sd] with sd > 0"),
    ("{name: t, path: model.control.theta, range: [-1, 0.01], prior: {lognormal: [-6, 1]}}",
     "parameters[0].range: a log range needs low > 0"),
    ("{name: t, path: model.control.theta, range: [0.001, 0.01], log: true, prior: {normal: [0.002, 1]}}",
     "parameters[0].log: log: true does not go with a normal prior"),
])
def test_bad_priors_are_located(tmp_path, param, message):
    spec = write_spec(tmp_path, param)
    with pytest.raises(CalibrationError) as e:
        load_spec(spec)
    assert f"{spec}:5:" in str(e.value) and message in str(e.value), str(e.value)


def test_variance_split_by_hand():
    # two parameter samples x three replicates: values [1, 2, 3] and [5, 6, 7]
    reps = np.array([[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]])
    means = reps.mean(axis=1)[:, None]       # 2, 6
    variances = reps.var(axis=1)[:, None]    # 2/3 each (population)
    s = variance_split(means, variances)
    assert s.var_parametric[0] == pytest.approx(4.0)      # ((2-4)^2 + (6-4)^2) / 2
    assert s.var_stochastic[0] == pytest.approx(2 / 3)
    assert s.var_parametric[0] + s.var_stochastic[0] == pytest.approx(reps.ravel().var())  # total variance
    assert s.parametric_share[0] == pytest.approx(4.0 / (4.0 + 2 / 3))
    flat = variance_split(np.zeros((3, 1)), np.zeros((3, 1)))
    assert math.isnan(flat.parametric_share[0])           # no spread at all: no share
