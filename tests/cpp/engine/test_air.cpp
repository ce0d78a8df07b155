// Air power from bases and engagement intensity (docs/model.md §4.2 "Air power", §4.6): sorties
// bound the air effect, a base held by the enemy or a target under air defence gets less of it,
// removing a wing changes nothing outside its range, and the intensity of a dyad is a ramp in
// its hostility. Expected values are worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>

#include "powershift/engine/simulation.hpp"
#include "powershift/model/phases.hpp"
#include "test_support.hpp"

namespace ps = powershift;

namespace {

// Regions on a parallel: Base (lon 36), T1 (36.5), T2 (37.0), Far (40.0). The air type reaches
// 200 km (T1 ~ 46 km and T2 ~ 91 km from Base; Far ~ 365 km: out of range). Actors: 0 "air"
// (an air wing of 100 at Base: attack 2 per sortie, 3 sorties per day per unit of strength),
// 1 "foe" (infantry in T1, T2 and Far), and 2-3 "c", "d" fighting each other in Far, neutral to
// the others. Relations air-foe and c-d -1 with aggressiveness 1: h = 1, e = 1.
ps::ScenarioSpec theatre() {
  ps::ScenarioSpec s;
  s.name = "air";
  s.run.unit_size = 1000.0;
  s.params.combat.noise = 0.0;
  const char* names[4] = {"Base", "T1", "T2", "Far"};
  const double lon[4] = {36.0, 36.5, 37.0, 40.0};
  for (int i = 0; i < 4; ++i) {
    ps::RegionSpec r;
    r.name = names[i];
    r.lat = 35.0;
    r.lon = lon[i];
    r.population = 1e5;
    s.regions.push_back(r);
  }
  s.edges = {{0, 1, 50.0}, {1, 2, 50.0}, {2, 3, 300.0}};
  ps::UnitTypeSpec inf;
  inf.name = "inf";
  inf.lambda_km = 20.0;
  inf.range_km = 30.0;  // ground fire stays in its region
  ps::UnitTypeSpec air;
  air.name = "air";
  air.holds_ground = false;
  air.attack = 2.0;
  air.sorties = 3.0;
  air.lambda_km = 100.0;
  air.range_km = 200.0;
  ps::UnitTypeSpec ad = inf;
  ad.name = "ad";
  ad.holds_ground = false;
  ad.attack = 0.0;
  ad.air_defence = 1.0;
  s.unit_types = {inf, air, ad};
  auto actor = [&](const std::string& name, std::vector<ps::ForceSpec> forces) {
    ps::ActorSpec a;
    a.name = name;
    a.is_state = true;
    a.home = 0;
    a.aggressiveness = 1.0;
    a.salience = {0, 0, 0, 0};
    a.control = {0, 0, 0, 0};
    a.support = {0, 0, 0, 0};
    a.forces = std::move(forces);
    return a;
  };
  s.actors.push_back(actor("c", {{0, 3, 2000.0}}));
  s.actors.push_back(actor("d", {{0, 3, 1500.0}}));
  s.actors.push_back(actor("foe", {{0, 1, 500.0}, {0, 2, 500.0}, {0, 3, 500.0}}));
  // The wing is the last force of the last actor, so removing it leaves every other unit's id.
  s.actors.push_back(actor("air", {{0, 0, 200.0}, {1, 0, 100.0}}));
  s.relations = {{3, 2, -1.0}, {0, 1, -1.0}};
  return s;
}

constexpr int kAir = 3;
constexpr int kFoe = 2;

double km(int from, int to) {
  const double lon[4] = {36.0, 36.5, 37.0, 40.0};
  return ps::haversine_km(35.0, lon[from], 35.0, lon[to]);
}

struct Fire {
  ps::Field fire, reach;
};
Fire sense(const ps::ScenarioSpec& spec) {
  const ps::World w(spec);
  auto s = ps::State::initial(w);
  ps::StepContext ctx(w, 1, 0);
  ps::sense_phase(w, s, ctx);
  return {ctx.air_fire, ctx.projected_air};
}

}  // namespace

TEST(AirPower, SortiesBoundTheEffectAndGoWhereTheTargetsAre) {
  const auto f = sense(theatre());
  // Daily effect of the wing at full sorties: E = attack x sorties x strength x morale x quality
  // = 2 x 3 x 100 = 600. Targets (foe present, e = 1) in T1 and T2; none at Base; Far is out of
  // range. The wing sends the share W_r e_r / D of its sorties to r, each worth W_r there:
  // fire_r = E W_r^2 / (W_1 + W_2).
  const double w1 = std::exp(-km(0, 1) / 100.0);
  const double w2 = std::exp(-km(0, 2) / 100.0);
  const double E = 600.0;
  EXPECT_NEAR(f.fire(1, kAir), E * w1 * w1 / (w1 + w2), 1e-9);
  EXPECT_NEAR(f.fire(2, kAir), E * w2 * w2 / (w1 + w2), 1e-9);
  EXPECT_DOUBLE_EQ(f.fire(0, kAir), 0.0);  // no target at the base
  EXPECT_DOUBLE_EQ(f.fire(3, kAir), 0.0);  // out of range
  // The bound: the effect delivered over all regions is at most E; v1's rule (the full reach
  // W_r E in every region at once) delivered more than E here.
  const double total = f.fire.col(kAir).sum();
  EXPECT_LE(total, E);
  EXPECT_GT(f.reach.col(kAir).sum(), E);
  // With the targets at the base (W = 1) every sortie lands at full effect: exactly E.
  auto at_base = theatre();
  at_base.actors[kFoe].forces = {{0, 0, 500.0}};
  EXPECT_NEAR(sense(at_base).fire.col(kAir).sum(), E, 1e-9);
  // Doubling the sortie rate doubles the effect (the bound is the sortie capacity).
  auto twice = theatre();
  twice.unit_types[1].sorties = 6.0;
  EXPECT_NEAR(sense(twice).fire.col(kAir).sum(), 2.0 * total, 1e-9);
}

