#include "powershift/model/state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "powershift/model/metrics.hpp"
#include "powershift/model/phases.hpp"
#include "powershift/model/world.hpp"

namespace powershift {

std::size_t Units::add(int actor_id, int type_id, int region_id, double strength_value) {
  actor.push_back(actor_id);
  type.push_back(type_id);
  region.push_back(region_id);
  strength.push_back(strength_value);
  morale.push_back(1.0);
  eta.push_back(0.0);
  hop.push_back(region_id);
  dest.push_back(region_id);
  from.push_back(-1);
  order.push_back(Order::Free);
  withdraw_event.push_back(-1);
  arrived_at.push_back(-99.0);
  alive.push_back(1);
  return strength.size() - 1;
}

double State::actor_strength(int actor_id) const {
  double total = 0.0;
  for (std::size_t u = 0; u < units.size(); ++u) {
    if (units.alive[u] && units.actor[u] == actor_id) total += units.strength[u];
  }
  return total;
}

void split_into_units(Units& units, int actor, int type, int region, double strength,
                      double unit_size) {
  if (strength <= 0.0) return;
  // n equal units of at most unit_size each (docs/model.md §Units).
  const auto n = static_cast<long>(std::ceil(strength / unit_size - 1e-9));
  const long count = std::max(1L, n);
  const double each = strength / static_cast<double>(count);
  for (long i = 0; i < count; ++i) units.add(actor, type, region, each);
}

State State::initial(const World& w) {
  const auto& spec = w.spec();
  State s;
  const int R = w.R;
  const int A = w.A;
  for (int a = 0; a < A; ++a) {
    for (const auto& f : spec.actors[a].forces) {
      split_into_units(s.units, a, f.type, f.region, f.strength, spec.run.unit_size);
    }
  }
  s.control = Eigen::Map<const Field>(w.control0.data(), R, A);
  s.support = Eigen::Map<const Field>(w.support0.data(), R, A);
  s.target = Field::Zero(R, A);
  s.recruit_pool = Field::Zero(R, A);
  s.control_target = Field::Zero(R, A);
  s.relations = w.relations0;
  update_coalitions(w, s);

  const auto zeros = std::vector<double>(A, 0.0);
  s.casualties = s.withdrawn = s.demobilised = s.recruited = s.disbanded = s.spent_elsewhere =
      zeros;
  s.sponsor_in = s.sponsor_out = zeros;
  s.income_factor.assign(A, 1.0);
  s.drawdowns.assign(spec.events.size(), DrawdownProgress{});
  s.vacuum_days.assign(R, 0.0);
  s.controller.assign(R, -1);
  for (int r = 0; r < R; ++r) s.controller[r] = controller_of(s.control, r);
  s.collapsed.assign(A, 0);

  // Scenario-level hold orders (garrisons) stand with or without any drawdown.
  for (const auto& g : spec.garrisons) {
    for (std::size_t u = 0; u < s.units.size(); ++u) {
      if (s.units.actor[u] != g.actor) continue;
      if (std::find(g.regions.begin(), g.regions.end(), s.units.region[u]) != g.regions.end()) {
        s.units.order[u] = Order::Hold;
      }
    }
  }

  s.initial_strength.assign(A, 0.0);
  for (int a = 0; a < A; ++a) s.initial_strength[a] = s.actor_strength(a);

  // Budgets (docs/model.md §Economy): income covers day-0 upkeep, balanced against the day-0
  // control target rather than the stated initial control.
  const auto& ep = spec.params.economy;
  s.upkeep0 = actor_upkeep(w, s);
  s.budget0.assign(A, 0.0);
  for (int a = 0; a < A; ++a) {
    const double given = spec.actors[a].budget;
    s.budget0[a] = given >= 0 ? given : ep.budget_days * s.upkeep0[a];
  }
  s.budget = s.budget0;
  for (const auto& sp : spec.sponsors) {
    const double amount = sp.fraction * s.upkeep0[sp.client];
    s.sponsor_out[sp.sponsor] += amount;
    s.sponsor_in[sp.client] += amount;
  }
  StepContext ctx(w, spec.run.seed, 0);
  index_units_by_region(w, s, ctx);
  compute_holding(w, s, ctx);
  Field t0 = Field::Zero(R, A);
  for (int r = 0; r < R; ++r) contest_region(w, s, r, &ctx.holding(r, 0), &t0(r, 0));

  double nonstate_upkeep = 0.0;
  double total_value = 0.0;
  for (int a = 0; a < A; ++a) {
    if (!w.is_state[a]) nonstate_upkeep += s.upkeep0[a];
  }
  for (int r = 0; r < R; ++r) total_value += w.value[r];
  const double base_rate = nonstate_upkeep / std::max(total_value, 1e-9);
  s.territory_rate.assign(A, 0.0);
  s.external_income.assign(A, 0.0);
  for (int a = 0; a < A; ++a) {
    double target_value = 0.0;
    for (int r = 0; r < R; ++r) target_value += t0(r, a) * w.value[r];
    const double net_need = std::max(s.upkeep0[a] - s.sponsor_in[a] + s.sponsor_out[a], 0.0);
    s.territory_rate[a] =
        w.is_state[a]
            ? 0.0
            : std::min(base_rate, ep.territory_fraction * net_need / std::max(target_value, 1e-9));
    const double income0 = spec.actors[a].income >= 0 ? spec.actors[a].income : s.upkeep0[a];
    s.external_income[a] =
        income0 - (s.territory_rate[a] * target_value + s.sponsor_in[a] - s.sponsor_out[a]);
  }
  return s;
}

}  // namespace powershift

namespace powershift {

std::vector<ScenarioWarning> engine_warnings(const World& w, double tolerance) {
  std::vector<ScenarioWarning> out;
  const auto& spec = w.spec();
  auto s = State::initial(w);
  StepContext ctx(w, spec.run.seed, 0);
  index_units_by_region(w, s, ctx);
  compute_holding(w, s, ctx);
  std::vector<double> target(w.A);
  for (int r = 0; r < w.R; ++r) {
    if (w.offmap[r]) continue;
    contest_region(w, s, r, &ctx.holding(r, 0), target.data());
    for (int a = 0; a < w.A; ++a) {
      const double c0 = s.control(r, a);
      if (std::abs(c0 - target[a]) <= tolerance) continue;
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "initial control %.2f is far from the day-0 target %.2f that the forces there "
                    "support; the first weeks are a transient toward it (calibrate "
                    "model.control.theta and gamma, or the forces)",
                    c0, target[a]);
      out.push_back({"actors." + spec.actors[a].name + ".control." + spec.regions[r].name, buf});
    }
  }
  for (std::size_t i = 0; i < spec.events.size(); ++i) {
    const auto& e = spec.events[i];
    if (e.type != EventType::Drawdown && e.type != EventType::ExternalDemand) continue;
    for (const auto& f : spec.actors[e.actor].forces) {
      if (w.exit_of(e.actor, f.region) < 0) {
        out.push_back(
            {"events[" + std::to_string(i) + "]", "units of '" + spec.actors[e.actor].name +
                                                      "' in '" + spec.regions[f.region].name +
                                                      "' cannot reach any exit; they will wait"});
      }
    }
  }
  return out;
}

void rebuild_derived(const World& w, State& s) {
  update_coalitions(w, s);
}

}  // namespace powershift
