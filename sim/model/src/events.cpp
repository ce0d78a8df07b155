// Events (docs/model.md §Events): the scenario's timeline. Drawdowns order a scheduled fraction
// of an actor's forces out through its exits; reinforcements, relation changes, budget changes
// and external demands apply on their day.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "powershift/model/error.hpp"
#include "powershift/model/phases.hpp"

namespace powershift {

namespace {

// Fraction of the drawdown due `elapsed` days after its start: piecewise linear through the
// schedule points, starting from 0 at day 0 and flat after the last point.
double scheduled_fraction(const EventSpec& e, double elapsed) {
  double prev_day = 0.0;
  double prev_frac = 0.0;
  for (const auto& p : e.schedule) {
    if (elapsed <= p.day) {
      const double span = p.day - prev_day;
      const double x = span > 0 ? (elapsed - prev_day) / span : 1.0;
      return prev_frac + x * (p.fraction - prev_frac);
    }
    prev_day = p.day;
    prev_frac = p.fraction;
  }
  return prev_frac;
}

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Orders units of the event's actor out until `target` strength is committed: units in `leave`
// regions first, then by the `first` type order, then by id.
void commit_withdrawal(const World& w, State& s, int event_index, const EventSpec& e,
                       double target) {
  auto& prog = s.drawdowns[event_index];
  auto& U = s.units;
  double committed = prog.withdrawn;
  std::vector<int> candidates;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u] || U.actor[u] != e.actor) continue;
    if (U.order[u] == Order::Withdraw && U.withdraw_event[u] == event_index) {
      committed += U.strength[u];
    } else if (U.order[u] == Order::Free) {
      candidates.push_back(static_cast<int>(u));
    }
  }
  if (committed >= target) return;
  auto type_rank = [&](int k) {
    const auto it = std::find(e.first.begin(), e.first.end(), k);
    return static_cast<int>(it - e.first.begin());
  };
  std::stable_sort(candidates.begin(), candidates.end(), [&](int x, int y) {
    const bool lx = !contains(e.leave, U.region[x]);
    const bool ly = !contains(e.leave, U.region[y]);
    if (lx != ly) return lx < ly;
    const int tx = type_rank(U.type[x]);
    const int ty = type_rank(U.type[y]);
    if (tx != ty) return tx < ty;
    return x < y;
  });
  for (int u : candidates) {
    if (committed >= target) break;
    U.order[u] = Order::Withdraw;
    U.withdraw_event[u] = event_index;
    committed += U.strength[u];
  }
  (void)w;
}

void start_drawdown(const World& w, State& s, int event_index, const EventSpec& e) {
  auto& prog = s.drawdowns[event_index];
  prog.started = true;
  auto& U = s.units;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u] || U.actor[u] != e.actor || U.order[u] != Order::Free) continue;
    // Retained bases hold (units on their way there included); the rest is the base that the
    // scope is a fraction of. Garrisons elsewhere and units already leaving are not in it.
    const int where = U.eta[u] > 0.0 ? U.dest[u] : U.region[u];
    if (contains(e.keep, where)) {
      U.order[u] = Order::Hold;
    } else {
      prog.base_strength += U.strength[u];
    }
  }
  if (e.type == EventType::Drawdown) {
    for (int r : e.leave) s.leave_mask[static_cast<std::size_t>(e.actor) * w.R + r] = 1;
  }
}

}  // namespace

int event_start_step(const EventSpec& e, double dt) {
  // Step t covers the time ((t - 1) dt, t dt]; an event of day d applies from the first step
  // that starts at or after d.
  return static_cast<int>(std::ceil(e.day / dt - 1e-9)) + 1;
}

void events_phase(const World& w, State& s, StepContext& ctx) {
  const auto& events = w.spec().events;
  const int t = ctx.t;
  for (int i = 0; i < static_cast<int>(events.size()); ++i) {
    const auto& e = events[i];
    const int start = event_start_step(e, w.dt);
    if (start > t) continue;
    const bool first_step = start == t;
    switch (e.type) {
      case EventType::Drawdown: {
        if (!s.drawdowns[i].started) start_drawdown(w, s, i, e);
        const double frac = scheduled_fraction(e, static_cast<double>(t) * w.dt - e.day);
        commit_withdrawal(w, s, i, e, frac * s.drawdowns[i].base_strength);
        break;
      }
      case EventType::ExternalDemand: {
        if (!s.drawdowns[i].started) start_drawdown(w, s, i, e);
        commit_withdrawal(w, s, i, e, e.strength);
        break;
      }
      case EventType::Reinforcement:
        if (first_step) {
          split_into_units(s.units, e.actor, e.unit_type, e.region, e.strength,
                           w.spec().run.unit_size);
        }
        break;
      case EventType::RelationChange:
        if (first_step) {
          s.relations[static_cast<std::size_t>(e.actor) * w.A + e.other] = e.value;
          s.relations[static_cast<std::size_t>(e.other) * w.A + e.actor] = e.value;
          update_coalitions(w, s);
        }
        break;
      case EventType::BudgetChange:
        if (first_step) {
          s.income_factor[e.actor] *= e.income_factor;
          s.budget[e.actor] += e.budget_delta;
          if (!std::isfinite(s.income_factor[e.actor]) || !std::isfinite(s.budget[e.actor])) {
            throw SimulationError("actor " + w.spec().actors[e.actor].name + ": events[" +
                                  std::to_string(i) +
                                  "] (budget_change) makes its income factor or budget overflow");
          }
        }
        break;
    }
  }
}

}  // namespace powershift
