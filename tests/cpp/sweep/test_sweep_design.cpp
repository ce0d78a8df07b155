// Sweep designs: what each design must be by construction (grid order and count, Latin
// hypercube strata, Saltelli's row structure, Morris one-at-a-time steps of size delta) and the
// inverse distributions against their closed-form CDFs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "powershift/model/error.hpp"
#include "powershift/sweep/design.hpp"
#include "powershift/sweep/spec.hpp"

namespace ps = powershift;
namespace sw = powershift::sweep;
namespace fs = std::filesystem;

namespace {

// A spec file next to a copy-free reference to the bundled two-towns example. One directory per
// process: ctest -j runs this file's tests as concurrent processes.
sw::SweepSpec spec_from(const std::string& body) {
  const fs::path dir =
      fs::temp_directory_path() / ("powershift_test_sweep_design." + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "spec.yaml";
  std::ofstream(path) << "sweep: t\nscenario: " << POWERSHIFT_SOURCE_DIR
                      << "/scenarios/examples/two-towns.yaml\n"
                      << body;
  return sw::load_sweep_spec(path.string());
}

std::string errors_of(const std::string& body) {
  try {
    (void)sw::expand(spec_from(body));
  } catch (const ps::InputError& e) {
    std::string out;
    for (const auto& d : e.diagnostics()) out += d.format() + "\n";
    return out.empty() ? e.what() : out;
  }
  return "";
}

const char* kThreeUniform = R"(parameters:
  - {name: a, path: 'events[0].scope', distribution: {uniform: [0, 1]}}
  - {name: b, path: 'events[0].pace_days', distribution: {uniform: [10, 50]}}
  - {name: c, path: 'events[0].day', range: {first: 1, last: 20}}
)";

}  // namespace

TEST(SweepDesign, GridIsEveryCombinationLastParameterFastest) {
  const auto spec = spec_from(R"(parameters:
  - {name: pace, path: 'events[0].pace_days', range: {first: 10, step: 20, last: 50}}
  - {name: scope, path: 'events[0].scope', values: [0.5, 1.0]}
design: {type: grid}
)");
  const auto m = sw::expand(spec);
  ASSERT_EQ(m.size(), 6U);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"10", "0.5"}, {"10", "1.0"}, {"30", "0.5"}, {"30", "1.0"}, {"50", "0.5"}, {"50", "1.0"}};
  for (std::size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(m[i].index, static_cast<long long>(i));
    EXPECT_EQ(m[i].values[0], expected[i].first);
    EXPECT_EQ(m[i].values[1], expected[i].second);
    EXPECT_EQ(m[i].seed, 1U + i) << "per_member seeds are seed + member";
  }
}

TEST(SweepDesign, CommonSeedPolicyGivesEveryMemberTheSameSeed) {
  const auto m = sw::expand(
      spec_from(std::string(kThreeUniform) +
                "design: {type: latin_hypercube, samples: 5}\nseed: 42\nseed_policy: common\n"));
  for (const auto& x : m) EXPECT_EQ(x.seed, 42U);
}

TEST(SweepDesign, LatinHypercubePutsOneSampleInEachStratumOfEveryParameter) {
  const int n = 37;
  const auto m = sw::expand(spec_from(std::string(kThreeUniform) +
                                      "design: {type: latin_hypercube, samples: 37, seed: 9}\n"));
  ASSERT_EQ(m.size(), static_cast<std::size_t>(n));
  for (std::size_t j = 0; j < 3; ++j) {
    std::set<int> strata;
    for (const auto& x : m) strata.insert(static_cast<int>(std::floor(x.unit[j] * n)));
    EXPECT_EQ(strata.size(), static_cast<std::size_t>(n)) << "parameter " << j;
  }
  // Values are the uniform quantiles of the coordinates.
  for (const auto& x : m) EXPECT_NEAR(x.numbers[1], 10.0 + 40.0 * x.unit[1], 1e-12);
}

TEST(SweepDesign, DesignDependsOnItsSeedOnly) {
  const std::string body =
      std::string(kThreeUniform) + "design: {type: latin_hypercube, samples: 8, seed: 3}\n";
  const auto a = sw::expand(spec_from(body));
  const auto b = sw::expand(spec_from(body + "seed: 99\n"));  // the runs' seed, not the design's
  const auto c = sw::expand(spec_from(std::string(kThreeUniform) +
                                      "design: {type: latin_hypercube, samples: 8, seed: 4}\n"));
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].unit, b[i].unit);
  EXPECT_NE(a[0].unit, c[0].unit);
}

