// One test group per model phase (docs/model.md), on small scenarios whose expected values are
// worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>

#include "powershift/engine/simulation.hpp"
#include "powershift/model/metrics.hpp"
#include "powershift/model/phases.hpp"
#include "test_support.hpp"

namespace ps = powershift;

namespace {

// Three regions on a line, West - Middle - East, 100 km apart by road, plus an off-map Home
// behind an exit from West with a capacity of 250 strength per day. One state actor "blue".
ps::ScenarioSpec line() {
  ps::ScenarioSpec s;
  s.name = "line";
  s.run.unit_size = 100.0;
  const char* names[3] = {"West", "Middle", "East"};
  for (int i = 0; i < 3; ++i) {
    ps::RegionSpec r;
    r.name = names[i];
    r.lat = 35.0;
    r.lon = 36.0 + i;
    r.population = 1e6;  // theta p = 2,000: a few hundred strength is far from saturating control
    s.regions.push_back(r);
  }
  ps::RegionSpec home;
  home.name = "Home";
  home.offmap = true;
  s.regions.push_back(home);
  s.edges = {{0, 1, 100.0}, {1, 2, 100.0}};
  s.exits = {{0, 3, 250.0, 500.0, "airlift"}};
  ps::UnitTypeSpec inf;
  inf.name = "inf";
  inf.speed_km_day = 60.0;  // 100 km: ceil(100/60) = 2 days a hop
  inf.lambda_km = 50.0;
  inf.range_km = 100.0;
  ps::UnitTypeSpec air = inf;
  air.name = "air";
  air.holds_ground = false;
  air.speed_km_day = 1000.0;
  s.unit_types = {inf, air};
  ps::ActorSpec blue;
  blue.name = "blue";
  blue.is_state = true;
  blue.home = 3;
  blue.salience = {1, 1, 1, 0};
  blue.control = {0.8, 0.8, 0.8, 0};
  blue.support = blue.control;
  blue.forces = {{0, 2, 1000.0}, {1, 2, 300.0}, {0, 1, 500.0}};
  s.actors.push_back(blue);
  return s;
}

ps::EventSpec drawdown(double day, double scope, double pace) {
  ps::EventSpec e;
  e.type = ps::EventType::Drawdown;
  e.day = day;
  e.actor = 0;
  e.schedule = {{pace, scope}};
  e.first = {1, 0};
  return e;
}

}  // namespace

// ---- Events -------------------------------------------------------------------------------

TEST(EventsPhase, DrawdownOrdersTheScheduledFractionTypesFirst) {
  auto spec = line();
  spec.events.push_back(drawdown(0.0, 0.5, 10.0));  // 50% of 1,800 over 10 days
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  ctx.t = 1;  // 1 day elapsed: 5% of 1,800 = 90 due; the first air unit (100) covers it
  ps::events_phase(w, s, ctx);
  double ordered = 0.0;
  for (std::size_t u = 0; u < s.units.size(); ++u) {
    if (s.units.order[u] == ps::Order::Withdraw) {
      ordered += s.units.strength[u];
      EXPECT_EQ(s.units.type[u], 1) << "air leaves first";
    }
  }
  EXPECT_DOUBLE_EQ(ordered, 100.0);
  ctx.t = 10;  // the full 900: all 300 air, then 600 infantry
  ps::events_phase(w, s, ctx);
  ordered = 0.0;
  for (std::size_t u = 0; u < s.units.size(); ++u) {
    if (s.units.order[u] == ps::Order::Withdraw) ordered += s.units.strength[u];
  }
  EXPECT_DOUBLE_EQ(ordered, 900.0);
}

TEST(EventsPhase, KeptRegionsStayAndLeaveRegionsGoFirst) {
  auto spec = line();
  auto e = drawdown(0.0, 1.0, 1.0);
  e.keep = {1};   // Middle is a retained site: outside the drawdown, no hold order given
  e.leave = {2};  // East empties first
  e.first = {0, 1};
  spec.events.push_back(e);
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  ctx.t = 1;
  ps::events_phase(w, s, ctx);
  for (std::size_t u = 0; u < s.units.size(); ++u) {
    if (s.units.region[u] == 1) {
      EXPECT_EQ(s.units.order[u], ps::Order::Free);
    }
    if (s.units.region[u] == 2) {
      EXPECT_EQ(s.units.order[u], ps::Order::Withdraw);
    }
  }
}

