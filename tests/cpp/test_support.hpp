#pragma once
// Builders of small scenarios for the model and engine tests (model headers only), written directly
// as ScenarioSpec so each test states every number it depends on.
#include <memory>
#include <string>
#include <vector>

#include "powershift/model/scenario_spec.hpp"
#include "powershift/model/world.hpp"

namespace powershift::testing {

inline std::string source_path(const std::string& rel) {
  return std::string(POWERSHIFT_SOURCE_DIR) + "/" + rel;
}

inline int actor_index(const ScenarioSpec& s, const std::string& name) {
  for (std::size_t i = 0; i < s.actors.size(); ++i) {
    if (s.actors[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

inline int region_index(const ScenarioSpec& s, const std::string& name) {
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    if (s.regions[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// Model parameters that switch off everything but the exchange of fire: no noise, morale frozen,
// units never break, fighting all day.
inline ModelParams pure_attrition_params() {
  ModelParams p;
  p.combat.alpha = 1.0;
  p.combat.intensity = 1.0;
  p.combat.noise = 0.0;
  p.combat.s_ref = 1.0;
  p.morale.kappa = 0.0;
  p.morale.recovery = 0.0;
  p.morale.break_threshold = -1.0;
  p.economy.demob_rate = 0.0;  // reinforcements must not be demobilised by their own upkeep
  return p;
}

// One region, two hostile state actors X and Y, each with one unit type whose `attack` is its
// kill rate; `x_linear`/`y_linear` choose the attrition law the side suffers.
inline ScenarioSpec duel(double x_rate, double x0, bool x_linear, double y_rate, double y0,
                         bool y_linear, double dt, int steps) {
  ScenarioSpec s;
  s.name = "duel";
  s.run.dt = dt;
  s.run.steps = steps;
  s.run.unit_size = 1000.0;
  s.params = pure_attrition_params();
  RegionSpec r;
  r.name = "Field";
  r.population = 1000.0;
  s.regions.push_back(r);
  auto type = [](const std::string& n, double rate, bool linear) {
    UnitTypeSpec t;
    t.name = n;
    t.attack = rate;
    t.defence = 1.0;
    t.law = linear ? AttritionLaw::Linear : AttritionLaw::Square;
    return t;
  };
  s.unit_types = {type("x_type", x_rate, x_linear), type("y_type", y_rate, y_linear)};
  for (int a = 0; a < 2; ++a) {
    ActorSpec act;
    act.name = a == 0 ? "X" : "Y";
    act.is_state = true;
    act.home = 0;
    act.recruit_type = a;
    act.aggressiveness = 1.0;
    act.salience = {1.0};
    act.control = {0.0};
    act.support = {0.0};
    act.forces.push_back({a, 0, a == 0 ? x0 : y0});
    s.actors.push_back(act);
  }
  s.relations.push_back({0, 1, -1.0});
  return s;
}

inline std::shared_ptr<const World> make_world(ScenarioSpec spec) {
  return std::make_shared<const World>(std::move(spec));
}

}  // namespace powershift::testing
