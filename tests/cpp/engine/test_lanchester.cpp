// Combat on a one-region, two-actor scenario with noise off against Lanchester theory
// (DOMAIN.md §1): the square, linear and mixed-law invariants, the exact drift explicit Euler
// gives them, and Engel's Iwo Jima case against an independent RK4 solution.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "powershift/engine/simulation.hpp"
#include "test_support.hpp"

namespace ps = powershift;
using ps::testing::duel;

namespace {

struct Path {
  std::vector<double> x, y;  // strengths after each step (index 0: day 0)
};

Path simulate(const ps::ScenarioSpec& spec) {
  ps::Simulation sim(ps::testing::make_world(spec), 1, 0);
  Path p;
  p.x.push_back(sim.state().actor_strength(0));
  p.y.push_back(sim.state().actor_strength(1));
  for (int i = 0; i < spec.run.steps; ++i) {
    sim.step();
    p.x.push_back(sim.state().actor_strength(0));
    p.y.push_back(sim.state().actor_strength(1));
  }
  return p;
}

}  // namespace

TEST(Lanchester, SquareLawInvariantDriftsExactlyAsExplicitEulerPredicts) {
  // dx/dt = -a y, dy/dt = -b x; invariant I = b x^2 - a y^2. One Euler step multiplies I by
  // (1 - a b dt^2) exactly, so after n steps I_n = I_0 (1 - a b dt^2)^n.
  const double a = 0.02;  // Y's kill rate on X
  const double b = 0.01;  // X's kill rate on Y
  for (const double dt : {1.0, 0.1}) {
    const int steps = static_cast<int>(std::lround(20.0 / dt));
    const auto p = simulate(duel(b, 20000, false, a, 12000, false, dt, steps));
    const double i0 = b * p.x[0] * p.x[0] - a * p.y[0] * p.y[0];
    for (int n = 1; n <= steps; ++n) {
      const double in = b * p.x[n] * p.x[n] - a * p.y[n] * p.y[n];
      EXPECT_NEAR(in / i0, std::pow(1.0 - a * b * dt * dt, n), 1e-9)
          << "dt " << dt << " step " << n;
    }
    // Against the continuous invariant: drift over 20 days is a b dt^2 x 20/dt to first order.
    const double last = b * p.x[steps] * p.x[steps] - a * p.y[steps] * p.y[steps];
    EXPECT_LT(std::abs(last / i0 - 1.0), 1.2 * a * b * dt * 20.0) << "dt " << dt;
  }
}

TEST(Lanchester, SquareLawWinnerKeepsTheClosedFormRemainder) {
  // If b x0^2 > a y0^2, X wins with sqrt(x0^2 - (a/b) y0^2) left (dt = 0.01 for accuracy).
  const double a = 0.02, b = 0.01, x0 = 20000, y0 = 12000;
  const auto p = simulate(duel(b, x0, false, a, y0, false, 0.01, 30000));
  EXPECT_NEAR(p.y.back(), 0.0, 1e-9);
  const double expected = std::sqrt(x0 * x0 - a / b * y0 * y0);
  EXPECT_NEAR(p.x.back() / expected, 1.0, 0.01);
}

TEST(Lanchester, LinearLawInvariantIsConservedByEuler) {
  // dx/dt = -a x y, dy/dt = -b x y (s_ref = 1): b x - a y is conserved, and Euler keeps it
  // exactly because both sides lose in proportion to the same product x y.
  const double a = 2e-6, b = 3e-6;
  const auto p = simulate(duel(b, 20000, true, a, 15000, true, 1.0, 60));
  const double i0 = b * p.x[0] - a * p.y[0];
  for (std::size_t n = 1; n < p.x.size(); ++n) {
    if (p.x[n] <= 1.0 || p.y[n] <= 1.0) break;
    EXPECT_NEAR((b * p.x[n] - a * p.y[n]) / i0, 1.0, 1e-12) << "step " << n;
  }
  EXPECT_LT(p.y[30], 0.8 * p.y[0]);  // the exchange really happened
}

