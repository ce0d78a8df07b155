#pragma once
// World: the immutable description built once from a validated scenario and shared read-only by
// every replicate and thread (DESIGN.md §2, layer 1).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "powershift/model/params.hpp"
#include "powershift/model/scenario_spec.hpp"

namespace powershift {

// A sparse row: the regions s that project power into a region r, with their kernel weights.
struct KernelRow {
  std::vector<std::int32_t> offsets;  // size R + 1
  std::vector<std::int32_t> source;   // region s
  std::vector<double> weight;         // exp(-d(r, s) / lambda), d <= range
};

class World {
 public:
  explicit World(ScenarioSpec spec);

  [[nodiscard]] const ScenarioSpec& spec() const { return spec_; }
  [[nodiscard]] const ModelParams& params() const { return spec_.params; }

  int R = 0;  // regions
  int A = 0;  // actors
  int K = 0;  // unit types
  double dt = 1.0;

  // Regions.
  std::vector<double> population;
  std::vector<double> terrain;
  std::vector<double> site_need;  // regions[*].site_need: holding power a site needs
  std::vector<double> hold_need;  // theta p_r + site_need_r: what holding the whole region takes
  std::vector<double> value;      // v_r: population (millions) + weighted components; 0 off-map
  std::vector<std::uint8_t> offmap;
  std::vector<double> pop_weight;  // p_r / sum of on-map p
  std::vector<double> value_weight;
  // Region graph in CSR form (land edges and exits, both directions).
  std::vector<std::int32_t> adj_offsets;
  std::vector<std::int32_t> adj_region;
  std::vector<double> adj_km;
  // All-pairs shortest paths over the graph (km) and the first hop on a shortest path.
  std::vector<double> dist;            // R x R
  std::vector<std::int32_t> next_hop;  // R x R, -1 unreachable
  std::vector<double> exit_capacity;   // per region: strength per day that may leave
  std::vector<std::int32_t> exit_for;  // A x R: exit region an actor's units leave by, -1 none

  // Unit types.
  std::vector<double> attack, defence, lambda_km, range_km, speed, upkeep;
  std::vector<double> sorties, air_defence;  // per type (docs/model.md §4.2, air power)
  std::vector<std::uint8_t> holds_ground, linear_law, declines;
  std::vector<KernelRow> kernel;  // per type

  // Actors.
  std::vector<std::uint8_t> is_state;
  std::vector<double> aggressiveness, risk_aversion, cost_sensitivity, rationality, quality;
  std::vector<int> decision_interval, home, recruit_type;
  std::vector<double> salience;    // A x R
  std::vector<double> dist_home;   // A x R: graph km from the actor's home
  std::vector<double> control0;    // R x A
  std::vector<double> support0;    // R x A
  std::vector<double> relations0;  // A x A

  [[nodiscard]] double distance(int from, int to) const {
    return dist[static_cast<std::size_t>(from) * R + to];
  }
  [[nodiscard]] int hop(int from, int to) const {
    return next_hop[static_cast<std::size_t>(from) * R + to];
  }
  [[nodiscard]] int exit_of(int actor, int region) const {
    return exit_for[static_cast<std::size_t>(actor) * R + region];
  }
  [[nodiscard]] double salience_of(int actor, int region) const {
    return salience[static_cast<std::size_t>(actor) * R + region];
  }

 private:
  ScenarioSpec spec_;
  void build_regions();
  void build_graph();
  void build_types();
  void build_actors();
};

using WorldPtr = std::shared_ptr<const World>;

// Great-circle distance in km.
double haversine_km(double lat1, double lon1, double lat2, double lon2);

}  // namespace powershift
