#include "powershift/model/world.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>
#include <utility>

namespace powershift {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kRoadFactor = 1.3;  // road km per great-circle km (docs/model.md §World)
}  // namespace

double haversine_km(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0;
  constexpr double kDeg = 3.14159265358979323846 / 180.0;
  const double p1 = lat1 * kDeg;
  const double p2 = lat2 * kDeg;
  const double dp = (lat2 - lat1) * kDeg;
  const double dl = (lon2 - lon1) * kDeg;
  const double h = std::sin(dp / 2) * std::sin(dp / 2) +
                   std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2.0 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

World::World(ScenarioSpec spec) : spec_(std::move(spec)) {
  R = static_cast<int>(spec_.regions.size());
  A = static_cast<int>(spec_.actors.size());
  K = static_cast<int>(spec_.unit_types.size());
  dt = spec_.run.dt;
  build_regions();
  build_graph();
  build_types();
  build_actors();
}

void World::build_regions() {
  const auto& vw = spec_.params.value_weights;
  const double weights[kValueComponents] = {vw.capital, vw.port, vw.airbase, vw.oil, vw.border};
  population.resize(R);
  terrain.resize(R);
  site_need.assign(R, 0.0);
  hold_need.assign(R, 0.0);
  value.resize(R);
  offmap.resize(R);
  double pop_total = 0.0;
  double value_total = 0.0;
  for (int r = 0; r < R; ++r) {
    const auto& reg = spec_.regions[r];
    population[r] = reg.population;
    terrain[r] = reg.terrain;
    if (!reg.offmap) {
      site_need[r] = reg.site_need;
      hold_need[r] = spec_.params.control.theta * reg.population + reg.site_need;
    }
    offmap[r] = reg.offmap ? 1 : 0;
    double v = reg.population / 1e6;
    for (int c = 0; c < kValueComponents; ++c) v += weights[c] * reg.value[c];
    value[r] = reg.offmap ? 0.0 : v;
    if (!reg.offmap) {
      pop_total += reg.population;
      value_total += value[r];
    }
  }
  pop_weight.assign(R, 0.0);
  value_weight.assign(R, 0.0);
  for (int r = 0; r < R; ++r) {
    if (offmap[r]) continue;
    pop_weight[r] = pop_total > 0 ? population[r] / pop_total : 0.0;
    value_weight[r] = value_total > 0 ? value[r] / value_total : 0.0;
  }
}

void World::build_graph() {
  // Collect undirected links, then lay them out in CSR form.
  std::vector<std::vector<std::pair<int, double>>> links(R);
  auto link = [&](int a, int b, double km) {
    links[a].emplace_back(b, km);
    links[b].emplace_back(a, km);
  };
  for (const auto& e : spec_.edges) {
    const auto& ra = spec_.regions[e.a];
    const auto& rb = spec_.regions[e.b];
    const double km = e.km >= 0 ? e.km : kRoadFactor * haversine_km(ra.lat, ra.lon, rb.lat, rb.lon);
    link(e.a, e.b, std::max(km, 1e-6));
  }
  exit_capacity.assign(R, 0.0);
  for (const auto& x : spec_.exits) {
    link(x.from, x.to, std::max(x.km, 1e-6));
    exit_capacity[x.from] += x.capacity;
  }
  adj_offsets.assign(R + 1, 0);
  for (int r = 0; r < R; ++r) {
    auto& l = links[r];
    std::sort(l.begin(), l.end());
    adj_offsets[r + 1] = adj_offsets[r] + static_cast<int>(l.size());
    for (const auto& [s, km] : l) {
      adj_region.push_back(s);
      adj_km.push_back(km);
    }
  }
  // All-pairs shortest paths by Dijkstra from every region (ties broken by region index, so the
  // first hop is deterministic).
  const std::size_t RR = static_cast<std::size_t>(R) * R;
  dist.assign(RR, kInf);
  next_hop.assign(RR, -1);
  using Item = std::pair<double, int>;
  for (int src = 0; src < R; ++src) {
    double* d = &dist[static_cast<std::size_t>(src) * R];
    std::int32_t* nh = &next_hop[static_cast<std::size_t>(src) * R];
    std::priority_queue<Item, std::vector<Item>, std::greater<>> pq;
    d[src] = 0.0;
    nh[src] = src;
    pq.emplace(0.0, src);
    while (!pq.empty()) {
      const auto [du, u] = pq.top();
      pq.pop();
      if (du > d[u]) continue;
      for (int i = adj_offsets[u]; i < adj_offsets[u + 1]; ++i) {
        const int v = adj_region[i];
        const double nd = du + adj_km[i];
        const int first = (u == src) ? v : nh[u];
        if (nd < d[v] || (nd == d[v] && first < nh[v])) {
          const bool improved = nd < d[v];
          d[v] = nd;
          nh[v] = first;
          if (improved) pq.emplace(nd, v);
        }
      }
    }
  }
}

void World::build_types() {
  attack.resize(K);
  defence.resize(K);
  lambda_km.resize(K);
  range_km.resize(K);
  speed.resize(K);
  upkeep.resize(K);
  sorties.resize(K);
  air_defence.resize(K);
  holds_ground.resize(K);
  linear_law.resize(K);
  declines.resize(K);
  kernel.assign(K, KernelRow{});
  for (int k = 0; k < K; ++k) {
    const auto& t = spec_.unit_types[k];
    attack[k] = t.attack;
    defence[k] = t.defence;
    lambda_km[k] = t.lambda_km;
    range_km[k] = t.range_km;
    speed[k] = t.speed_km_day;
    upkeep[k] = t.upkeep;
    sorties[k] = t.holds_ground ? 1.0 : t.sorties;
    air_defence[k] = t.air_defence;
    holds_ground[k] = t.holds_ground ? 1 : 0;
    linear_law[k] = t.law == AttritionLaw::Linear ? 1 : 0;
    declines[k] = t.declines ? 1 : 0;
    // Projection kernel exp(-d / lambda), truncated at the type's range, between on-map
    // regions (Boulding's loss-of-strength gradient; docs/model.md §Sense).
    auto& row = kernel[k];
    row.offsets.assign(R + 1, 0);
    for (int r = 0; r < R; ++r) {
      if (!offmap[r]) {
        const auto& rr = spec_.regions[r];
        for (int s = 0; s < R; ++s) {
          if (offmap[s]) continue;
          const auto& rs = spec_.regions[s];
          // Symmetric by construction (the air allocation reads row s as s's destinations).
          const auto& lo = r < s ? rr : rs;
          const auto& hi = r < s ? rs : rr;
          const double d = (r == s) ? 0.0 : haversine_km(lo.lat, lo.lon, hi.lat, hi.lon);
          if (d <= t.range_km) {
            row.source.push_back(s);
            row.weight.push_back(std::exp(-d / t.lambda_km));
          }
        }
      }
      row.offsets[r + 1] = static_cast<std::int32_t>(row.source.size());
    }
  }
}

void World::build_actors() {
  is_state.resize(A);
  aggressiveness.resize(A);
  risk_aversion.resize(A);
  cost_sensitivity.resize(A);
  rationality.resize(A);
  quality.resize(A);
  decision_interval.resize(A);
  home.resize(A);
  recruit_type.resize(A);
  salience.assign(static_cast<std::size_t>(A) * R, 0.0);
  dist_home.assign(static_cast<std::size_t>(A) * R, 0.0);
  control0.assign(static_cast<std::size_t>(R) * A, 0.0);
  support0.assign(static_cast<std::size_t>(R) * A, 0.0);
  relations0.assign(static_cast<std::size_t>(A) * A, 0.0);
  exit_for.assign(static_cast<std::size_t>(A) * R, -1);
  for (int a = 0; a < A; ++a) {
    const auto& act = spec_.actors[a];
    is_state[a] = act.is_state ? 1 : 0;
    aggressiveness[a] = act.aggressiveness;
    risk_aversion[a] = act.risk_aversion;
    cost_sensitivity[a] = act.cost_sensitivity;
    rationality[a] = act.rationality;
    quality[a] = act.quality;
    decision_interval[a] = std::max(1, act.decision_interval);
    home[a] = act.home;
    recruit_type[a] = act.recruit_type;
    relations0[static_cast<std::size_t>(a) * A + a] = 1.0;
    for (int r = 0; r < R; ++r) {
      const std::size_t ar = static_cast<std::size_t>(a) * R + r;
      const std::size_t ra = static_cast<std::size_t>(r) * A + a;
      salience[ar] = offmap[r] ? 0.0 : act.salience[r];
      const double dh = distance(act.home, r);
      dist_home[ar] = std::isfinite(dh) ? dh : 0.0;
      control0[ra] = offmap[r] ? 0.0 : act.control[r];
      support0[ra] = offmap[r] ? 0.0 : act.support[r];
    }
    // Exit each region's units leave by: the nearest exit leading to the actor's home, else the
    // nearest exit of any kind.
    for (int r = 0; r < R; ++r) {
      int best_home = -1;
      int best_any = -1;
      double d_home = kInf;
      double d_any = kInf;
      for (const auto& x : spec_.exits) {
        const double d = distance(r, x.from);
        if (!std::isfinite(d)) continue;
        if (x.to == act.home && (d < d_home || (d == d_home && x.from < best_home))) {
          d_home = d;
          best_home = x.from;
        }
        if (d < d_any || (d == d_any && x.from < best_any)) {
          d_any = d;
          best_any = x.from;
        }
      }
      exit_for[static_cast<std::size_t>(a) * R + r] = best_home >= 0 ? best_home : best_any;
    }
  }
  for (const auto& rel : spec_.relations) {
    relations0[static_cast<std::size_t>(rel.a) * A + rel.b] = rel.value;
    relations0[static_cast<std::size_t>(rel.b) * A + rel.a] = rel.value;
  }
}

}  // namespace powershift
