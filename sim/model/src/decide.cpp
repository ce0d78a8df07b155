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

// Per-region contest terms shared by every actor's valuation this step.
struct ContestTerms {
  int coalitions = 0;
  std::vector<double> q;      // R x coalitions: sum of g H over members
  std::vector<double> q_pow;  // its power gamma
  std::vector<double> den;    // R: sum over coalitions of Q^gamma + (theta p)^gamma
};

ContestTerms contest_terms(const World& w, const State& s, const StepContext& ctx) {
  const auto& cp = w.params().control;
  ContestTerms ct;
  ct.coalitions = s.coalitions;
  ct.q.assign(static_cast<std::size_t>(w.R) * s.coalitions, 0.0);
  ct.q_pow.assign(ct.q.size(), 0.0);
  ct.den.assign(w.R, 0.0);
  for (int r = 0; r < w.R; ++r) {
    double* q = &ct.q[static_cast<std::size_t>(r) * s.coalitions];
    for (int a = 0; a < w.A; ++a) {
      q[s.coalition[a]] += (1.0 + cp.sigma * s.support(r, a)) * ctx.holding(r, a);
    }
    double den = contest_power(cp.theta * w.population[r], cp.gamma);
    for (int c = 0; c < s.coalitions; ++c) {
      const double qp = contest_power(q[c], cp.gamma);
      ct.q_pow[static_cast<std::size_t>(r) * s.coalitions + c] = qp;
      den += qp;
    }
    ct.den[r] = den;
  }
  return ct;
}

// The actor's own control target in each region as a function of its strength there, others
// fixed (the sticky split of docs/model.md §Control seen from one member).
class OwnShare {
 public:
  // `fixed[r]`: the actor's strength in r that its decision does not move (garrisons, units
  // withdrawing); it counts toward the actor's holding whatever the target.
  OwnShare(const World& w, const State& s, const StepContext& ctx, const ContestTerms& ct,
           int actor, std::vector<double> fixed)
      : gamma_(w.params().control.gamma), R_(w.R), fixed_(std::move(fixed)) {
    const auto& cp = w.params().control;
    const int c = s.coalition[actor];
    const int k = w.recruit_type[actor];
    others_.resize(R_);
    rest_.resize(R_);
    per_strength_.resize(R_);
    partners_held_.resize(R_);
    own_held_.resize(R_);
    for (int r = 0; r < R_; ++r) {
      const double g = 1.0 + cp.sigma * s.support(r, actor);
      const double h = ctx.holding(r, actor);
      const double x = ctx.present(r, actor);
      const double hf = x > 0.0 ? h / x : w.defence[k] * terrain_factor(w, s, r, actor);
      const std::size_t rc = static_cast<std::size_t>(r) * ct.coalitions + c;
      others_[r] = ct.q[rc] - g * h;
      rest_[r] = std::max(ct.den[r] - ct.q_pow[rc], 1e-300);
      per_strength_[r] = g * hf;
      double held = 0.0;
      for (int b = 0; b < w.A; ++b) {
        if (b != actor && s.coalition[b] == c && ctx.holding(r, b) > 0.0) held += s.control(r, b);
      }
      partners_held_[r] = held;
      own_held_[r] = s.control(r, actor);
    }
  }

  [[nodiscard]] double operator()(int r, double free_strength) const {
    const double strength = free_strength + fixed_[r];
    const double y = per_strength_[r] * strength;
    const double qq = others_[r] + y;
    if (qq <= 0.0) return 0.0;
    const double qg = contest_power(qq, gamma_);
    const double tc = qg / (qg + rest_[r]);
    const bool here = strength > 0.0;  // free units or fixed ones
    const double cp = partners_held_[r] + (here ? own_held_[r] : 0.0);
    const double kept = here ? own_held_[r] * std::min(1.0, tc / std::max(cp, 1e-12)) : 0.0;
    return kept + std::max(0.0, tc - cp) * y / qq;
  }

 private:
  double gamma_;
  int R_;
  std::vector<double> fixed_;
  std::vector<double> others_, rest_, per_strength_, partners_held_, own_held_;
};

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

  const OwnShare share(w, s, ctx, ct, a, std::move(fixed));
  std::vector<std::uint8_t> allowed(R);
  std::vector<double> weight(R), base(R);
  for (int r = 0; r < R; ++r) {
    allowed[r] = !w.offmap[r] && !s.leave_mask[static_cast<std::size_t>(a) * R + r];
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
      down[r] = -kInf;  // leaving a region the actor may not hold is free
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
    const ContestTerms ct = contest_terms(w, s, ctx);
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
