// Decide (docs/model.md §Decide): actors set target strengths per region by the marginal contest
// gain of one more increment and the loss of one fewer; units then move toward regions below
// target. Two levels, because per-unit daily coin flips make units random-walk.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "powershift/model/phases.hpp"

namespace powershift {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Free ground-holding strength of each actor by destination (the pool its targets divide), and
// the strength its decisions do not move (garrisons, units withdrawing) by region: one pass.
struct ActorStrength {
  Field free_by_dest;
  Field fixed;
};

ActorStrength actor_strength(const World& w, const State& s) {
  ActorStrength out{Field::Zero(w.R, w.A), Field::Zero(w.R, w.A)};
  const auto& U = s.units;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u] || !w.holds_ground[U.type[u]]) continue;
    if (U.order[u] == Order::Free) {
      out.free_by_dest(U.dest[u], U.actor[u]) += U.strength[u];
    } else if (U.eta[u] <= 0.0 && !w.offmap[U.region[u]]) {
      out.fixed(U.region[u], U.actor[u]) += U.strength[u];
    }
  }
  return out;
}

void actor_targets(const World& w, State& s, const StepContext& ctx, const ContestTerms& ct,
                   const ActorStrength& strength, int a) {
  const int R = w.R;
  const auto& dp = w.params().decide;
  const int k = w.recruit_type[a];
  const double h = dp.h_ref;

  std::vector<double> x(R), fixed(R);
  double pool = 0.0;
  for (int r = 0; r < R; ++r) {
    x[r] = strength.free_by_dest(r, a);
    fixed[r] = strength.fixed(r, a);
    pool += x[r];
  }
  if (pool <= 0.0) {
    for (int r = 0; r < R; ++r) s.target(r, a) = 0.0;
    return;
  }
  // Start from the previous targets rescaled to the pool (bounded steps per decision).
  double prev_total = 0.0;
  for (int r = 0; r < R; ++r) prev_total += s.target(r, a);
  if (prev_total > 0.0) {
    for (int r = 0; r < R; ++r) x[r] = s.target(r, a) * pool / prev_total;
  }

  const OwnShare share(w, s, ct, ctx.holding.data(), ctx.present.data(), a, std::move(fixed));
  std::vector<std::uint8_t> allowed(R);
  std::vector<double> weight(R), base(R);
  for (int r = 0; r < R; ++r) {
    allowed[r] = !w.offmap[r];
    const double tot = ctx.friendly(r, a) + ctx.hostile(r, a);
    const double hostile_share = ctx.hostile(r, a) / std::max(tot, 1e-9);
    weight[r] =
        w.salience_of(a, r) * w.value[r] * (1.0 - w.risk_aversion[a] * dp.k_risk * hostile_share);
  }
  // Valuations are divided by the actor's best marginal gain: dimensionless, so beta has a scale.
  double norm = 1e-12;
  for (int r = 0; r < R; ++r) {
    if (allowed[r]) norm = std::max(norm, weight[r] * (share(r, x[r] + h) - share(r, x[r])));
  }
  const double noise_scale = 1.0 / (w.rationality[a] * dp.beta_scale);
  for (int r = 0; r < R; ++r) {
    const double cost =
        w.cost_sensitivity[a] * dp.k_cost *
        (1.0 + w.dist_home[static_cast<std::size_t>(a) * R + r] / w.params().economy.d_ref);
    base[r] = -cost / norm + noise_scale * ctx.rng.gumbel(static_cast<std::uint64_t>(ctx.t),
                                                          RngPhase::DecideNoise,
                                                          static_cast<std::uint64_t>(a),
                                                          static_cast<std::uint64_t>(r));
  }
  std::vector<double> up(R), down(R);
  auto value_at = [&](int r) {
    if (!allowed[r]) {
      up[r] = -kInf;
      down[r] = -kInf;  // off-map: never a destination
      return;
    }
    const double now = share(r, x[r]);
    up[r] = weight[r] * (share(r, x[r] + h) - now) / norm + base[r];
    down[r] = weight[r] * (now - share(r, std::max(x[r] - h, 0.0))) / norm + base[r];
  };
  for (int r = 0; r < R; ++r) value_at(r);
  const double speed = w.speed[k];
  for (int n = 0; n < dp.max_exchanges; ++n) {
    int j = 0;
    for (int r = 1; r < R; ++r) {
      if (up[r] > up[j]) j = r;
    }
    int i = -1;
    double best = kInf;
    for (int r = 0; r < R; ++r) {
      if (r == j || x[r] <= 1e-9) continue;
      if (down[r] < best) {
        best = down[r];
        i = r;
      }
    }
    if (i < 0) break;
    // Hysteresis: an exchange must gain more than the travel it costs.
    const double days = std::max(1.0, std::ceil(w.distance(i, j) / speed));
    if (!(up[j] - down[i] > dp.move_cost * days)) break;
    const double d = std::min(h, x[i]);
    x[i] -= d;
    x[j] += d;
    value_at(i);
    value_at(j);
  }
  for (int r = 0; r < R; ++r) s.target(r, a) = x[r];
}

void unit_orders(const World& w, State& s, const Field& free_by_dest, int t) {
  const int R = w.R;
  auto& U = s.units;
  Field gap = free_by_dest - s.target;
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u] || U.order[u] != Order::Free || !w.holds_ground[U.type[u]]) continue;
    if (U.eta[u] > 0.0 || U.dest[u] != U.region[u]) continue;
    const int a = U.actor[u];
    // Staggered by id so an actor's units do not all reconsider on the same day.
    if ((static_cast<std::size_t>(t) + u) % static_cast<std::size_t>(w.decision_interval[a]) != 0) {
      continue;
    }
    const int r = U.region[u];
    const double su = U.strength[u];
    if (gap(r, a) < su / 2) continue;
    // Nearest region (in travel time) at least half a unit below target.
    int best = -1;
    double best_d = kInf;
    for (int j = 0; j < R; ++j) {
      if (gap(j, a) > -su / 2) continue;
      const double d = w.distance(r, j);
      if (d < best_d) {
        best_d = d;
        best = j;
      }
    }
    if (best < 0 || !std::isfinite(best_d)) continue;
    gap(r, a) -= su;
    gap(best, a) += su;
    U.dest[u] = best;
    depart(w, s, u, t);
  }
}

}  // namespace

bool any_actor_due(const World& w, int t) {
  for (int a = 0; a < w.A; ++a) {
    if ((t - 1) % w.decision_interval[a] == 0) return true;
  }
  return false;
}

void decide_phase(const World& w, State& s, StepContext& ctx) {
  const int t = ctx.t;
  std::vector<int> due;
  for (int a = 0; a < w.A; ++a) {
    if ((t - 1) % w.decision_interval[a] == 0) due.push_back(a);
  }
  const ActorStrength strength = actor_strength(w, s);
  if (!due.empty()) {
    const ContestTerms ct = contest_terms(w, s, ctx.holding.data());
    if (ctx.parallel_regions && due.size() > 1) {
      tbb::parallel_for(std::size_t{0}, due.size(),
                        [&](std::size_t i) { actor_targets(w, s, ctx, ct, strength, due[i]); });
    } else {
      for (int a : due) actor_targets(w, s, ctx, ct, strength, a);
    }
  }
  unit_orders(w, s, strength.free_by_dest, t);
}

}  // namespace powershift