// A garrison is outside a drawdown unless the drawdown names its site in `leave`
// (docs/model.md §4.1): then it is a candidate like the free units.
TEST(EventsPhase, LeaveReleasesTheGarrisonAtItsSite) {
  for (const bool named : {false, true}) {
    auto spec = line();
    spec.garrisons.push_back({0, {2}});  // East garrisoned
    auto e = drawdown(0.0, 1.0, 1.0);    // everything in the base, due in the first step
    if (named) e.leave = {2};
    spec.events.push_back(e);
    const ps::World w(spec);
    auto s = ps::State::initial(w);
    ps::StepContext ctx(w, 1, 0);
    ctx.t = 1;
    ps::events_phase(w, s, ctx);
    for (std::size_t u = 0; u < s.units.size(); ++u) {
      if (s.units.actor[u] != 0 || s.units.region[u] != 2) continue;
      EXPECT_EQ(s.units.order[u], named ? ps::Order::Withdraw : ps::Order::Hold) << named;
    }
  }
}

TEST(EventsPhase, ReinforcementRelationAndBudgetChanges) {
  auto spec = line();
  ps::ActorSpec red = spec.actors[0];
  red.name = "red";
  red.forces = {{0, 0, 200.0}};
  spec.actors.push_back(red);
  ps::EventSpec reinforce;
  reinforce.type = ps::EventType::Reinforcement;
  reinforce.day = 2.0;
  reinforce.actor = 0;
  reinforce.unit_type = 0;
  reinforce.region = 0;
  reinforce.strength = 250.0;  // three units of 83.3
  ps::EventSpec rel;
  rel.type = ps::EventType::RelationChange;
  rel.day = 2.0;
  rel.actor = 0;
  rel.other = 1;
  rel.value = 0.9;
  ps::EventSpec budget;
  budget.type = ps::EventType::BudgetChange;
  budget.day = 2.0;
  budget.actor = 1;
  budget.income_factor = 0.5;
  budget.budget_delta = -10.0;
  spec.events = {reinforce, rel, budget};
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  EXPECT_EQ(s.coalitions, 2);
  const auto units0 = s.units.size();
  const double budget0 = s.budget[1];
  ps::StepContext ctx(w, 1, 0);
  ctx.t = 2;  // step 2 covers (1, 2]: day-2 events wait for step 3
  ps::events_phase(w, s, ctx);
  EXPECT_EQ(s.units.size(), units0);
  ctx.t = 3;
  ps::events_phase(w, s, ctx);
  EXPECT_EQ(s.units.size(), units0 + 3);
  EXPECT_NEAR(s.units.strength.back(), 250.0 / 3.0, 1e-12);
  EXPECT_EQ(s.coalitions, 1);
  EXPECT_DOUBLE_EQ(s.income_factor[1], 0.5);
  EXPECT_DOUBLE_EQ(s.budget[1], budget0 - 10.0);
}

// ---- Sense --------------------------------------------------------------------------------

TEST(SensePhase, ProjectedPowerFollowsTheLossOfStrengthGradient) {
  const auto spec = line();
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  ps::sense_phase(w, s, ctx);
  // East holds 1,000 infantry (attack 1, quality 1, morale 1, terrain 1): E = 1000; the air unit
  // adds 300. Middle's own 500. The kernel reaches 100 km: East and Middle are
  // haversine(35,37; 35,38) ~ 91 km apart, West is 182 km from East (out of range).
  const double d = ps::haversine_km(35.0, 37.0, 35.0, 38.0);
  const double k = std::exp(-d / 50.0);
  EXPECT_NEAR(ctx.projected(2, 0), 1300.0 + 500.0 * k, 1e-9);
  EXPECT_NEAR(ctx.projected(1, 0), 500.0 + 1300.0 * k, 1e-9);
  EXPECT_NEAR(ctx.projected(0, 0), 500.0 * k, 1e-9);
  EXPECT_NEAR(ctx.projected_air(2, 0), 300.0, 1e-9);
  // Ground-holding power counts only infantry: defence x strength x morale x terrain.
  EXPECT_NEAR(ctx.holding(2, 0), 1000.0, 1e-9);
  EXPECT_NEAR(ctx.present(2, 0), 1000.0, 1e-9);
  // Own power counts as friendly (Rel[a,a] = 1).
  EXPECT_NEAR(ctx.friendly(2, 0), ctx.projected(2, 0), 1e-9);
  EXPECT_DOUBLE_EQ(ctx.hostile(2, 0), 0.0);
}

// ---- Decide -------------------------------------------------------------------------------

TEST(DecidePhase, TargetsFollowValueAndUnitsMoveTowardThem) {
  auto spec = line();
  spec.actors[0].salience = {0.0, 0.0, 1.0, 0.0};  // only East matters
  spec.actors[0].control = {0.0, 0.0, 0.0, 0.0};
  spec.actors[0].support = spec.actors[0].control;
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  ctx.t = 1;
  ps::sense_phase(w, s, ctx);
  ps::decide_phase(w, s, ctx);
  // Targets move toward East, at most max_exchanges increments of h_ref (10 x 300) per decision.
  EXPECT_GT(s.target(2, 0), 1000.0);
  EXPECT_LT(s.target(1, 0), 500.0);
  EXPECT_NEAR(s.target.col(0).sum(), 1500.0, 1e-9);  // the pool: ground units only
  // Some Middle unit with id staggering due on step 1 departs toward East.
  int moving = 0;
  for (std::size_t u = 0; u < s.units.size(); ++u) {
    if (s.units.eta[u] > 0) {
      ++moving;
      EXPECT_EQ(s.units.dest[u], 2);
      EXPECT_DOUBLE_EQ(s.units.eta[u], 2.0);  // ceil(100 / 60)
    }
  }
  EXPECT_GT(moving, 0);
}

