// The unscrambled Sobol sequence of the sweep designs (sim/sweep/src/sobol_sequence.cpp): its
// first two dimensions against values derived by hand, the one-point-per-stratum property of
// every 1-D projection, and 1024 points x 64 dimensions against scipy.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sobol_sequence.hpp"

namespace {

using powershift::sweep::kSobolMaxDimensions;
using powershift::sweep::SobolSequence;

constexpr double kTwo32 = 4294967296.0;  // 2^32: coordinate = integer / 2^32

std::vector<double> coordinate(const SobolSequence& sobol, int dim, int n) {
  std::vector<double> x;
  x.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    x.push_back(static_cast<double>(
                    sobol.point(static_cast<std::uint64_t>(i))[static_cast<std::size_t>(dim)]) /
                kTwo32);
  }
  return x;
}

// Dimension 0 has every direction number m_k = 1, i.e. v_k = 2^-k: the coordinate of point i is
// the binary digits of its index mirrored about the binary point (van der Corput), except that
// scipy's index is the Gray code g = i ^ (i >> 1) of the point number i:
//   i = 0..7  ->  g = 0, 1, 3, 2, 6, 7, 5, 4  ->  0, .1, .11, .01, .011, .111, .101, .001 (binary)
// = 0, 1/2, 3/4, 1/4, 3/8, 7/8, 5/8, 1/8.
TEST(SobolSequence, DimensionZeroIsVanDerCorputInGrayCodeOrder) {
  const SobolSequence sobol(1);
  const std::vector<double> expected = {0.0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125};
  EXPECT_EQ(coordinate(sobol, 0, 8), expected);

  // Further out: i = 12 has g = 12 ^ 6 = 10 = 1010b -> .0101b = 5/16; and the last point,
  // i = 2^32 - 1, has g = 2^31, the smallest coordinate 2^-32.
  EXPECT_EQ(sobol.point(12)[0], 5U << 28);
  EXPECT_EQ(sobol.point(0xFFFFFFFFULL)[0], 1U);
}

// Dimension 1 has the polynomial x + 1 (s = 1) and m_1 = 1, so m_j = 2 m_(j-1) ^ m_(j-1):
// m = 1, 3, 5, 15, i.e. v = .1, .11, .101, .1111 (binary). XOR-ing the v_k of the set bits of
// g = 0, 1, 3, 2, 6, 7, 5, 4 gives 0, .1, .01, .11, .011, .111, .001, .101, the second column of
// scipy's documented example Sobol(d=2, scramble=False).random(8).
TEST(SobolSequence, DimensionOneByHand) {
  const SobolSequence sobol(2);
  const std::vector<double> expected = {0.0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625};
  EXPECT_EQ(coordinate(sobol, 1, 8), expected);
}

// Each dimension's generator matrix is upper triangular with a unit diagonal (every m_k is odd),
// so any aligned block of 2^m consecutive points puts exactly one point in each interval
// [k/2^m, (k+1)/2^m) of every coordinate. Checked for the first 2^m points, m = 1..10, and for
// one block far out, where the high direction numbers matter.
void expect_one_per_stratum(const SobolSequence& sobol, std::uint64_t first, int m) {
  const std::size_t n = std::size_t{1} << m;
  std::vector<std::vector<int>> count(static_cast<std::size_t>(sobol.dimensions()),
                                      std::vector<int>(n, 0));
  for (std::uint64_t i = first; i < first + n; ++i) {
    const std::vector<std::uint32_t> x = sobol.point(i);
    for (std::size_t d = 0; d < x.size(); ++d) ++count[d][x[d] >> (32 - m)];
  }
  for (std::size_t d = 0; d < count.size(); ++d) {
    for (std::size_t k = 0; k < n; ++k) {
      ASSERT_EQ(count[d][k], 1) << "dimension " << d << ", first point " << first << ", 2^" << m
                                << " points, interval " << k;
    }
  }
}

TEST(SobolSequence, EveryProjectionHasOnePointPerStratum) {
  const SobolSequence sobol(kSobolMaxDimensions);
  for (int m = 1; m <= 10; ++m) expect_one_per_stratum(sobol, 0, m);
  expect_one_per_stratum(sobol, (std::uint64_t{1} << 31) + 5 * 1024, 10);
  expect_one_per_stratum(sobol, (std::uint64_t{1} << 32) - 4096, 12);
}

// The expected values come from scipy.stats.qmc.Sobol(d=64, scramble=False, bits=32), an
// independent implementation (tests/data/make_sobol_reference.py wrote the file): one point per
// line, each coordinate times 2^32.
std::vector<std::vector<std::uint32_t>> read_reference() {
  const std::string path =
      std::string(POWERSHIFT_SOURCE_DIR) + "/tests/data/sobol_scipy_reference.txt";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::vector<std::uint32_t>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::vector<std::uint32_t> row;
    std::uint32_t v = 0;
    while (fields >> v) row.push_back(v);
    if (!fields.eof()) throw std::runtime_error("bad number in " + path + ": " + line);
    rows.push_back(std::move(row));
  }
  return rows;
}

TEST(SobolSequence, MatchesScipy) {
  const auto reference = read_reference();
  ASSERT_EQ(reference.size(), 1024U);
  const SobolSequence sobol(kSobolMaxDimensions);
  int mismatches = 0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    ASSERT_EQ(reference[i].size(), static_cast<std::size_t>(kSobolMaxDimensions)) << "row " << i;
    const std::vector<std::uint32_t> x = sobol.point(i);
    for (std::size_t d = 0; d < x.size(); ++d) {
      if (x[d] != reference[i][d] && ++mismatches <= 10) {
        ADD_FAILURE() << "point " << i << ", dimension " << d << ": " << x[d] << ", scipy "
                      << reference[i][d];
      }
    }
  }
  EXPECT_EQ(mismatches, 0);

  // A sequence of fewer dimensions is the same points cut short, as in scipy.
  for (const int dims : {1, 2, 7, 63}) {
    const SobolSequence fewer(dims);
    for (std::uint64_t i : {1U, 2U, 100U, 1023U}) {
      const std::vector<std::uint32_t> full = sobol.point(i);
      EXPECT_EQ(fewer.point(i), std::vector<std::uint32_t>(full.begin(), full.begin() + dims))
          << dims << " dimensions, point " << i;
    }
  }
}

TEST(SobolSequence, RejectsBadDimensionsAndIndices) {
  EXPECT_THROW(SobolSequence(0), std::invalid_argument);
  EXPECT_THROW(SobolSequence(-1), std::invalid_argument);
  EXPECT_THROW(SobolSequence(kSobolMaxDimensions + 1), std::invalid_argument);
  EXPECT_EQ(SobolSequence(1).dimensions(), 1);
  EXPECT_EQ(SobolSequence(kSobolMaxDimensions).dimensions(), kSobolMaxDimensions);
  EXPECT_EQ(SobolSequence(3).point(0), std::vector<std::uint32_t>(3, 0U));

  const SobolSequence sobol(2);
  EXPECT_NO_THROW((void)sobol.point(0xFFFFFFFFULL));
  EXPECT_THROW((void)sobol.point(std::uint64_t{1} << 32), std::out_of_range);
}

}  // namespace
