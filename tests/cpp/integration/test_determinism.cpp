// Determinism (DESIGN.md §3 "Randomness and determinism"): the same scenario and seed give
// bit-identical results at any thread count and in any replicate order; seeds matter.
#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>

#include "powershift/engine/ensemble.hpp"
#include "powershift/engine/simulation.hpp"
#include "powershift/model/phases.hpp"
#include "powershift/model/rng.hpp"
#include "powershift/scenario/synthetic.hpp"
#include "syria.hpp"
#include "test_support.hpp"

namespace ps = powershift;

namespace {

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

bool same_bits(const ps::Field& a, const ps::Field& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) == 0;
}

struct Snapshot {
  ps::State state;
  ps::Trajectory trajectory;
};

Snapshot run_with_threads(const ps::WorldPtr& world, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  Snapshot snap;
  arena.execute([&] {
    ps::Simulation sim(world, 11, 3);
    ps::TrajectoryRecorder rec(3);
    sim.add_observer(&rec);
    sim.run();
    snap.state = sim.state();
    snap.trajectory = rec.take();
  });
  return snap;
}

void expect_identical(const Snapshot& a, const Snapshot& b, const std::string& label) {
  const auto& ua = a.state.units;
  const auto& ub = b.state.units;
  EXPECT_TRUE(same_bits(ua.strength, ub.strength)) << label;
  EXPECT_TRUE(same_bits(ua.morale, ub.morale)) << label;
  EXPECT_TRUE(same_bits(ua.region, ub.region)) << label;
  EXPECT_TRUE(same_bits(ua.actor, ub.actor)) << label;
  EXPECT_TRUE(same_bits(ua.alive, ub.alive)) << label;
  EXPECT_TRUE(same_bits(a.state.control, b.state.control)) << label;
  EXPECT_TRUE(same_bits(a.state.support, b.state.support)) << label;
  EXPECT_TRUE(same_bits(a.state.target, b.state.target)) << label;
  EXPECT_TRUE(same_bits(a.state.budget, b.state.budget)) << label;
  EXPECT_TRUE(same_bits(a.trajectory.control, b.trajectory.control)) << label;
  EXPECT_TRUE(same_bits(a.trajectory.power, b.trajectory.power)) << label;
  EXPECT_TRUE(same_bits(a.trajectory.forces, b.trajectory.forces)) << label;
  EXPECT_TRUE(same_bits(a.trajectory.casualties, b.trajectory.casualties)) << label;
}

}  // namespace

TEST(Determinism, BitIdenticalAtOneTwoAndFourThreadsOnALargeScenario) {
  ps::scenario::SyntheticOptions opt;  // 1,600 regions, 16 actors, 20,000 units
  opt.steps = 15;
  auto world = ps::testing::make_world(ps::scenario::make_synthetic(opt));
  // The phases split this world's regions over TBB tasks.
  ASSERT_TRUE(ps::StepContext(*world, 1, 0).parallel_regions);
  const auto one = run_with_threads(world, 1);
  EXPECT_GT(one.state.units.size(), 15000u);
  // Something happened: units died or moved and control changed.
  EXPECT_FALSE(same_bits(one.state.control, ps::State::initial(*world).control));
  for (const int threads : {2, 4}) {
    expect_identical(one, run_with_threads(world, threads), std::to_string(threads) + " threads");
  }
}

TEST(Determinism, ReplicateOrderDoesNotMatter) {
  auto world = ps::testing::make_world(ps::testing::syria());
  auto collect = [&](std::vector<int> order) {
    std::map<int, ps::ReplicateResult> out;
    ps::EnsembleOptions eo;
    eo.replicates = 6;
    eo.seed = 5;
    eo.steps = 60;
    eo.counterfactual = true;
    eo.order = std::move(order);
    ps::run_ensemble(world, eo, [&](ps::ReplicateResult&& r) { out[r.replicate] = std::move(r); });
    return out;
  };
  const auto ascending = collect({});
  const auto reversed = collect({5, 4, 3, 2, 1, 0});
  const auto shuffled = collect({3, 0, 5, 1, 4, 2});
  ASSERT_EQ(ascending.size(), 6u);
  for (int r = 0; r < 6; ++r) {
    for (const auto* other : {&reversed, &shuffled}) {
      const auto& a = ascending.at(r);
      const auto& b = other->at(r);
      EXPECT_TRUE(same_bits(a.trajectory.control, b.trajectory.control)) << "replicate " << r;
      EXPECT_TRUE(same_bits(a.trajectory.forces, b.trajectory.forces)) << "replicate " << r;
      EXPECT_TRUE(same_bits(a.counterfactual->control, b.counterfactual->control))
          << "replicate " << r;
    }
  }
  // Replicates are distinct random streams.
  EXPECT_FALSE(same_bits(ascending.at(0).trajectory.control, ascending.at(1).trajectory.control));
}

TEST(Determinism, DifferentSeedsGiveDifferentTrajectories) {
  auto world = ps::testing::make_world(ps::testing::syria());
  auto run = [&](std::uint64_t seed) {
    ps::Simulation sim(world, seed, 0);
    sim.set_horizon(60);
    ps::TrajectoryRecorder rec;
    sim.add_observer(&rec);
    sim.run();
    return rec.take();
  };
  const auto a = run(1);
  const auto b = run(1);
  const auto c = run(2);
  EXPECT_TRUE(same_bits(a.control, b.control));
  EXPECT_FALSE(same_bits(a.control, c.control));
}

TEST(Determinism, CounterRngIsAPureFunctionOfItsCounter) {
  const ps::CounterRng r1(42, 7);
  const ps::CounterRng r2(42, 7);
  const ps::CounterRng other(42, 8);
  EXPECT_EQ(r1.uniform(10, ps::RngPhase::EngageNoise, 3, 1),
            r2.uniform(10, ps::RngPhase::EngageNoise, 3, 1));
  EXPECT_NE(r1.uniform(10, ps::RngPhase::EngageNoise, 3, 1),
            other.uniform(10, ps::RngPhase::EngageNoise, 3, 1));
  EXPECT_NE(r1.uniform(10, ps::RngPhase::EngageNoise, 3, 1),
            r1.uniform(11, ps::RngPhase::EngageNoise, 3, 1));
  // Moments of the three distributions over 200,000 counters.
  double su = 0, sn = 0, sn2 = 0, sg = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    su += r1.uniform(1, ps::RngPhase::DecideNoise, static_cast<std::uint64_t>(i));
    const double z = r1.normal(1, ps::RngPhase::EngageNoise, static_cast<std::uint64_t>(i));
    sn += z;
    sn2 += z * z;
    sg += r1.gumbel(1, ps::RngPhase::MoraleBreak, static_cast<std::uint64_t>(i));
  }
  EXPECT_NEAR(su / n, 0.5, 0.005);
  EXPECT_NEAR(sn / n, 0.0, 0.01);
  EXPECT_NEAR(sn2 / n, 1.0, 0.01);
  EXPECT_NEAR(sg / n, 0.5772156649, 0.01);  // Euler–Mascheroni: the Gumbel mean
}
