// Sense (docs/model.md §Sense): effective power of the units present, projected power through
// the loss-of-strength kernel, friendly and hostile power, and ground-holding power.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

#include "powershift/model/phases.hpp"

namespace powershift {

StepContext::StepContext(const World& world, std::uint64_t seed, std::uint64_t replicate)
    : rng(seed, replicate) {
  const int R = world.R;
  const int A = world.A;
  projected = projected_air = friendly = hostile = holding = present = Field::Zero(R, A);
  exposed = air_def = air_demand = air_shield = air_fire = Field::Zero(R, A);
  sortie_norm.assign(static_cast<std::size_t>(world.K) * R * A, 0.0);
  inflicted = losses = contest_target = Field::Zero(R, A);
  by_type.assign(static_cast<std::size_t>(world.K) * R * A, 0.0);
  type_present.assign(static_cast<std::size_t>(world.K) * R, 0);
  clash.assign(static_cast<std::size_t>(A) * A, 0.0);
  region_offsets.assign(R + 1, 0);
  // Below these sizes a TBB split costs more than the work (measured in bench/).
  parallel_regions = R >= 256;
  parallel_units = false;
}

void index_units_by_region(const World& w, const State& s, StepContext& ctx) {
  // Counting sort of the units present by region; within a region, ascending id.
  auto& off = ctx.region_offsets;
  std::fill(off.begin(), off.end(), 0);
  const std::size_t U = s.units.size();
  for (std::size_t u = 0; u < U; ++u) {
    if (unit_present(w, s, u)) ++off[s.units.region[u] + 1];
  }
  for (int r = 0; r < w.R; ++r) off[r + 1] += off[r];
  ctx.region_units.resize(off[w.R]);
  std::vector<std::int32_t> fill(off.begin(), off.end() - 1);
  for (std::size_t u = 0; u < U; ++u) {
    if (unit_present(w, s, u)) ctx.region_units[fill[s.units.region[u]]++] = static_cast<int>(u);
  }
}

template <class Body>
static void for_regions(const World& w, const StepContext& ctx, Body&& body) {
  if (ctx.parallel_regions) {
    tbb::parallel_for(tbb::blocked_range<int>(0, w.R, 64), [&](const tbb::blocked_range<int>& rg) {
      for (int r = rg.begin(); r != rg.end(); ++r) body(r);
    });
  } else {
    for (int r = 0; r < w.R; ++r) body(r);
  }
}

void compute_holding(const World& w, const State& s, StepContext& ctx) {
  // H[r, a] = sum over ground-holding units present of defence x strength x morale x terrain;
  // X[r, a] their strength. Each region reads only its own unit list.
  for_regions(w, ctx, [&](int r) {
    ctx.holding.row(r).setZero();
    ctx.present.row(r).setZero();
    for (int i = ctx.region_offsets[r]; i < ctx.region_offsets[r + 1]; ++i) {
      const int u = ctx.region_units[i];
      const int k = s.units.type[u];
      // Present only: a unit that broke and retreated during combat is on the road already.
      if (!w.holds_ground[k] || !s.units.alive[u] || s.units.eta[u] > 0.0) continue;
      const int a = s.units.actor[u];
      const double st = s.units.strength[u];
      ctx.holding(r, a) += w.defence[k] * st * s.units.morale[u] * terrain_factor(w, s, r, a);
      ctx.present(r, a) += st;
    }
  });
}

void sense_phase(const World& w, State& s, StepContext& ctx) {
  const int R = w.R;
  const int A = w.A;
  const int K = w.K;
  index_units_by_region(w, s, ctx);
  compute_holding(w, s, ctx);
  // Effective power of the units present, by type; for types that do not hold ground, the daily
  // effect of their sorties (sorties_k x attack_k per unit of strength).
  const std::size_t RA = static_cast<std::size_t>(R) * A;
  for_regions(w, ctx, [&](int r) {
    for (int k = 0; k < K; ++k) {
      std::fill_n(&ctx.by_type[k * RA + static_cast<std::size_t>(r) * A], A, 0.0);
      ctx.type_present[static_cast<std::size_t>(k) * R + r] = 0;
    }
    ctx.exposed.row(r).setZero();
    ctx.air_def.row(r).setZero();
    bool air_here = false;
    for (int i = ctx.region_offsets[r]; i < ctx.region_offsets[r + 1]; ++i) {
      const int u = ctx.region_units[i];
      const int k = s.units.type[u];
      const int a = s.units.actor[u];
      const double st = s.units.strength[u];
      const double m = s.units.morale[u];
      ctx.type_present[static_cast<std::size_t>(k) * R + r] = 1;
      ctx.by_type[k * RA + static_cast<std::size_t>(r) * A + a] +=
          w.attack[k] * w.sorties[k] * st * m * w.quality[a] * terrain_factor(w, s, r, a);
      ctx.exposed(r, a) += st;
      ctx.air_def(r, a) += w.air_defence[k] * st * m;
      air_here = air_here || !w.holds_ground[k];
    }
    if (!air_here) return;
    // A base held by enemies flies fewer sorties: the share 1 - sum_b e[b, a] C[r, b] remains.
    for (int a = 0; a < A; ++a) {
      double denied = 0.0;
      for (int b = 0; b < A; ++b) {
        denied += s.engagement[static_cast<std::size_t>(b) * A + a] * s.control(r, b);
      }
      const double base = std::max(0.0, 1.0 - denied);
      if (base == 1.0) continue;
      for (int k = 0; k < K; ++k) {
        if (!w.holds_ground[k]) ctx.by_type[k * RA + static_cast<std::size_t>(r) * A + a] *= base;
      }
    }
  });
  // Where each actor has targets (e-bar) and how much hostile air defence lets through (sigma).
  const double ad_ref = w.params().air.ad_ref;
  for_regions(w, ctx, [&](int r) {
    // Only the actors present can be targets or defend: cost grows with presence, not A x A.
    thread_local std::vector<int> here;
    here.clear();
    for (int b = 0; b < A; ++b) {
      if (ctx.exposed(r, b) > 0.0) here.push_back(b);
    }
    for (int a = 0; a < A; ++a) {
      double demand = 0.0;
      double ad = 0.0;
      for (int b : here) {
        demand = std::max(demand, s.engagement[static_cast<std::size_t>(a) * A + b]);
        ad += s.engagement[static_cast<std::size_t>(b) * A + a] * ctx.air_def(r, b);
      }
      ctx.air_demand(r, a) = demand;
      ctx.air_shield(r, a) = ad_ref / (ad_ref + ad);
    }
  });
  // D_k[s, a] = sum over the regions r a base s reaches of W_k(r, s) e-bar[r, a]: the kernel is
  // symmetric, so row s lists s's destinations.
  for_regions(w, ctx, [&](int src) {
    for (int k = 0; k < K; ++k) {
      if (w.holds_ground[k] || !ctx.type_present[static_cast<std::size_t>(k) * R + src]) continue;
      const auto& kr = w.kernel[k];
      double* D = &ctx.sortie_norm[k * RA + static_cast<std::size_t>(src) * A];
      std::fill_n(D, A, 0.0);
      for (int j = kr.offsets[src]; j < kr.offsets[src + 1]; ++j) {
        const double wt = kr.weight[j];
        const int dst = kr.source[j];
        for (int a = 0; a < A; ++a) D[a] += wt * ctx.air_demand(dst, a);
      }
    }
  });
  // Projected power P = sum_k K_k E_k, then friendly and hostile power from the relations.
  for_regions(w, ctx, [&](int r) {
    double* P = &ctx.projected(r, 0);
    double* Pair = &ctx.projected_air(r, 0);
    std::fill_n(P, A, 0.0);
    std::fill_n(Pair, A, 0.0);
    for (int k = 0; k < K; ++k) {
      const auto& kr = w.kernel[k];
      double* __restrict dst = w.holds_ground[k] ? P : Pair;
      const std::uint8_t* here = &ctx.type_present[static_cast<std::size_t>(k) * R];
      for (int j = kr.offsets[r]; j < kr.offsets[r + 1]; ++j) {
        // A source without units of this type adds exact zeros: skip it.
        if (!here[kr.source[j]]) continue;
        const double wt = kr.weight[j];
        const double* __restrict E =
            &ctx.by_type[k * RA + static_cast<std::size_t>(kr.source[j]) * A];
        for (int a = 0; a < A; ++a) dst[a] += wt * E[a];
      }
    }
    for (int a = 0; a < A; ++a) P[a] += Pair[a];
    // Fire delivered by sorties: base s sends the share W e-bar / D of its sorties to r, each
    // worth W there, through the hostile air defence (sigma).
    double* fire = &ctx.air_fire(r, 0);
    std::fill_n(fire, A, 0.0);
    for (int k = 0; k < K; ++k) {
      if (w.holds_ground[k]) continue;
      const auto& kr = w.kernel[k];
      const std::uint8_t* here = &ctx.type_present[static_cast<std::size_t>(k) * R];
      for (int j = kr.offsets[r]; j < kr.offsets[r + 1]; ++j) {
        if (!here[kr.source[j]]) continue;
        const double wt = kr.weight[j];
        const std::size_t at = k * RA + static_cast<std::size_t>(kr.source[j]) * A;
        for (int a = 0; a < A; ++a) {
          const double D = ctx.sortie_norm[at + a];
          if (D > 0.0) fire[a] += wt * wt * ctx.by_type[at + a] / D;
        }
      }
    }
    for (int a = 0; a < A; ++a) fire[a] *= ctx.air_demand(r, a) * ctx.air_shield(r, a);
    double* F = &ctx.friendly(r, 0);
    double* Hs = &ctx.hostile(r, 0);
    std::fill_n(F, A, 0.0);
    std::fill_n(Hs, A, 0.0);
    for (int b = 0; b < A; ++b) {
      if (P[b] == 0.0) continue;  // cost grows with presence, not with A x A
      const double* pos = &s.relations_pos[static_cast<std::size_t>(b) * A];
      const double* neg = &s.relations_neg[static_cast<std::size_t>(b) * A];
      for (int a = 0; a < A; ++a) {
        F[a] += P[b] * pos[a];
        Hs[a] += P[b] * neg[a];
      }
    }
  });
}

}  // namespace powershift