TEST(Lanchester, MixedLawInvariantWithinEulerDrift) {
  // Deitchman: guerrilla G under area fire (linear), conventional C under aimed fire (square):
  // dG/dt = -c G C, dC/dt = -g G; invariant 2 g G - c C^2. Each Euler step changes it by
  // exactly -c g^2 G^2 dt^2.
  const double c = 1e-6;  // C's kill rate per (G C)
  const double g = 0.05;  // G's kill rate on C
  const double dt = 0.1;
  const auto p = simulate(duel(c, 10000, false, g, 8000, true, dt, 200));
  // X = conventional C (square), Y = guerrilla G (linear).
  auto inv = [&](std::size_t n) { return 2 * g * p.y[n] - c * p.x[n] * p.x[n]; };
  double predicted = inv(0);
  for (std::size_t n = 1; n < p.x.size(); ++n) {
    if (p.x[n] <= 1.0 || p.y[n] <= 1.0) break;
    predicted -= c * g * g * p.y[n - 1] * p.y[n - 1] * dt * dt;
    EXPECT_NEAR(inv(n) / predicted, 1.0, 1e-9) << "step " << n;
    EXPECT_NEAR(inv(n) / inv(0), 1.0, 0.01) << "step " << n;
  }
}

TEST(Lanchester, EngelIwoJimaMatchesIndependentRk4) {
  // Engel (1954): US 54,000 landed on day 0, 6,000 on day 2, 13,000 on day 5; Japanese 21,000;
  // US kills Japanese at 0.0106/day, Japanese kill US at 0.0544/day.
  const double us_rate = 0.0106, jp_rate = 0.0544;
  auto spec = duel(us_rate, 54000, false, jp_rate, 21000, false, 1.0, 40);
  for (const auto& [day, strength] : {std::pair{2.0, 6000.0}, std::pair{5.0, 13000.0}}) {
    ps::EventSpec e;
    e.type = ps::EventType::Reinforcement;
    e.day = day;
    e.actor = 0;
    e.unit_type = 0;
    e.region = 0;
    e.strength = strength;
    spec.events.push_back(e);
  }
  const auto p = simulate(spec);
  int engine_day = -1;
  for (std::size_t n = 0; n < p.y.size(); ++n) {
    if (p.y[n] <= 0.0) {
      engine_day = static_cast<int>(n);
      break;
    }
  }
  ASSERT_GE(engine_day, 0) << "the Japanese force was never annihilated";

  // Independent solution: classical RK4 with step 1e-3 day and the same pulses.
  double x = 54000, y = 21000, t = 0.0, zero_day = -1.0, x_at_zero = 0.0;
  const double h = 1e-3;
  auto add_pulses = [&](double tt) {
    if (std::abs(tt - 2.0) < h / 2) x += 6000;
    if (std::abs(tt - 5.0) < h / 2) x += 13000;
  };
  std::function<std::pair<double, double>(double, double)> f = [&](double xx, double yy) {
    return std::pair{-jp_rate * std::max(yy, 0.0), -us_rate * std::max(xx, 0.0)};
  };
  while (t < 60.0 && zero_day < 0) {
    add_pulses(t);
    const auto [k1x, k1y] = f(x, y);
    const auto [k2x, k2y] = f(x + h / 2 * k1x, y + h / 2 * k1y);
    const auto [k3x, k3y] = f(x + h / 2 * k2x, y + h / 2 * k2y);
    const auto [k4x, k4y] = f(x + h * k3x, y + h * k3y);
    const double ny = y + h / 6 * (k1y + 2 * k2y + 2 * k3y + k4y);
    x += h / 6 * (k1x + 2 * k2x + 2 * k3x + k4x);
    t += h;
    if (ny <= 0.0) {
      zero_day = t;
      x_at_zero = x;
    }
    y = ny;
  }
  ASSERT_GT(zero_day, 0.0);
  // DOMAIN.md: the exact solution has the Japanese gone near day 35 with about 54,000 US left.
  EXPECT_NEAR(zero_day, 35.0, 1.5);
  EXPECT_NEAR(x_at_zero, 54000.0, 1500.0);
  // The engine (explicit Euler, dt = 1): the day within one day, the US remainder within 2%.
  EXPECT_LE(std::abs(engine_day - zero_day), 1.0) << "engine " << engine_day << " RK4 " << zero_day;
  EXPECT_NEAR(p.x[engine_day] / x_at_zero, 1.0, 0.02) << "engine " << p.x[engine_day];
  std::printf("Iwo Jima: engine day %d, US %.0f; RK4 day %.2f, US %.0f\n", engine_day,
              p.x[engine_day], zero_day, x_at_zero);
}
