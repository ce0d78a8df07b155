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

// Where a unit counts for a drawdown: its region at rest, its destination on a hop.
int drawdown_site(const Units& U, std::size_t u) {
  return U.eta[u] > 0.0 ? U.dest[u] : U.region[u];
}

// The units a drawdown may order out: the actor's alive Free units outside the retained sites,
// and its Hold units (garrisons) at the sites the event names in `leave`.
bool drawdown_candidate(const Units& U, std::size_t u, const EventSpec& e) {
  if (!U.alive[u] || U.actor[u] != e.actor) return false;
  const int site = drawdown_site(U, u);
  if (contains(e.keep, site)) return false;
  return U.order[u] == Order::Free || (U.order[u] == Order::Hold && contains(e.leave, site));
}

// Orders units of the event's actor out until `target` strength is committed (docs/model.md
// §4.1): sites in the order of `leave` first (units elsewhere after them), then by the `first`
// type order, then by id. Committed units keep holding and fighting until they have left.
// A drawdown's target is `fraction` of its current base: what it has sent out, what is on its
// way out, and its candidates now (units that moved into a retained site have left the base,
// units that moved out of one have joined it). An external demand's is `strength` (fraction < 0).
void commit_withdrawal(State& s, int event_index, const EventSpec& e, double fraction,
                       double strength) {
  auto& prog = s.drawdowns[event_index];
  auto& U = s.units;
  double committed = prog.withdrawn;
  std::vector<int> candidates;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u] || U.actor[u] != e.actor) continue;
    if (U.order[u] == Order::Withdraw && U.withdraw_event[u] == event_index) {
      committed += U.strength[u];
    } else if (drawdown_candidate(U, u, e)) {
      candidates.push_back(static_cast<int>(u));
    }
  }
  double candidate_strength = 0.0;
  for (int u : candidates) candidate_strength += U.strength[u];
  const double target = fraction >= 0.0 ? fraction * (committed + candidate_strength) : strength;
  if (committed >= target) return;
  auto rank_in = [](const std::vector<int>& list, int x) {
    return static_cast<int>(std::find(list.begin(), list.end(), x) - list.begin());
  };
  std::stable_sort(candidates.begin(), candidates.end(), [&](int x, int y) {
    const int sx = rank_in(e.leave, drawdown_site(U, x));
    const int sy = rank_in(e.leave, drawdown_site(U, y));
    if (sx != sy) return sx < sy;
    const int tx = rank_in(e.first, U.type[x]);
    const int ty = rank_in(e.first, U.type[y]);
    if (tx != ty) return tx < ty;
    return x < y;
  });
  for (int u : candidates) {
    if (committed >= target) break;
    U.order[u] = Order::Withdraw;
    U.withdraw_event[u] = event_index;
    committed += U.strength[u];
  }
}

// The base the scope is a fraction of: the strength of the candidates when the order begins.
// Nothing else changes: a drawdown that commits nothing leaves the run exactly as without it.
void start_drawdown(State& s, int event_index, const EventSpec& e) {
  auto& prog = s.drawdowns[event_index];
  prog.started = true;
  const auto& U = s.units;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (drawdown_candidate(U, u, e)) prog.base_strength += U.strength[u];
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
        if (!s.drawdowns[i].started) start_drawdown(s, i, e);
        const double frac = scheduled_fraction(e, static_cast<double>(t) * w.dt - e.day);
        commit_withdrawal(s, i, e, frac, 0.0);
        break;
      }
      case EventType::ExternalDemand: {
        if (!s.drawdowns[i].started) start_drawdown(s, i, e);
        commit_withdrawal(s, i, e, -1.0, e.strength);
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
