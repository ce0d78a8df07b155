// Economy (docs/model.md §Economy): income from controlled value, sponsors and external funding;
// upkeep growing with distance from home; recruitment from supportive population; spending of a
// surplus and demobilisation under a deficit, so budgets neither crash nor pile up unprompted.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "powershift/model/error.hpp"
#include "powershift/model/phases.hpp"

namespace powershift {

namespace {

// Names the cause of a budget that is no longer finite: the parameter or input whose term is.
[[noreturn]] void throw_non_finite_budget(const World& w, const State& s, int a, double income,
                                          double upkeep, double spend) {
  std::ostringstream msg;
  msg << "actor " << w.spec().actors[a].name << ": budget is no longer finite on step "
      << s.step + 1 << " (";
  if (!std::isfinite(upkeep)) {
    msg << "upkeep overflows; model.economy.d_ref = " << w.params().economy.d_ref
        << " is too small for the distances from home";
  } else if (!std::isfinite(income)) {
    msg << "income overflows; check the income_factor of its budget_change events and its income";
  } else if (!std::isfinite(spend)) {
    msg << "spending overflows; model.economy.tau_budget = " << w.params().economy.tau_budget
        << " is too small";
  } else {
    msg << "budget " << s.budget[a] << ", income " << income << ", upkeep " << upkeep;
  }
  msg << ")";
  throw SimulationError(msg.str());
}

}  // namespace

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
    if (!std::isfinite(s.budget[a])) throw_non_finite_budget(w, s, a, income[a], upkeep[a], spend);
    // Below the starting budget with a flow deficit: demobilise in proportion to the deficit;
    // fast when the budget is dry.
    const double deficit = std::max(upkeep[a] - income[a], 0.0);
    double r_demob =
        s.budget[a] < s.budget0[a] ? ep.demob_rate * dt * deficit / std::max(upkeep[a], 1e-9) : 0.0;
    if (s.budget[a] < 0.0) r_demob *= 10.0;
    rate[a] = std::min(1.0, r_demob);
  }
  // Recruits form units once a full unit has gathered, in region-major order; a run holds at
  // most run.max_units units (docs/scenarios.md §Limits).
  const double unit_size = w.spec().run.unit_size;
  const double max_units = w.spec().run.max_units;
  for (int r = 0; r < R; ++r) {
    for (int a = 0; a < A; ++a) {
      const double forming = std::floor(s.recruit_pool(r, a) / unit_size);
      if (forming > 0.0 && static_cast<double>(s.units.size()) + forming > max_units) {
        std::ostringstream msg;
        msg << "actor " << w.spec().actors[a].name << ": recruits on step " << s.step + 1
            << " would form " << static_cast<long long>(std::min(forming, 9.0e18))
            << " units of run.unit_size " << unit_size << " in " << w.spec().regions[r].name
            << ", over the limit of " << static_cast<long long>(max_units) << " units in a run ("
            << s.units.size() << " held); raise run.unit_size";
        throw SimulationError(msg.str());
      }
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
