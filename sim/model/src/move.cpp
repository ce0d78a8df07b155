// Move (docs/model.md §Move): travel takes whole steps by speed and distance; withdrawing units
// make for their exit and leave at most its daily capacity; everything in unit-id order.
#include <algorithm>
#include <cmath>
#include <vector>

#include "powershift/model/phases.hpp"

namespace powershift {

void depart(const World& w, State& s, std::size_t u, int t) {
  auto& U = s.units;
  const int r = U.region[u];
  const int q = w.hop(r, U.dest[u]);
  if (q == r || q < 0) return;
  if (U.order[u] != Order::Withdraw) {
    auto& ms = s.move_stats;
    ++ms.moves;
    if (t > 30) ++ms.moves_after_30;
    if (q == U.from[u]) {
      ++ms.reversals;
      if (t - U.arrived_at[u] <= 3) ++ms.reversals_within_3;
    }
  }
  U.from[u] = r;
  U.hop[u] = q;
  U.eta[u] = std::max(1.0, std::ceil(w.distance(r, q) / w.speed[U.type[u]]));
}

void move_phase(const World& w, State& s, StepContext& ctx) {
  const int t = ctx.t;
  auto& U = s.units;
  std::vector<double> capacity_left(w.R);
  for (int r = 0; r < w.R; ++r) capacity_left[r] = w.exit_capacity[r] * w.dt;
  // Withdrawing units at rest: leave through the exit if they are at it, else head for it.
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u] || U.order[u] != Order::Withdraw || U.eta[u] > 0.0) continue;
    const int a = U.actor[u];
    const int r = U.region[u];
    const int ex = w.exit_of(a, r);
    if (ex < 0) continue;  // no exit reachable: the unit waits (engine_warnings says so)
    if (r == ex) {
      const double x = std::min(U.strength[u], capacity_left[r]);
      U.strength[u] -= x;
      capacity_left[r] -= x;
      s.withdrawn[a] += x;
      if (U.withdraw_event[u] >= 0) s.drawdowns[U.withdraw_event[u]].withdrawn += x;
      if (U.strength[u] <= 1e-9) {
        U.strength[u] = 0.0;
        U.alive[u] = 0;
      }
    } else {
      U.dest[u] = ex;
      depart(w, s, u, t);
    }
  }
  // Travel, then arrivals in id order.
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u] || U.eta[u] <= 0.0) continue;
    U.eta[u] -= w.dt;
    if (U.eta[u] > 1e-9) continue;
    U.eta[u] = 0.0;
    U.region[u] = U.hop[u];
    U.arrived_at[u] = t;
    if (U.region[u] != U.dest[u] && U.order[u] != Order::Withdraw) depart(w, s, u, t);
  }
}

}  // namespace powershift
