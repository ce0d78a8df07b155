// Relations (docs/model.md §Relations): coalitions from the relation matrix, and the optional
// drift of relations (common threats draw actors together, clashes push them apart).
#include <algorithm>
#include <numeric>
#include <vector>

#include "powershift/phases.hpp"

namespace powershift {

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
  // Who fights: hostility x the more aggressive side's aggressiveness clears the threshold.
  s.fights.assign(static_cast<std::size_t>(A) * A, 0);
  for (int a = 0; a < A; ++a) {
    for (int b = 0; b < A; ++b) {
      const double rel = s.relations[static_cast<std::size_t>(a) * A + b];
      const double aggr = std::max(w.aggressiveness[a], w.aggressiveness[b]);
      s.fights[static_cast<std::size_t>(a) * A + b] = (a != b && -rel * aggr > combat.fight_threshold);
    }
  }
}

void relations_phase(const World& w, State& s, StepContext& ctx) {
  const auto& rp = w.params().relations;
  if (!rp.enabled) return;
  const int A = w.A;
  const double dt = w.dt;
  // Threat each actor faces: its mean hostile share of power where it is present.
  std::vector<double> threat(A, 0.0);
  std::vector<double> where(A, 0.0);
  for (int r = 0; r < w.R; ++r) {
    for (int a = 0; a < A; ++a) {
      if (ctx.present(r, a) <= 0.0) continue;
      const double tot = ctx.friendly(r, a) + ctx.hostile(r, a);
      threat[a] += tot > 0 ? ctx.hostile(r, a) / tot : 0.0;
      where[a] += 1.0;
    }
  }
  for (int a = 0; a < A; ++a) threat[a] = where[a] > 0 ? threat[a] / where[a] : 0.0;
  bool changed = false;
  for (int a = 0; a < A; ++a) {
    const double sa = std::max(s.actor_strength(a), 1.0);
    for (int b = a + 1; b < A; ++b) {
      const double sb = std::max(s.actor_strength(b), 1.0);
      const double clash = (ctx.clash[static_cast<std::size_t>(a) * A + b] +
                            ctx.clash[static_cast<std::size_t>(b) * A + a]) /
                           std::min(sa, sb);
      const double drift = dt * (rp.threat_rate * threat[a] * threat[b] - rp.clash_rate * clash);
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
