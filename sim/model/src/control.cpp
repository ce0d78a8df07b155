// Control (docs/model.md §Control): the contest between coalitions, the sticky split within a
// coalition, relaxation of control toward its target, and support following control.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

#include "powershift/model/phases.hpp"

namespace powershift {

void control_phase(const World& w, State& s, StepContext& ctx) {
  const auto& cp = w.params().control;
  const double dt = w.dt;
  // The index of the last sense stands: units that died or retreated since are skipped by
  // compute_holding, which counts only units alive and at rest.
  compute_holding(w, s, ctx);
  auto body = [&](int r) {
    double* T = &ctx.contest_target(r, 0);
    contest_region(w, s, r, &ctx.holding(r, 0), T);
    const double pop = std::max(w.population[r], 1.0);
    double total = 0.0;
    for (int a = 0; a < w.A; ++a) {
      double& C = s.control(r, a);
      C = w.offmap[r] ? 0.0 : std::clamp(C + dt * cp.zeta * (T[a] - C), 0.0, 1.0);
      total += C;
      // Support follows control slowly and falls with harm done to the population (Kalyvas).
      double& S = s.support(r, a);
      S = std::clamp(S + dt * cp.zeta_support * (C - S) - cp.harm * ctx.inflicted(r, a) / pop, 0.0,
                     1.0);
    }
    s.control_target.row(r) = ctx.contest_target.row(r);
    if (!w.offmap[r] && 1.0 - total > 0.5) s.vacuum_days[r] += dt;
  };
  if (ctx.parallel_regions) {
    tbb::parallel_for(tbb::blocked_range<int>(0, w.R, 64), [&](const tbb::blocked_range<int>& rg) {
      for (int r = rg.begin(); r != rg.end(); ++r) body(r);
    });
  } else {
    for (int r = 0; r < w.R; ++r) body(r);
  }
}

}  // namespace powershift
