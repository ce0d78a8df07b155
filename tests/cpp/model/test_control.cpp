// The control phase against hand-computed targets (docs/model.md §Control), including the sticky
// split within a coalition.
#include <gtest/gtest.h>

#include "powershift/model/phases.hpp"
#include "test_support.hpp"

namespace ps = powershift;

namespace {

// One region of 1e6 people (theta p = 2000 at the default theta 0.002), terrain 1, three actors:
// A and B allied (Rel 0.8), C hostile to both. Support 0, so legitimacy g = 1 and H = strength.
ps::ScenarioSpec three_actors(double a, double b, double c, double ca, double cb, double cc) {
  ps::ScenarioSpec s;
  s.name = "contest";
  ps::RegionSpec r;
  r.name = "Town";
  r.population = 1e6;
  s.regions.push_back(r);
  ps::UnitTypeSpec t;
  t.name = "inf";
  s.unit_types.push_back(t);
  const double strength[3] = {a, b, c};
  const double control[3] = {ca, cb, cc};
  const char* names[3] = {"A", "B", "C"};
  for (int i = 0; i < 3; ++i) {
    ps::ActorSpec act;
    act.name = names[i];
    act.home = 0;
    act.salience = {1.0};
    act.control = {control[i]};
    act.support = {0.0};
    if (strength[i] > 0) act.forces.push_back({0, 0, strength[i]});
    s.actors.push_back(act);
  }
  s.relations = {{0, 1, 0.8}, {0, 2, -0.5}, {1, 2, -0.5}};
  s.run.unit_size = 500.0;
  return s;
}

std::vector<double> targets(const ps::ScenarioSpec& spec) {
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  ps::index_units_by_region(w, s, ctx);
  ps::compute_holding(w, s, ctx);
  std::vector<double> t(3);
  ps::contest_region(w, s, 0, &ctx.holding(0, 0), t.data());
  return t;
}

}  // namespace

TEST(Control, CoalitionContestWithStickySplit) {
  // Q(AB) = 4000, Q(C) = 2000, (theta p)^2 = 2000^2: den = 16e6 + 4e6 + 4e6 = 24e6.
  // T(AB) = 2/3, T(C) = 1/6. AB hold 0.6: they keep it and share the new 1/15 by g H (3:1).
  const auto t = targets(three_actors(3000, 1000, 2000, 0.5, 0.1, 0.2));
  EXPECT_NEAR(t[0], 0.5 + (2.0 / 3.0 - 0.6) * 0.75, 1e-12);
  EXPECT_NEAR(t[1], 0.1 + (2.0 / 3.0 - 0.6) * 0.25, 1e-12);
  // C holds 0.2 but its coalition's target is 1/6: scaled down to it.
  EXPECT_NEAR(t[2], 1.0 / 6.0, 1e-12);
}

TEST(Control, FallingCoalitionTargetScalesMembersDownProportionally) {
  // Q(C) = 6000: den = 16e6 + 36e6 + 4e6 = 56e6; T(AB) = 16/56, split 5:1 as held (0.5:0.1).
  const auto t = targets(three_actors(3000, 1000, 6000, 0.5, 0.1, 0.2));
  const double tab = 16.0 / 56.0;
  EXPECT_NEAR(t[0], 0.5 * tab / 0.6, 1e-12);
  EXPECT_NEAR(t[1], 0.1 * tab / 0.6, 1e-12);
  EXPECT_NEAR(t[2], 36.0 / 56.0, 1e-12);
}

TEST(Control, MemberWithoutForcesHandsItsShareToPartnersPresent) {
  // B has no forces: only A's 0.5 counts as held; A takes the coalition's whole target.
  // den = 3000^2 + 2000^2 + 2000^2 = 17e6; T(AB) = 9/17.
  const auto t = targets(three_actors(3000, 0, 2000, 0.5, 0.1, 0.2));
  EXPECT_NEAR(t[0], 9.0 / 17.0, 1e-12);
  EXPECT_DOUBLE_EQ(t[1], 0.0);
  // C keeps its 0.2 and takes the coalition's new ground up to T(C) = 4/17.
  EXPECT_NEAR(t[2], 4.0 / 17.0, 1e-12);
}

TEST(Control, ThinForceLeavesAVacuum) {
  // 200 strength against a policing requirement of 2000: T = 200^2 / (200^2 + 2000^2) ~ 0.0099.
  const auto t = targets(three_actors(200, 0, 0, 0.0, 0.0, 0.0));
  EXPECT_NEAR(t[0], 200.0 * 200.0 / (200.0 * 200.0 + 2000.0 * 2000.0), 1e-12);
}

TEST(Control, ControlRelaxesTowardTargetAndSupportFollows) {
  const auto spec = three_actors(3000, 1000, 2000, 0.5, 0.1, 0.2);
  const auto t = targets(spec);
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  ps::index_units_by_region(w, s, ctx);
  ps::control_phase(w, s, ctx);  // no combat: harm 0
  const auto& cp = w.params().control;
  const double c0[3] = {0.5, 0.1, 0.2};
  for (int a = 0; a < 3; ++a) {
    const double c1 = c0[a] + cp.zeta * (t[a] - c0[a]);
    EXPECT_NEAR(s.control(0, a), c1, 1e-12);
    EXPECT_NEAR(s.support(0, a), cp.zeta_support * c1, 1e-12);  // S0 = 0
  }
}

TEST(Control, CoalitionsAreConnectedComponentsAboveTheAllianceThreshold) {
  auto spec = three_actors(1000, 1000, 1000, 0, 0, 0);
  spec.relations = {{0, 1, 0.5}, {1, 2, 0.6}};  // A-B-C chained: one coalition
  {
    const ps::World w(spec);
    const auto s = ps::State::initial(w);
    EXPECT_EQ(s.coalitions, 1);
  }
  spec.relations = {{0, 1, 0.49}, {1, 2, 0.6}};
  const ps::World w(spec);
  const auto s = ps::State::initial(w);
  EXPECT_EQ(s.coalitions, 2);
  EXPECT_EQ(s.coalition[1], s.coalition[2]);
  EXPECT_NE(s.coalition[0], s.coalition[1]);
}
