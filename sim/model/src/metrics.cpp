// Metrics (docs/model.md §Metrics): what a step measures, the notable events it logs and the
// net vacuum attribution of a finished run.
#include "powershift/model/metrics.hpp"

#include <algorithm>
#include <cmath>

#include "powershift/model/phases.hpp"

namespace powershift {

StepMetrics compute_metrics(const World& w, const State& s) {
  const int A = w.A;
  StepMetrics m;
  m.step = s.step;
  m.day = s.step * w.dt;
  m.control_pop.assign(A, 0.0);
  m.control_value.assign(A, 0.0);
  for (int r = 0; r < w.R; ++r) {
    if (w.offmap[r]) continue;
    for (int a = 0; a < A; ++a) {
      m.control_pop[a] += w.pop_weight[r] * s.control(r, a);
      m.control_value[a] += w.value_weight[r] * s.control(r, a);
    }
  }
  double held_pop = 0.0;
  double held_value = 0.0;
  for (int a = 0; a < A; ++a) {
    held_pop += m.control_pop[a];
    held_value += m.control_value[a];
  }
  m.vacuum_pop = 1.0 - held_pop;
  m.vacuum_value = 1.0 - held_value;
  double hhi = 0.0;
  for (int a = 0; a < A; ++a) {
    const double share = held_pop > 0 ? m.control_pop[a] / held_pop : 0.0;
    hhi += share * share;
  }
  m.hhi = hhi;
  m.effective_actors = hhi > 0 ? 1.0 / hhi : 0.0;
  m.forces.assign(A, 0.0);
  m.exit_queue.assign(A, 0.0);
  const auto& U = s.units;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u]) continue;
    const int a = U.actor[u];
    m.forces[a] += U.strength[u];
    if (U.order[u] == Order::Withdraw && U.eta[u] <= 0.0 &&
        w.exit_of(a, U.region[u]) == U.region[u]) {
      m.exit_queue[a] += U.strength[u];
    }
  }
  m.casualties = s.casualties;
  m.withdrawn = s.withdrawn;
  m.budget = s.budget;
  return m;
}

Field forces_by_region(const World& w, const State& s) {
  Field f = Field::Zero(w.R, w.A);
  const auto& U = s.units;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (unit_present(w, s, u)) f(U.region[u], U.actor[u]) += U.strength[u];
  }
  return f;
}

NetAttribution net_attribution(const Field& initial, const Field& final_control, int actor) {
  const auto R = static_cast<int>(initial.rows());
  const auto A = static_cast<int>(initial.cols());
  NetAttribution na;
  na.actor = actor;
  na.gained = Field::Zero(R, A);
  na.lost.assign(R, 0.0);
  na.unfilled.assign(R, 0.0);
  if (actor < 0) return na;
  for (int r = 0; r < R; ++r) {
    const double lost = std::max(initial(r, actor) - final_control(r, actor), 0.0);
    double gains = 0.0;
    for (int b = 0; b < A; ++b) {
      if (b != actor) gains += std::max(final_control(r, b) - initial(r, b), 0.0);
    }
    const double denom = std::max(gains, lost);
    double given = 0.0;
    for (int b = 0; b < A; ++b) {
      if (b == actor || denom <= 0.0) continue;
      na.gained(r, b) = lost * std::max(final_control(r, b) - initial(r, b), 0.0) / denom;
      given += na.gained(r, b);
    }
    na.lost[r] = lost;
    na.unfilled[r] = lost - given;
  }
  return na;
}

void detect_events(const World& w, State& s, const StepContext& ctx,
                   const std::vector<double>& withdrawn_before, std::vector<LoggedEvent>& out) {
  const int t = s.step;
  const double min_losses = w.spec().outputs.event_min_losses;
  for (int r = 0; r < w.R; ++r) {
    if (w.offmap[r]) continue;
    const int now = controller_of(s.control, r);
    if (now != s.controller[r]) {
      out.push_back({t, EventKind::ControlChange, r, now, s.controller[r],
                     now >= 0 ? s.control(r, now) : 0.0});
      s.controller[r] = now;
    }
    double total = 0.0;
    int loser = -1;
    int firer = -1;
    for (int a = 0; a < w.A; ++a) {
      total += ctx.losses(r, a);
      if (ctx.losses(r, a) > 0.0 && (loser < 0 || ctx.losses(r, a) > ctx.losses(r, loser)))
        loser = a;
      if (ctx.inflicted(r, a) > 0.0 && (firer < 0 || ctx.inflicted(r, a) > ctx.inflicted(r, firer)))
        firer = a;
    }
    if (total >= min_losses && total > 0.0) {
      out.push_back({t, EventKind::Engagement, r, loser, firer, total});
    }
  }
  std::vector<double> strength(w.A, 0.0);
  const auto& U = s.units;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (U.alive[u]) strength[U.actor[u]] += U.strength[u];
  }
  for (int a = 0; a < w.A; ++a) {
    const double gone = s.withdrawn[a] - withdrawn_before[a];
    if (gone > 0.0) out.push_back({t, EventKind::Withdrawal, -1, a, -1, gone});
    if (!s.collapsed[a] && s.initial_strength[a] > 0.0) {
      const double left = strength[a];
      if (left < 0.1 * s.initial_strength[a]) {
        s.collapsed[a] = 1;
        out.push_back({t, EventKind::Collapse, -1, a, -1, left});
      }
    }
  }
}

int controller_of(const Field& control, int region) {
  int holder = -1;
  for (int a = 0; a < static_cast<int>(control.cols()); ++a) {
    if (control(region, a) >= kControlShare) holder = a;
  }
  return holder;
}

int withdrawing_actor(const ScenarioSpec& spec) {
  for (const auto& e : spec.events) {
    if (e.type == EventType::Drawdown) return e.actor;
  }
  return -1;
}

}  // namespace powershift
