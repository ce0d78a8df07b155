// Engage (docs/model.md §Engage): where hostile actors meet they fight for a fraction iota of the
// day. Aimed fire follows Lanchester's square law, fire on linear-law (irregular) targets the
// linear law, so the two meeting give Deitchman's mixed law. Explicit Euler in dt.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "powershift/model/phases.hpp"

namespace powershift {

namespace {

struct RegionScratch {
  std::vector<double> fire, exposed, declining, factor, contrib, incoming, received, targeted;
  std::vector<int> players;
};

}  // namespace

void engage_phase(const World& w, State& s, StepContext& ctx) {
  const int A = w.A;
  const auto& cp = w.params().combat;
  const auto& mp = w.params().morale;
  const double dt = w.dt;
  auto& U = s.units;
  // The index of the sense phase just before stands: nobody moved since.

  // Per-region exchange; each region writes only its own rows and its own units.
  Field exchange_own = Field::Zero(w.R, A);    // own losses / own strength
  Field exchange_enemy = Field::Zero(w.R, A);  // enemy losses / enemy strength
  // Engagement level of each actor in each region: the largest intensity of a dyad it fires in or
  // is fired on in (0: not engaged).
  std::vector<double> fighting(static_cast<std::size_t>(w.R) * A, 0.0);
  std::vector<double> clash_by_region;  // R x A x A, only when relations drift
  const bool track_clash = w.params().relations.enabled;
  if (track_clash) clash_by_region.assign(static_cast<std::size_t>(w.R) * A * A, 0.0);

  auto region_body = [&](int r) {
    ctx.inflicted.row(r).setZero();
    ctx.losses.row(r).setZero();
    const int begin = ctx.region_offsets[r];
    const int end = ctx.region_offsets[r + 1];
    if (begin == end || w.offmap[r]) return;
    thread_local RegionScratch sc;
    sc.fire.assign(A, 0.0);       // Y: firepower of units present plus projected air/naval power
    sc.exposed.assign(A, 0.0);    // X: strength present
    sc.declining.assign(A, 0.0);  // strength of units that may decline battle
    for (int i = begin; i < end; ++i) {
      const int u = ctx.region_units[i];
      if (!U.alive[u]) continue;
      const int k = U.type[u];
      const int a = U.actor[u];
      if (w.holds_ground[k]) {
        sc.fire[a] += w.attack[k] * U.strength[u] * U.morale[u] * w.quality[a];
      }
      sc.exposed[a] += U.strength[u];
      if (w.declines[k]) sc.declining[a] += U.strength[u];
    }
    // The actors in play here: those present, and those whose sorties reach in.
    // Work below grows with their number, not with A.
    sc.players.clear();
    for (int a = 0; a < A; ++a) {
      sc.fire[a] += ctx.air_fire(r, a);
      if (sc.fire[a] > 0.0 || sc.exposed[a] > 0.0) sc.players.push_back(a);
    }
    const int n = static_cast<int>(sc.players.size());
    if (n < 2) return;
    // e(b, a): intensity with which b fires on a here (0: it does not).
    auto fights = [&](int b, int a) {
      return sc.fire[b] > 0.0 && sc.exposed[a] > 0.0
                 ? s.engagement[static_cast<std::size_t>(b) * A + a]
                 : 0.0;
    };
    // A side of irregulars below its acceptance balance declines: fire to and from it leaks, by
    // as much as the most intense fire it is targeted with.
    sc.factor.assign(A, 1.0);
    sc.targeted.assign(A, 0.0);
    bool any = false;
    for (int a : sc.players) {
      double targeted = 0.0;
      for (int b : sc.players) targeted = std::max(targeted, fights(b, a));
      sc.targeted[a] = targeted;
      any = any || targeted > 0.0;
      const double tot = ctx.friendly(r, a) + ctx.hostile(r, a);
      const double balance = ctx.friendly(r, a) / std::max(tot, 1e-9);
      if (targeted > 0.0 && sc.declining[a] > 0.5 * sc.exposed[a] && balance < cp.accept) {
        sc.factor[a] = 1.0 - (1.0 - cp.leak) * targeted;
      }
    }
    if (!any) return;
    // contrib[i, j]: fire of player i on player j. i commits the share e_max of its fire set by
    // its most intense engagement here and spreads it over its targets by e x strength.
    sc.contrib.assign(static_cast<std::size_t>(n) * n, 0.0);
    for (int i = 0; i < n; ++i) {
      const int b = sc.players[i];
      double targets = 0.0;
      double e_max = 0.0;
      for (int a : sc.players) {
        const double e = fights(b, a);
        targets += e * sc.exposed[a];
        e_max = std::max(e_max, e);
      }
      if (targets <= 0.0) continue;
      for (int j = 0; j < n; ++j) {
        const int a = sc.players[j];
        const double e = fights(b, a);
        if (e <= 0.0) continue;
        sc.contrib[static_cast<std::size_t>(i) * n + j] = cp.intensity * cp.alpha * dt *
                                                          sc.fire[b] * e_max * e * sc.exposed[a] /
                                                          targets * sc.factor[b] * sc.factor[a];
      }
    }
    sc.incoming.assign(A, 0.0);
    sc.received.assign(n, 0.0);
    for (int j = 0; j < n; ++j) {
      const int a = sc.players[j];
      double in = 0.0;
      for (int i = 0; i < n; ++i) in += sc.contrib[static_cast<std::size_t>(i) * n + j];
      sc.received[j] = in;
      if (in <= 0.0) continue;
      // Multiplicative log-normal noise with mean 1.
      const double z =
          cp.noise > 0.0
              ? ctx.rng.normal(static_cast<std::uint64_t>(ctx.t), RngPhase::EngageNoise,
                               static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(a))
              : 0.0;
      sc.incoming[a] = in * std::exp(cp.noise * z - 0.5 * cp.noise * cp.noise);
    }
    // Losses spread over units by strength; terrain divides the defender's losses.
    for (int i = begin; i < end; ++i) {
      const int u = ctx.region_units[i];
      const int a = U.actor[u];
      if (!U.alive[u] || sc.incoming[a] <= 0.0) continue;
      const double x = sc.exposed[a];
      const double law = w.linear_law[U.type[u]] ? x / cp.s_ref : 1.0;
      const double loss = std::min(
          sc.incoming[a] * U.strength[u] / x * law / terrain_factor(w, s, r, a), U.strength[u]);
      U.strength[u] -= loss;
      ctx.losses(r, a) += loss;
    }
    // Harm inflicted by each firer, in proportion to its share of the fire received.
    for (int j = 0; j < n; ++j) {
      const int a = sc.players[j];
      const double la = ctx.losses(r, a);
      if (la <= 0.0) continue;
      for (int i = 0; i < n; ++i) {
        const double c = sc.contrib[static_cast<std::size_t>(i) * n + j];
        if (c <= 0.0) continue;
        const int b = sc.players[i];
        ctx.inflicted(r, b) += la * c / sc.received[j];
        if (track_clash) {
          clash_by_region[(static_cast<std::size_t>(r) * A + b) * A + a] += la * c / sc.received[j];
        }
      }
    }
    // Morale moves with the exchange ratio, enemies weighted by the dyad's engagement level.
    for (int a : sc.players) {
      double enemy_loss = 0.0;
      double enemy_strength = 0.0;
      double level = 0.0;
      for (int b : sc.players) {
        const double g = std::max(fights(a, b), fights(b, a));
        if (g <= 0.0) continue;
        level = std::max(level, g);
        enemy_loss += g * ctx.losses(r, b);
        enemy_strength += g * sc.exposed[b];
      }
      if (level <= 0.0) continue;
      fighting[static_cast<std::size_t>(r) * A + a] = level;
      exchange_own(r, a) = ctx.losses(r, a) / std::max(sc.exposed[a], 1e-12);
      exchange_enemy(r, a) = enemy_loss / std::max(enemy_strength, 1e-12);
    }
  };
  if (ctx.parallel_regions) {
    tbb::parallel_for(tbb::blocked_range<int>(0, w.R, 64), [&](const tbb::blocked_range<int>& rg) {
      for (int r = rg.begin(); r != rg.end(); ++r) region_body(r);
    });
  } else {
    for (int r = 0; r < w.R; ++r) region_body(r);
  }
  // Casualty totals in region order (a fixed-order reduction).
  for (int r = 0; r < w.R; ++r) {
    for (int a = 0; a < A; ++a) s.casualties[a] += ctx.losses(r, a);
  }
  if (track_clash) {
    std::fill(ctx.clash.begin(), ctx.clash.end(), 0.0);
    for (int r = 0; r < w.R; ++r) {
      for (std::size_t i = 0; i < ctx.clash.size(); ++i) {
        ctx.clash[i] += clash_by_region[static_cast<std::size_t>(r) * A * A + i];
      }
    }
  }

  // Morale: units in a fight move with the exchange ratio; the share 1 - g of the recovery
  // toward 1 that a unit out of combat gets is kept at engagement level g.
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!U.alive[u]) continue;
    const int r = U.region[u];
    const int a = U.actor[u];
    const double g = unit_present(w, s, u) ? fighting[static_cast<std::size_t>(r) * A + a] : 0.0;
    double m = U.morale[u] + (1.0 - g) * dt * mp.recovery * (1.0 - U.morale[u]);
    if (g > 0.0) m += mp.kappa * (exchange_enemy(r, a) - exchange_own(r, a));
    U.morale[u] = std::clamp(m, 0.0, 1.0);
  }
  // Units worn down to nothing disband (a remainder queueing at an exit leaves instead).
  for (std::size_t u = 0; u < U.size(); ++u) {
    const bool leaving = U.order[u] == Order::Withdraw && U.strength[u] > 1e-9;
    if (U.alive[u] && U.strength[u] <= 1.0 && !leaving) {
      s.disbanded[U.actor[u]] += U.strength[u];
      U.strength[u] = 0.0;
      U.alive[u] = 0;
    }
  }
  // Broken units retreat to the friendliest neighbour, disband, or defect to the strongest
  // opponent present; serially in id order.
  for (std::size_t u = 0; u < U.size(); ++u) {
    if (!unit_present(w, s, u) || U.morale[u] >= mp.break_threshold) continue;
    const int r = U.region[u];
    const int a = U.actor[u];
    const double xi = ctx.rng.uniform(static_cast<std::uint64_t>(ctx.t), RngPhase::MoraleBreak,
                                      static_cast<std::uint64_t>(u));
    int retreat_to = -1;
    double best_balance = -1.0;
    for (int i = w.adj_offsets[r]; i < w.adj_offsets[r + 1]; ++i) {
      const int n = w.adj_region[i];
      if (w.offmap[n]) continue;
      const double tot = ctx.friendly(n, a) + ctx.hostile(n, a);
      const double bal = ctx.friendly(n, a) / std::max(tot, 1e-9);
      if (bal > best_balance) {
        best_balance = bal;
        retreat_to = n;
      }
    }
    const bool engaged = fighting[static_cast<std::size_t>(r) * A + a] > 0.0;
    if (xi < mp.p_retreat && retreat_to >= 0) {
      U.dest[u] = retreat_to;
      U.morale[u] = std::min(1.0, mp.break_threshold + 0.2);
      if (U.order[u] == Order::Hold) U.order[u] = Order::Free;
      ++s.move_stats.breaks_retreat;
      depart(w, s, u, ctx.t);
    } else if (xi < mp.p_retreat + mp.p_disband || !engaged) {
      s.disbanded[a] += U.strength[u];
      U.alive[u] = 0;
      ++s.move_stats.breaks_disband;
    } else {
      int to = -1;
      double best_fire = -1.0;
      for (int b = 0; b < A; ++b) {
        const bool enemy = s.fights[static_cast<std::size_t>(a) * A + b] ||
                           s.fights[static_cast<std::size_t>(b) * A + a];
        if (!enemy || ctx.present(r, b) <= 0.0) continue;
        if (ctx.projected(r, b) > best_fire) {
          best_fire = ctx.projected(r, b);
          to = b;
        }
      }
      if (to < 0) {
        s.disbanded[a] += U.strength[u];
        U.alive[u] = 0;
        ++s.move_stats.breaks_disband;
        continue;
      }
      U.actor[u] = to;
      U.type[u] = w.recruit_type[to];
      U.morale[u] = 0.5;
      U.order[u] = Order::Free;
      U.dest[u] = r;
      U.withdraw_event[u] = -1;
      ++s.move_stats.breaks_defect;
    }
  }
}

}  // namespace powershift