TEST(SweepDesign, SobolFollowsSaltellisRowOrder) {
  const int d = 3;
  for (bool second : {false, true}) {
    const auto m = sw::expand(spec_from(std::string(kThreeUniform) +
                                        "design: {type: sobol, samples: 16, seed: 5" +
                                        (second ? ", second_order: true" : "") + "}\n"));
    const int per = second ? 2 * d + 2 : d + 2;
    ASSERT_EQ(m.size(), static_cast<std::size_t>(16 * per));
    for (int j = 0; j < 16; ++j) {
      const auto& a = m[static_cast<std::size_t>(j * per)].unit;
      const auto& b = m[static_cast<std::size_t>(j * per + per - 1)].unit;
      for (int k = 0; k < d; ++k) EXPECT_NE(a[k], b[k]);
      for (int k = 0; k < d; ++k) {
        const auto& ab = m[static_cast<std::size_t>(j * per + 1 + k)].unit;
        for (int i = 0; i < d; ++i) EXPECT_EQ(ab[i], i == k ? b[i] : a[i]) << "AB_" << k;
        if (second) {
          const auto& ba = m[static_cast<std::size_t>(j * per + 1 + d + k)].unit;
          for (int i = 0; i < d; ++i) EXPECT_EQ(ba[i], i == k ? a[i] : b[i]) << "BA_" << k;
        }
      }
    }
    // The A rows of the 16 base points stratify each parameter (a (0, 4, 1)-net per
    // coordinate; the digital shift keeps it).
    for (int k = 0; k < d; ++k) {
      std::set<int> cells;
      for (int j = 0; j < 16; ++j)
        cells.insert(
            static_cast<int>(std::floor(m[static_cast<std::size_t>(j * per)].unit[k] * 16)));
      EXPECT_EQ(cells.size(), 16U);
    }
  }
}

TEST(SweepDesign, MorrisTrajectoriesMoveOneFactorByDelta) {
  const auto m = sw::expand(spec_from(std::string(kThreeUniform) +
                                      "design: {type: morris, samples: 10, levels: 6, seed: 2}\n"));
  const int d = 3;
  ASSERT_EQ(m.size(), static_cast<std::size_t>(10 * (d + 1)));
  const double delta = 6.0 / (2.0 * 5.0);
  for (int t = 0; t < 10; ++t) {
    std::set<int> moved;
    for (int s = 1; s <= d; ++s) {
      const auto& prev = m[static_cast<std::size_t>(t * (d + 1) + s - 1)].unit;
      const auto& cur = m[static_cast<std::size_t>(t * (d + 1) + s)].unit;
      int changed = -1;
      for (int k = 0; k < d; ++k) {
        if (cur[k] != prev[k]) {
          EXPECT_EQ(changed, -1) << "one factor per step";
          changed = k;
          EXPECT_NEAR(std::abs(cur[k] - prev[k]), delta, 1e-12);
        }
        EXPECT_GE(cur[k], 0.0);
        EXPECT_LE(cur[k], 1.0);
      }
      moved.insert(changed);
    }
    EXPECT_EQ(moved.size(), static_cast<std::size_t>(d))
        << "every factor moves once per trajectory";
  }
}

TEST(SweepDesign, QuantilesInvertTheirDistributions) {
  sw::Parameter p;
  p.kind = sw::ValueKind::Normal;
  p.a = 3.0;
  p.b = 2.0;
  for (double u : {1e-9, 0.001, 0.1, 0.5, 0.8, 0.999, 1 - 1e-12}) {
    const double x = sw::quantile(p, u);
    EXPECT_NEAR(0.5 * std::erfc(-(x - 3.0) / (2.0 * std::sqrt(2.0))), u,
                1e-13 * std::max(1.0, 1.0 / u))
        << u;
  }
  p.kind = sw::ValueKind::Triangular;  // low 1, mode 2, high 5
  p.a = 1.0;
  p.c = 2.0;
  p.b = 5.0;
  for (double u : {0.01, 0.2, 0.25, 0.6, 0.99}) {
    const double x = sw::quantile(p, u);
    const double cdf =
        x <= 2.0 ? (x - 1.0) * (x - 1.0) / (4.0 * 1.0) : 1.0 - (5.0 - x) * (5.0 - x) / (4.0 * 3.0);
    EXPECT_NEAR(cdf, u, 1e-12);
  }
  p.kind = sw::ValueKind::LogUniform;
  p.a = 1.0;
  p.b = 100.0;
  EXPECT_NEAR(sw::quantile(p, 0.5), 10.0, 1e-12);
  p.integer = true;
  p.kind = sw::ValueKind::Uniform;
  p.a = 0.0;
  p.b = 10.0;
  EXPECT_EQ(sw::quantile(p, 0.36), 4.0);
}