TEST(DecidePhase, NoExchangeUnlessItBeatsTheMoveCost) {
  // Hysteresis: with a prohibitive cost per travel day the actor never reshuffles its targets,
  // however unbalanced they are, and no unit moves.
  auto spec = line();
  spec.actors[0].salience = {0.0, 0.0, 1.0, 0.0};
  spec.params.decide.move_cost = 1e9;
  ps::Simulation sim(ps::testing::make_world(spec), 1, 0);
  sim.set_horizon(60);
  sim.run();
  EXPECT_EQ(sim.state().move_stats.moves, 0);
}

// ---- Move ---------------------------------------------------------------------------------

TEST(MovePhase, WithdrawingUnitsQueueAtTheExitsDailyCapacity) {
  auto spec = line();
  spec.actors[0].forces = {{0, 0, 1000.0}};  // ten units at the exit region West
  spec.events.push_back(drawdown(0.0, 1.0, 1.0));
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  for (int t = 1; t <= 3; ++t) {
    ctx.t = t;
    ps::events_phase(w, s, ctx);
    ps::move_phase(w, s, ctx);
    EXPECT_NEAR(s.withdrawn[0], 250.0 * t, 1e-9) << "day " << t;
  }
}

TEST(MovePhase, TravelTakesWholeStepsHopByHop) {
  auto spec = line();
  spec.actors[0].forces = {{0, 2, 100.0}};
  spec.events.push_back(drawdown(0.0, 1.0, 1.0));  // East -> Middle -> West (exit)
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  std::vector<int> regions;
  for (int t = 1; t <= 6; ++t) {
    ctx.t = t;
    ps::events_phase(w, s, ctx);
    ps::move_phase(w, s, ctx);
    regions.push_back(s.units.alive[0] ? s.units.region[0] : -1);
  }
  // Two days a hop: Middle after day 2, West after day 4, out through the exit on day 5.
  EXPECT_EQ(regions, (std::vector<int>{2, 1, 1, 0, -1, -1}));
}

// ---- Engage -------------------------------------------------------------------------------

TEST(EngagePhase, TerrainDividesTheDefendersLossesAndIrregularsDecline) {
  // Two duels that differ only in the defender's terrain bonus: losses scale by 1/(1 + (tau-1) C).
  auto base = ps::testing::duel(0.01, 10000, false, 0.01, 10000, false, 1.0, 1);
  auto hilly = base;
  hilly.regions[0].terrain = 1.5;
  hilly.actors[1].control = {1.0};
  auto loss = [](const ps::ScenarioSpec& spec) {
    ps::Simulation sim(ps::testing::make_world(spec), 1, 0);
    sim.step();
    return 10000.0 - sim.state().actor_strength(1);
  };
  EXPECT_NEAR(loss(hilly), loss(base) / 1.5, 1e-9);
  // An irregular side alone against a stronger enemy (friendly share below `accept`) declines:
  // the fire it takes is multiplied by `leak`.
  auto irregular = ps::testing::duel(0.01, 10000, false, 0.01, 2000, false, 1.0, 1);
  irregular.unit_types[1].declines = true;
  const double full = 0.01 * 10000;  // what Y would lose standing
  ps::Simulation sim(ps::testing::make_world(irregular), 1, 0);
  sim.step();
  const double leak = irregular.params.combat.leak;
  EXPECT_NEAR(2000.0 - sim.state().actor_strength(1), full * leak, 1e-9);
}

// ---- Economy ------------------------------------------------------------------------------

