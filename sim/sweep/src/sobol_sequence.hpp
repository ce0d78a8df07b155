#pragma once
// The unscrambled Sobol low-discrepancy sequence, for the Sobol (Saltelli) sweep designs that
// SALib analyses. Point i is row i of scipy.stats.qmc.Sobol(d, scramble=False).random(n), so a
// design built here can be checked against, and mixed with, one built in Python.
#include <cstdint>
#include <vector>

namespace powershift::sweep {

// The direction-number table embedded in sobol_sequence.cpp covers this many dimensions.
inline constexpr int kSobolMaxDimensions = 64;

// The first `dims` coordinates of point `index` of the Sobol sequence (Joe & Kuo 2008 direction
// numbers, the same as scipy.stats.qmc.Sobol(scramble=False)), as 32-bit integers: coordinate =
// value / 2^32. Points come in scipy's (Gray-code) order, computed directly from the index, so
// any point can be had without generating the ones before it. Point 0 is the origin.
class SobolSequence {
 public:
  // Throws std::invalid_argument when dims < 1 or dims > kSobolMaxDimensions.
  explicit SobolSequence(int dims);

  [[nodiscard]] int dimensions() const { return dims_; }

  // Throws std::out_of_range when index >= 2^32: 32-bit direction numbers give 2^32 points.
  [[nodiscard]] std::vector<std::uint32_t> point(std::uint64_t index) const;

 private:
  int dims_;
};

}  // namespace powershift::sweep
