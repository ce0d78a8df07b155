"""The validation-case scenarios in scenarios/validation/ against Lanchester theory (DOMAIN.md §1).

Each case is run through the real CLI (`powershift run -q -o`), and the strengths it records,
`forces_total[0, :, actor]` (replicate 0, every recorded step, actor X = 0 and Y = 1), are checked
against the invariant of its attrition law. The scenarios switch off noise, morale and
demobilisation, so the only thing acting is the exchange of fire, integrated by explicit Euler.
The same physics is tested on hand-built specs in tests/cpp/test_lanchester.cpp; these tests pin
the YAML files themselves, so the shipped validation cases stay valid and keep demonstrating
what their header comments claim.
"""

import math
import os
import subprocess
from pathlib import Path

import pytest

BIN = os.environ.get("POWERSHIFT_BIN")
if not BIN:
    pytest.skip("POWERSHIFT_BIN is not set (run through ctest)", allow_module_level=True)

h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")

SOURCE_DIR = Path(os.environ.get("POWERSHIFT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
CASES = SOURCE_DIR / "scenarios" / "validation"
NAMES = ["lanchester-square", "lanchester-linear", "lanchester-mixed", "iwo-jima"]

# Rates as written in the scenario files (unit_types.*.attack with alpha = intensity = 1).
SQUARE_A, SQUARE_B = 0.02, 0.01  # a: Y's kill rate on X; b: X's kill rate on Y
LINEAR_A, LINEAR_B = 2.0e-6, 3.0e-6
MIXED_C, MIXED_G = 1.0e-6, 0.05  # c: X (conventional) on Y per G C; g: Y (guerrilla) on X
IWO_US, IWO_JP = 0.0106, 0.0544  # US kill rate on Japanese; Japanese kill rate on US


def run_case(name, tmp_path):
    """Runs one validation case; returns (time in days, X strength, Y strength) and the file."""
    out = tmp_path / f"{name}.h5"
    proc = subprocess.run(
        [BIN, "run", "-q", "-o", str(out), str(CASES / f"{name}.yaml")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    with h5py.File(out, "r") as f:
        assert [a.decode() if isinstance(a, bytes) else a for a in f["actor"][:]] == ["X", "Y"]
        t = np.asarray(f["time"][:], dtype=float)
        x = np.asarray(f["forces_total"][0, :, 0], dtype=float)
        y = np.asarray(f["forces_total"][0, :, 1], dtype=float)
        dt = float(f.attrs["dt_days"])
    return t, x, y, dt


@pytest.mark.parametrize("name", NAMES)
def test_case_validates_cleanly(name, tmp_path):
    proc = subprocess.run([BIN, "validate", str(CASES / f"{name}.yaml")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_square_law_invariant_drifts_by_the_euler_factor(tmp_path):
    # I = b x^2 - a y^2; one explicit Euler step multiplies it by exactly (1 - a b dt^2).
    t, x, y, dt = run_case("lanchester-square", tmp_path)
    assert dt == 0.5 and len(x) == 101
    inv = SQUARE_B * x**2 - SQUARE_A * y**2
    factor = 1.0 - SQUARE_A * SQUARE_B * dt * dt
    for n in range(1, len(x)):
        assert y[n] > 1.0, "Y must survive the run so every step is a pure exchange"
        assert inv[n] / inv[n - 1] == pytest.approx(factor, rel=1e-9, abs=0), f"step {n}"
    assert inv[-1] / inv[0] == pytest.approx(factor ** (len(x) - 1), rel=1e-9)
    # And the trajectory is the closed form's to the Euler error (below 1% over 50 days).
    w = math.sqrt(SQUARE_A * SQUARE_B)
    x_exact = x[0] * np.cosh(w * t) - math.sqrt(SQUARE_A / SQUARE_B) * y[0] * np.sinh(w * t)
    assert np.max(np.abs(x / x_exact - 1.0)) < 0.01
    assert y[-1] < 0.5 * y[0]  # the exchange really happened


def test_linear_law_invariant_is_constant(tmp_path):
    # I = b x - a y is conserved exactly by Euler (both sides lose in proportion to x y).
    _, x, y, _ = run_case("lanchester-linear", tmp_path)
    inv = LINEAR_B * x - LINEAR_A * y
    assert inv[0] == pytest.approx(0.03, rel=1e-12)
    checked = 0
    for n in range(1, len(x)):
        if x[n] <= 1.0 or y[n] <= 1.0:  # units of strength <= 1 disband: not Lanchester any more
            break
        assert inv[n] / inv[0] == pytest.approx(1.0, rel=1e-9, abs=0), f"step {n}"
        checked += 1
    assert checked >= 30
    assert y[30] < 0.8 * y[0]


def test_mixed_law_invariant_within_one_percent(tmp_path):
    # Deitchman: X conventional C (square law), Y guerrilla G (linear law); I = 2 g G - c C^2.
    _, x, y, _ = run_case("lanchester-mixed", tmp_path)
    inv = 2 * MIXED_G * y - MIXED_C * x**2
    assert inv[0] == pytest.approx(700.0, rel=1e-12)
    checked = 0
    for n in range(1, len(x)):
        if x[n] <= 1.0 or y[n] <= 1.0:
            break
        assert inv[n] / inv[0] == pytest.approx(1.0, abs=0.01), f"step {n}"
        checked += 1
    assert checked >= 100
    assert x[checked] < 0.5 * x[0]  # the conventional side was badly hurt


def rk4_iwo_jima(h=1e-3):
    """Independent classical RK4 solution of Engel's equations with the two US pulses."""
    x, y, t = 54000.0, 21000.0, 0.0
    pulses = [(2.0, 6000.0), (5.0, 13000.0)]

    def f(xx, yy):
        return -IWO_JP * max(yy, 0.0), -IWO_US * max(xx, 0.0)

    while t < 60.0:
        while pulses and t >= pulses[0][0] - h / 2:
            x += pulses.pop(0)[1]
        k1 = f(x, y)
        k2 = f(x + h / 2 * k1[0], y + h / 2 * k1[1])
        k3 = f(x + h / 2 * k2[0], y + h / 2 * k2[1])
        k4 = f(x + h * k3[0], y + h * k3[1])
        nx = x + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        ny = y + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        if ny <= 0.0:
            frac = y / (y - ny)
            return t + frac * h, x + frac * (nx - x)
        x, y, t = nx, ny, t + h
    raise AssertionError("RK4: the Japanese were never annihilated")


def test_iwo_jima_matches_the_rk4_solution(tmp_path):
    # Reference values: an independent RK4 solution (step 1e-3 day) of dx/dt = -0.0544 y,
    # dy/dt = -0.0106 x with US pulses of 6,000 on day 2 and 13,000 on day 5: the Japanese reach
    # 0 at day 34.23 with 53,859 US left (DOMAIN.md §1; Engel's curve ends near day 36).
    zero_day_ref, us_left_ref = 34.2, 53860.0
    zero_day, us_left = rk4_iwo_jima()
    assert zero_day == pytest.approx(zero_day_ref, abs=0.05)
    assert us_left == pytest.approx(us_left_ref, rel=1e-4)

    t, x, y, _ = run_case("iwo-jima", tmp_path)
    assert x[0] == pytest.approx(54000.0) and y[0] == pytest.approx(21000.0)
    gone = np.nonzero(y <= 0.0)[0]
    assert gone.size, f"the Japanese were never annihilated: {y[-1]:.0f} left on day {t[-1]}"
    n = int(gone[0])
    assert abs(t[n] - zero_day_ref) <= 1.0, f"engine day {t[n]}, RK4 day {zero_day:.2f}"
    assert x[n] == pytest.approx(us_left_ref, rel=0.02), f"engine US {x[n]:.0f} on day {t[n]}"
    # The reinforcements arrived in full (no demobilisation) and no one else fought.
    assert np.all(np.diff(y) <= 0.0)