TEST(EconomyPhase, BalancedAtStartAndSurplusRecruits) {
  // A non-state actor whose initial control equals its day-0 target: income (territory plus
  // external funding) covers upkeep exactly, so a quiet step leaves the budget where it was.
  auto spec = line();
  spec.actors[0].is_state = false;
  spec.params.control.sigma = 0.0;  // the target does not depend on support, so C0 = T0 is exact
  {
    const ps::World w0(spec);
    auto s0 = ps::State::initial(w0);
    ps::StepContext c0(w0, 1, 0);
    ps::index_units_by_region(w0, s0, c0);
    ps::compute_holding(w0, s0, c0);
    for (int r = 0; r < 3; ++r) {
      double t = 0.0;
      ps::contest_region(w0, s0, r, &c0.holding(r, 0), &t);
      spec.actors[0].control[r] = t;
    }
    spec.actors[0].support = spec.actors[0].control;
  }
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  const double b0 = s.budget[0];
  ps::economy_phase(w, s, ctx);
  EXPECT_NEAR(s.budget[0], b0, 1e-9 * b0);
  EXPECT_DOUBLE_EQ(s.recruited[0], 0.0);
  // A windfall above B0 is spent over tau_budget days, recruiting first, up to the supporters'
  // daily rate.
  s.budget[0] = b0 + 30000.0;
  ps::economy_phase(w, s, ctx);
  const auto& ep = w.params().economy;
  const double spend = 30000.0 / ep.tau_budget;
  double supporters = 0.0;
  for (int r = 0; r < 3; ++r) supporters += s.support(r, 0) * w.population[r];
  const double expected = std::min(spend / ep.recruit_cost, ep.recruit_rate * supporters);
  EXPECT_NEAR(s.recruited[0], expected, 1e-9);
  EXPECT_NEAR(s.budget[0], b0 + 30000.0 - spend, 1e-6);
}

TEST(EconomyPhase, DeficitDemobilisesInProportion) {
  auto spec = line();
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  s.income_factor[0] = 0.5;  // budget pressure: external income halved
  const double strength0 = s.actor_strength(0);
  ps::economy_phase(w, s, ctx);
  // Income is half the upkeep: deficit / upkeep = 1/2, budget now below B0, so the rate is
  // demob_rate x 1/2 of every unit.
  EXPECT_NEAR(s.actor_strength(0), strength0 * (1.0 - 0.5 * w.params().economy.demob_rate), 1e-9);
}

// ---- Relations ----------------------------------------------------------------------------

TEST(RelationsPhase, DriftIsOffByDefaultAndClashesPushApartWhenOn) {
  auto spec = ps::testing::duel(0.01, 5000, false, 0.01, 5000, false, 1.0, 5);
  spec.relations[0].value = -0.5;
  {
    ps::Simulation sim(ps::testing::make_world(spec), 1, 0);
    sim.run();
    EXPECT_DOUBLE_EQ(sim.state().relations[1], -0.5);
  }
  spec.params.relations.enabled = true;
  ps::Simulation sim(ps::testing::make_world(spec), 1, 0);
  sim.run();
  EXPECT_LT(sim.state().relations[1], -0.5);
  EXPECT_DOUBLE_EQ(sim.state().relations[1], sim.state().relations[2]);  // symmetric
}

// ---- Record (metrics) ---------------------------------------------------------------------

TEST(RecordPhase, SharesConcentrationAndNetAttribution) {
  auto spec = line();
  ps::ActorSpec red = spec.actors[0];
  red.name = "red";
  red.control = {0.1, 0.0, 0.0, 0.0};
  spec.actors.push_back(red);
  spec.actors[0].control = {0.5, 0.8, 0.2, 0.0};
  const ps::World w(spec);
  const auto s = ps::State::initial(w);
  const auto m = ps::compute_metrics(w, s);
  // Equal populations: blue (0.5 + 0.8 + 0.2)/3 = 0.5, red 0.1/3.
  EXPECT_NEAR(m.control_pop[0], 0.5, 1e-12);
  EXPECT_NEAR(m.control_pop[1], 0.1 / 3.0, 1e-12);
  EXPECT_NEAR(m.vacuum_pop, 1.0 - 0.5 - 0.1 / 3.0, 1e-12);
  const double sb = 0.5 / (0.5 + 0.1 / 3.0), sr = 1.0 - sb;
  EXPECT_NEAR(m.hhi, sb * sb + sr * sr, 1e-12);
  EXPECT_NEAR(m.effective_actors, 1.0 / (sb * sb + sr * sr), 1e-12);
  // Net attribution: blue lost 0.4 of West, red gained 0.6 there: A = 0.4 x 0.6 / 0.6 = 0.4.
  ps::Field c0 = ps::Field::Zero(1, 2), ct = ps::Field::Zero(1, 2);
  c0 << 0.5, 0.1;
  ct << 0.1, 0.7;
  auto na = ps::net_attribution(c0, ct, 0);
  EXPECT_NEAR(na.gained(0, 1), 0.4, 1e-12);
  EXPECT_NEAR(na.unfilled[0], 0.0, 1e-12);
  // Red gains only 0.1 of the 0.4 lost: the other 0.3 stays vacuum.
  ct << 0.1, 0.2;
  na = ps::net_attribution(c0, ct, 0);
  EXPECT_NEAR(na.gained(0, 1), 0.1, 1e-12);
  EXPECT_NEAR(na.unfilled[0], 0.3, 1e-12);
}
