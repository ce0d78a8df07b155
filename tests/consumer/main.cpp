// Loads a scenario, runs one replicate for 30 steps and prints its population-weighted control,
// through the installed headers and libraries only.
#include <cstdio>
#include <memory>

#include "powershift/engine/schema.hpp"
#include "powershift/engine/simulation.hpp"
#include "powershift/model/metrics.hpp"
#include "powershift/scenario/loader.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer SCENARIO.yaml\n");
    return 2;
  }
  namespace ps = powershift;
  auto world = std::make_shared<const ps::World>(ps::scenario::load_file(argv[1]).spec);
  ps::Simulation sim(world, 1, 0);
  sim.set_horizon(30);
  sim.run();
  const auto m = ps::compute_metrics(sim.world(), sim.state());
  std::printf("consumer: %d regions, %d actors, %d steps\n", world->R, world->A, sim.state().step);
  for (int a = 0; a < world->A; ++a) {
    std::printf("  %-16s %.3f\n", world->spec().actors[a].name.c_str(), m.control_pop[a]);
  }
  std::printf("powershift %s, %zu output variables\n", std::string(ps::schema::version()).c_str(),
              ps::schema::variables().size());
  return 0;
}