TEST(AirPower, EnemyHeldBaseAndAirDefenceCutTheSorties) {
  const auto f = sense(theatre());
  // The foe holds half the base region: the wing flies 1 - e C = 1 - 0.5 of its sorties.
  auto runway = theatre();
  runway.actors[kFoe].control = {0.5, 0, 0, 0};
  const auto g = sense(runway);
  EXPECT_NEAR(g.fire(1, kAir), 0.5 * f.fire(1, kAir), 1e-9);
  EXPECT_NEAR(g.fire(2, kAir), 0.5 * f.fire(2, kAir), 1e-9);
  // Air defence of 1,000 (strength 1,000 x air_defence 1) in T1 against ad_ref = 1,000 lets
  // through ad_ref / (ad_ref + AD) = 1/2 of the fire there; T2 is not covered.
  auto defended = theatre();
  defended.actors[kFoe].forces.push_back({2, 1, 1000.0});
  const auto h = sense(defended);
  EXPECT_NEAR(h.fire(1, kAir), 0.5 * f.fire(1, kAir), 1e-9);
  EXPECT_NEAR(h.fire(2, kAir), f.fire(2, kAir), 1e-9);
}

TEST(AirPower, RemovingAWingChangesNothingOutsideItsRange) {
  auto with = theatre();
  with.params.combat.noise = 0.3;  // a stochastic run: the check is bit-identity, not closeness
  auto without = with;
  without.actors[kAir].forces.pop_back();
  auto run = [](const ps::ScenarioSpec& spec) {
    ps::Simulation sim(ps::testing::make_world(spec), 7, 0);
    for (int t = 0; t < 30; ++t) sim.step();
    return sim.state();
  };
  const auto a = run(with);
  const auto b = run(without);
  // Far (365 km from the base, range 200): c and d fight there and the foe's 500 stand there;
  // nothing of theirs may differ, bit for bit.
  for (int actor : {0, 1}) {
    EXPECT_EQ(a.actor_strength(actor), b.actor_strength(actor)) << actor;
    EXPECT_EQ(a.casualties[actor], b.casualties[actor]) << actor;
  }
  for (int actor = 0; actor < 3; ++actor) {
    EXPECT_EQ(a.control(3, actor), b.control(3, actor)) << actor;
  }
  // Inside the range the wing's fire shows: the foe loses more with it.
  EXPECT_GT(a.casualties[kFoe], b.casualties[kFoe] + 1.0);
}

TEST(Engagement, IntensityIsARampInHostility) {
  ps::CombatParams c;  // h_0 = 0.3, h_1 = 0.6
  EXPECT_DOUBLE_EQ(ps::engagement_intensity(0.3, c), 0.0);
  EXPECT_DOUBLE_EQ(ps::engagement_intensity(0.45, c), 0.5);
  EXPECT_DOUBLE_EQ(ps::engagement_intensity(0.6, c), 1.0);
  EXPECT_DOUBLE_EQ(ps::engagement_intensity(0.9, c), 1.0);
  // fight_full <= fight_threshold: v1's step.
  c.fight_full = c.fight_threshold;
  EXPECT_DOUBLE_EQ(ps::engagement_intensity(0.3, c), 0.0);
  EXPECT_DOUBLE_EQ(ps::engagement_intensity(0.3001, c), 1.0);
}

TEST(Engagement, FireScalesWithTheIntensityOfTheDyad) {
  // Pure-attrition duel (test_support.hpp), square law, one day: Y's loss is alpha iota Y_x = 0.01
  // x 10,000 = 100 at e = 1. Relation -0.45 with aggressiveness 1: h = 0.45, e = 0.5, loss 50.
  auto duel = ps::testing::duel(0.01, 10000, false, 0.01, 10000, false, 1.0, 1);
  duel.params.combat.fight_threshold = 0.3;
  duel.params.combat.fight_full = 0.6;
  auto loss = [](const ps::ScenarioSpec& spec) {
    ps::Simulation sim(ps::testing::make_world(spec), 1, 0);
    sim.step();
    return 10000.0 - sim.state().actor_strength(1);
  };
  EXPECT_NEAR(loss(duel), 100.0, 1e-9);
  duel.relations[0].value = -0.45;
  EXPECT_NEAR(loss(duel), 50.0, 1e-9);
  duel.relations[0].value = -0.3;
  EXPECT_NEAR(loss(duel), 0.0, 1e-12);
}
