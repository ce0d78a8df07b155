// Economy (docs/model.md §Economy): income from controlled value, sponsors and external funding;
// upkeep growing with distance from home; recruitment from supportive population; spending of a
// surplus and demobilisation under a deficit, so budgets neither crash nor pile up unprompted.
#include <algorithm>
#include <vector>

#include "powershift/model/phases.hpp"

namespace powershift {

std::vector<double> actor_upkeep(const World& w, const State& s) {
  std::vector<double> upkeep(w.A, 0.0);
  const double d_ref = w.params().economy.d_ref;
  const auto& U = s.units;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u]) continue;
    const int a = U.actor[u];
    const double d = w.dist_home[static_cast<std::size_t>(a) * w.R + U.region[u]];
    upkeep[a] += w.upkeep[U.type[u]] * U.strength[u] * (1.0 + d / d_ref);
  }
  return upkeep;
}

void economy_phase(const World& w, State& s, StepContext& /*ctx*/) {
  const auto& ep = w.params().economy;
  const int A = w.A;
  const int R = w.R;
  const double dt = w.dt;
  const auto upkeep = actor_upkeep(w, s);
  std::vector<double> income(A, 0.0);
  std::vector<double> rate(A, 0.0);
  for (int a = 0; a < A; ++a) {
    double held_value = 0.0;
    for (int r = 0; r < R; ++r) held_value += s.control(r, a) * w.value[r];
    income[a] = s.territory_rate[a] * held_value + s.external_income[a] * s.income_factor[a] +
                s.sponsor_in[a] - s.sponsor_out[a];
    s.budget[a] += dt * (income[a] - upkeep[a]);
    // A surplus above the starting budget is spent over tau_budget days: non-state actors
    // recruit from their supporters first; the rest goes elsewhere.
    const double spend = std::max(s.budget[a] - s.budget0[a], 0.0) * dt / ep.tau_budget;
    double supporters = 0.0;
    for (int r = 0; r < R; ++r) {
      if (!w.offmap[r]) supporters += s.support(r, a) * w.population[r];
    }
    double recruits = 0.0;
    if (!w.is_state[a] && supporters > 0.0) {
      recruits = std::min(spend / ep.recruit_cost, ep.recruit_rate * supporters * dt);
      for (int r = 0; r < R; ++r) {
        if (!w.offmap[r]) {
          s.recruit_pool(r, a) += s.support(r, a) * w.population[r] / supporters * recruits;
        }
      }
    }
    const double elsewhere = spend - recruits * ep.recruit_cost;
    s.budget[a] -= recruits * ep.recruit_cost + elsewhere;
    s.spent_elsewhere[a] += elsewhere;
    s.recruited[a] += recruits;
    // Below the starting budget with a flow deficit: demobilise in proportion to the deficit;
    // fast when the budget is dry.
    const double deficit = std::max(upkeep[a] - income[a], 0.0);
    double r_demob =
        s.budget[a] < s.budget0[a] ? ep.demob_rate * dt * deficit / std::max(upkeep[a], 1e-9) : 0.0;
    if (s.budget[a] < 0.0) r_demob *= 10.0;
    rate[a] = std::min(1.0, r_demob);
  }
  // Recruits form units once a full unit has gathered, in region-major order.
  const double unit_size = w.spec().run.unit_size;
  for (int r = 0; r < R; ++r) {
    for (int a = 0; a < A; ++a) {
      while (s.recruit_pool(r, a) >= unit_size) {
        s.units.add(a, w.recruit_type[a], r, unit_size);
        s.recruit_pool(r, a) -= unit_size;
      }
    }
  }
  auto& U = s.units;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u] || U.order[u] == Order::Withdraw) continue;
    const double dm = U.strength[u] * rate[U.actor[u]];
    if (dm <= 0.0) continue;
    U.strength[u] -= dm;
    s.demobilised[U.actor[u]] += dm;
  }
}

}  // namespace powershift
