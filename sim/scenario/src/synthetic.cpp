#include "powershift/scenario/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace powershift::scenario {

namespace {
// splitmix64: a small, well-mixed generator; enough for laying out a synthetic map.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  int below(int n) { return static_cast<int>(uniform() * n); }
};
}  // namespace

ScenarioSpec make_synthetic(const SyntheticOptions& o) {
  SplitMix rng{o.seed};
  ScenarioSpec s;
  s.name = "synthetic";
  s.description = "synthetic grid scenario";
  s.run.steps = o.steps;
  s.run.unit_size = o.unit_size;
  const int W = o.grid_width;
  const int H = o.grid_height;
  const int R = W * H;
  s.regions.reserve(R + 1);
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      RegionSpec r;
      r.name = "r" + std::to_string(y * W + x);
      r.lat = 30.0 + 0.25 * y;
      r.lon = 30.0 + 0.25 * x;
      r.population = 1e4 + 4e5 * rng.uniform() * rng.uniform();
      r.terrain = 1.0 + 0.5 * rng.uniform();
      if (rng.uniform() < 0.05) r.value[static_cast<int>(ValueComponent::Port)] = 1.0;
      if (rng.uniform() < 0.05) r.value[static_cast<int>(ValueComponent::Oil)] = 1.0;
      s.regions.push_back(r);
    }
  }
  RegionSpec home;
  home.name = "abroad";
  home.offmap = true;
  s.regions.push_back(home);
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      if (x + 1 < W) s.edges.push_back({y * W + x, y * W + x + 1, -1.0});
      if (y + 1 < H) s.edges.push_back({y * W + x, (y + 1) * W + x, -1.0});
    }
  }
  s.exits.push_back({0, R, 500.0, 1000.0, "airlift"});
  s.exits.push_back({R - 1, R, 500.0, 1000.0, "sealift"});
  UnitTypeSpec inf;
  inf.name = "inf";
  inf.lambda_km = 30;
  inf.range_km = 60;
  inf.speed_km_day = 100;
  UnitTypeSpec irr = inf;
  irr.name = "irr";
  irr.attack = 0.6;
  irr.defence = 0.8;
  irr.law = AttritionLaw::Linear;
  irr.declines = true;
  UnitTypeSpec air;
  air.name = "air";
  air.attack = 5.0;
  air.defence = 0.5;
  air.lambda_km = 150;
  air.range_km = 300;
  air.speed_km_day = 1000;
  air.upkeep = 5.0;
  air.holds_ground = false;
  s.unit_types = {inf, irr, air};

  const int A = o.actors;
  const double per_actor = o.total_strength / A;
  for (int a = 0; a < A; ++a) {
    ActorSpec act;
    act.name = "actor" + std::to_string(a);
    act.is_state = a % 3 == 0;
    act.home = rng.below(R);
    act.recruit_type = act.is_state ? 0 : 1;
    act.aggressiveness = 0.3 + 0.6 * rng.uniform();
    act.risk_aversion = rng.uniform();
    act.cost_sensitivity = rng.uniform();
    act.rationality = 3.0 + 7.0 * rng.uniform();
    act.decision_interval = 3 + rng.below(5);
    act.salience.assign(R + 1, 0.0);
    act.control.assign(R + 1, 0.0);
    const int hx = act.home % W;
    const int hy = act.home / W;
    for (int r = 0; r < R; ++r) {
      const double d = std::hypot((r % W) - hx, (r / W) - hy);
      act.salience[r] = std::exp(-d / 6.0);
    }
    // Forces in the home's neighbourhood.
    const int groups = 8;
    for (int g = 0; g < groups; ++g) {
      const int x = std::clamp(hx + rng.below(9) - 4, 0, W - 1);
      const int y = std::clamp(hy + rng.below(9) - 4, 0, H - 1);
      const int type = (g == 0 && act.is_state) ? 2 : act.recruit_type;
      act.forces.push_back({type, y * W + x, per_actor / groups});
    }
    s.actors.push_back(act);
  }
  // Initial control: each region's strongest actor present holds half of it.
  for (int r = 0; r < R; ++r) {
    int best = -1;
    double best_s = 0.0;
    for (int a = 0; a < A; ++a) {
      double here = 0.0;
      for (const auto& f : s.actors[a].forces) {
        if (f.region == r) here += f.strength;
      }
      if (here > best_s) {
        best_s = here;
        best = a;
      }
    }
    if (best >= 0) s.actors[best].control[r] = 0.5;
  }
  for (auto& act : s.actors) act.support = act.control;
  for (int a = 0; a < A; ++a) {
    for (int b = a + 1; b < A; ++b) {
      const double v = std::round((2.0 * rng.uniform() - 1.0) * 20.0) / 20.0;
      if (v != 0.0) s.relations.push_back({a, b, v});
    }
  }
  EventSpec dd;
  dd.type = EventType::Drawdown;
  dd.day = 2;
  dd.actor = 0;
  dd.schedule = {{10.0, 0.5}};
  dd.first = {2, 0, 1};
  s.events.push_back(dd);
  return s;
}

}  // namespace powershift::scenario