TEST(SweepDesign, ValuesThatSetSeveralPathsBecomeOverrides) {
  const auto spec = spec_from(R"(parameters:
  - name: variant
    labels: [kept, gone]
    values:
      - events[0].scope: 0.5
      - events[0].scope: 1.0
        events[0].pace_days: 5
design: {type: grid}
)");
  const auto m = sw::expand(spec);
  ASSERT_EQ(m.size(), 2U);
  const auto o = sw::member_overrides(spec, m[1]);
  ASSERT_EQ(o.size(), 2U);
  EXPECT_EQ(o[0].path, "events[0].scope");
  EXPECT_EQ(o[0].value, "1.0");
  EXPECT_EQ(o[1].path, "events[0].pace_days");
  EXPECT_EQ(o[1].value, "5");
}

TEST(SweepSpecErrors, AreLocatedAndNamed) {
  const std::string base = "parameters:\n  - {name: s, path: 'events[0].scope', values: [0.5]}\n";
  EXPECT_NE(errors_of(base + "design: {type: sobol, samples: 100}\n")
                .find("spec.yaml:5:32: error: design.samples: a Sobol design needs a power of two"),
            std::string::npos)
      << errors_of(base + "design: {type: sobol, samples: 100}\n");
  EXPECT_NE(errors_of(base + "design: {type: grid}\nreplicate: 3\n")
                .find("spec.yaml:6:1: error: replicate: unknown key 'replicate' in a sweep spec "
                      "(did you mean 'replicates'?)"),
            std::string::npos);
  EXPECT_NE(errors_of("parameters:\n  - {name: s, path: 'events[0].scope', range: {first: 2, step: "
                      "1, last: 1}}\ndesign: {type: grid}\n")
                .find("parameters[0].range: is empty"),
            std::string::npos);
  EXPECT_NE(errors_of("parameters:\n  - {name: s, path: 'events[0].scope', distribution: {uniform: "
                      "[0, 1]}}\ndesign: {type: grid}\n")
                .find("a grid needs a list of values"),
            std::string::npos);
  EXPECT_NE(errors_of(base + "design: {type: grid, samples: 3}\n").find("a grid has no 'samples'"),
            std::string::npos);
  EXPECT_NE(errors_of(base + "design: {type: morris, samples: 3, levels: 5}\n")
                .find("Morris levels must be even"),
            std::string::npos);
  EXPECT_NE(errors_of(base + "design: {type: latin_hypercube}\n").find("needs 'samples'"),
            std::string::npos);
  EXPECT_NE(errors_of(base + "design: {type: lhs, samples: 3}\n")
                .find("must be one of grid, latin_hypercube, sobol, morris"),
            std::string::npos);
  EXPECT_NE(errors_of("parameters:\n  - {name: member, path: 'events[0].scope', values: "
                      "[1]}\ndesign: {type: grid}\n")
                .find("names a dimension of the output"),
            std::string::npos);
  // Sizes are checked before anything is allocated for them.
  EXPECT_NE(
      errors_of(
          "parameters:\n"
          "  - {name: a, path: 'events[0].scope', range: {first: 0, step: 0.0001, last: 9}}\n"
          "  - {name: b, path: 'events[0].pace_days', range: {first: 1, step: 0.0001, last: 9}}\n"
          "design: {type: grid}\n")
          .find("members; at most 10000000 are allowed"),
      std::string::npos);
  EXPECT_NE(errors_of(base + "design: {type: sobol, samples: 4611686018427387904}\n")
                .find("design.samples: must be in [1, 10000000]"),
            std::string::npos);
}

TEST(SweepSpec, SteppedRangesGiveTheValuesAsWritten) {
  const auto spec = spec_from(R"(parameters:
  - {name: scope, path: 'events[0].scope', range: {first: 0.2, step: 0.2, last: 1.0}}
design: {type: grid}
)");
  // 0.2 + 2 * 0.2 is 0.6000000000000001 in binary floating point; the spec means 0.6.
  EXPECT_EQ(spec.parameters[0].values, (std::vector<std::string>{"0.2", "0.4", "0.6", "0.8", "1"}));
}

TEST(SweepSpec, LabelsNameValuesInTheDesignTable) {
  const auto spec = spec_from(R"(parameters:
  - {name: scope, path: 'events[0].scope', values: [0.5, 1.0], labels: [half, all]}
design: {type: grid}
)");
  EXPECT_TRUE(spec.parameters[0].labelled);
  EXPECT_EQ(sw::design_csv(spec, sw::expand(spec)), "member,seed,scope\n0,1,half\n1,2,all\n");
}

TEST(SweepSpecErrors, AnUnknownDistributionIsReportedNotRead) {
  // Found by tests/fuzz/fuzz_sweep_spec: the arguments of a misspelt distribution were read as
  // those of a triangular one (three numbers) from a list of two.
  const auto text = errors_of(
      "parameters:\n  - {name: s, path: 'events[0].scope', distribution: {unifrm: [0, 1]}}\n"
      "design: {type: latin_hypercube, samples: 4}\n");
  EXPECT_NE(text.find("unknown key 'unifrm' in a distribution (did you mean 'uniform'?)"),
            std::string::npos)
      << text;
}
