// Engine benchmarks (docs/performance.md). Run: build/release/bench/bench_engine
//   --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <memory>

#include "powershift/engine/ensemble.hpp"
#include "powershift/engine/simulation.hpp"
#include "powershift/scenario/loader.hpp"
#include "powershift/scenario/synthetic.hpp"

namespace ps = powershift;

namespace {

std::shared_ptr<const ps::World> syria_world() {
  static auto world = std::make_shared<const ps::World>(
      ps::scenario::load_file(std::string(POWERSHIFT_SOURCE_DIR) + "/scenarios/syria-2024-12.yaml")
          .spec);
  return world;
}

// One Syria run, 365 daily steps, on one thread, no observers: the engine alone.
void BM_SyriaRun(benchmark::State& st) {
  const auto world = syria_world();
  tbb::task_arena arena(1);
  std::uint64_t rep = 0;
  for (auto _ : st) {
    arena.execute([&] {
      ps::Simulation sim(world, 1, rep++);
      sim.run();
      benchmark::DoNotOptimize(sim.state().control.data());
    });
  }
  st.counters["steps_per_s"] =
      benchmark::Counter(365.0 * st.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SyriaRun)->Unit(benchmark::kMillisecond);

// The same with the in-memory recorder attached, recording every 7 days.
void BM_SyriaRunRecorded(benchmark::State& st) {
  auto spec = syria_world()->spec();
  spec.outputs.interval = 7;
  const auto world = std::make_shared<const ps::World>(spec);
  tbb::task_arena arena(1);
  std::uint64_t rep = 0;
  for (auto _ : st) {
    arena.execute([&] {
      ps::Simulation sim(world, 1, rep++);
      ps::TrajectoryRecorder rec;
      sim.add_observer(&rec);
      sim.run();
      benchmark::DoNotOptimize(rec.trajectory().control.data());
    });
  }
}
BENCHMARK(BM_SyriaRunRecorded)->Unit(benchmark::kMillisecond);

// An ensemble of replicates across threads (argument: threads), 64 replicates.
void BM_SyriaEnsemble(benchmark::State& st) {
  auto spec = syria_world()->spec();
  spec.outputs.interval = 7;
  const auto world = std::make_shared<const ps::World>(spec);
  const int threads = static_cast<int>(st.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  for (auto _ : st) {
    arena.execute([&] {
      ps::EnsembleOptions eo;
      eo.replicates = 64;
      ps::run_ensemble(world, eo,
                       [](ps::ReplicateResult&& r) { benchmark::DoNotOptimize(r.replicate); });
    });
  }
  st.counters["replicates_per_s"] =
      benchmark::Counter(64.0 * st.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SyriaEnsemble)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One step of a synthetic scenario (argument: threads); 1,600 regions, 16 actors, 20,000 units.
void BM_SyntheticStep(benchmark::State& st) {
  ps::scenario::SyntheticOptions opt;
  opt.steps = 100000;
  static const auto world = std::make_shared<const ps::World>(ps::scenario::make_synthetic(opt));
  const int threads = static_cast<int>(st.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    ps::Simulation sim(world, 1, 0);
    sim.step(3);
    for (auto _ : st) sim.step(1);
  });
}
BENCHMARK(BM_SyntheticStep)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
