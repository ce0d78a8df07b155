// Relations (docs/model.md §Relations): coalitions from the relation matrix, and the optional
// drift of relations (common threats draw actors together, clashes push them apart).
#include <algorithm>
#include <numeric>
#include <vector>

#include "powershift/model/phases.hpp"

namespace powershift {

double engagement_intensity(double hostility, const CombatParams& c) {
  if (hostility <= c.fight_threshold) return 0.0;
  // fight_full <= fight_threshold: the v1 step (full engagement past the threshold).
  if (c.fight_full <= c.fight_threshold || hostility >= c.fight_full) return 1.0;
  return (hostility - c.fight_threshold) / (c.fight_full - c.fight_threshold);
}

void update_coalitions(const World& w, State& s) {
  const int A = w.A;
  const auto& cp = w.params().control;
  const auto& combat = w.params().combat;
  // Coalitions are the connected components of the graph Rel >= alliance threshold, labelled in
  // order of their lowest actor index.
  std::vector<int> parent(A);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (int a = 0; a < A; ++a) {
    for (int b = a + 1; b < A; ++b) {
      if (s.relations[static_cast<std::size_t>(a) * A + b] >= cp.alliance_threshold) {
        const int ra = find(a);
        const int rb = find(b);
        parent[std::max(ra, rb)] = std::min(ra, rb);
      }
    }
  }
  s.coalition.assign(A, -1);
  std::vector<int> label(A, -1);
  int n = 0;
  for (int a = 0; a < A; ++a) {
    const int root = find(a);
    if (label[root] < 0) label[root] = n++;
    s.coalition[a] = label[root];
  }
  s.coalitions = n;
  s.relations_pos.resize(s.relations.size());
  s.relations_neg.resize(s.relations.size());
  for (std::size_t i = 0; i < s.relations.size(); ++i) {
    s.relations_pos[i] = std::max(s.relations[i], 0.0);
    s.relations_neg[i] = std::max(-s.relations[i], 0.0);
  }
  // Engagement intensity: hostility h = -Rel x the more aggressive side's aggressiveness, mapped
  // onto [0, 1] by a linear ramp from fight_threshold (none) to fight_full (full), so the fire
  // exchanged is a continuous function of the relations (docs/model.md §4.9).
  s.fights.assign(static_cast<std::size_t>(A) * A, 0);
  s.engagement.assign(static_cast<std::size_t>(A) * A, 0.0);
  for (int a = 0; a < A; ++a) {
    for (int b = 0; b < A; ++b) {
      if (a == b) continue;
      const std::size_t i = static_cast<std::size_t>(a) * A + b;
      const double aggr = std::max(w.aggressiveness[a], w.aggressiveness[b]);
      const double e = engagement_intensity(-s.relations[i] * aggr, combat);
      s.engagement[i] = e;
      s.fights[i] = e > 0.0;
    }
  }
}

void relations_phase(const World& w, State& s, StepContext& ctx) {
  const auto& rp = w.params().relations;
  if (!rp.enabled) return;
  const int A = w.A;
  const double dt = w.dt;
  // Common threat of a and b: the strength share of actors hostile to both,
  // sum_c max(-Rel[c,a], 0) max(-Rel[c,b], 0) s_c / sum s.
  std::vector<double> strength(A, 0.0);
  double total = 0.0;
  for (int a = 0; a < A; ++a) {
    strength[a] = s.actor_strength(a);
    total += strength[a];
  }
  bool changed = false;
  for (int a = 0; a < A; ++a) {
    for (int b = a + 1; b < A; ++b) {
      double shared = 0.0;
      for (int c = 0; c < A; ++c) {
        if (c == a || c == b) continue;
        shared += s.relations_neg[static_cast<std::size_t>(c) * A + a] *
                  s.relations_neg[static_cast<std::size_t>(c) * A + b] * strength[c];
      }
      shared /= std::max(total, 1.0);
      const double clash = (ctx.clash[static_cast<std::size_t>(a) * A + b] +
                            ctx.clash[static_cast<std::size_t>(b) * A + a]) /
                           std::max(std::min(strength[a], strength[b]), 1.0);
      const double drift = dt * (rp.threat_rate * shared - rp.clash_rate * clash);
      if (drift == 0.0) continue;
      double& r1 = s.relations[static_cast<std::size_t>(a) * A + b];
      const double nv = std::clamp(r1 + drift, -1.0, 1.0);
      r1 = nv;
      s.relations[static_cast<std::size_t>(b) * A + a] = nv;
      changed = true;
    }
  }
  if (changed) update_coalitions(w, s);
}

}  // namespace powershift
